// Progressive enhancement for the page shell. Everything works without it.
document.documentElement.classList.add("js");

// Selects marked data-autosubmit (language, region) submit their form when changed.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});

// A form's error summary takes focus, so screen readers announce what needs fixing.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary instanceof HTMLElement) {
    summary.focus();
  }
});
