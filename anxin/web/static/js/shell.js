// Progressive enhancement for the page shell: selects marked data-autosubmit submit their form.
document.documentElement.classList.add("js");
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});
