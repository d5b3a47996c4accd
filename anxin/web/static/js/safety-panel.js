// The inline crisis panel (safety/_crisis_panel.html): shown at once, without leaving the page, when
// a screen of what the reader just wrote found risk. The lines come from GET /api/v1/safety/resources
// (the reader's region); the server-rendered lines stay if that request fails.
"use strict";

(() => {
  const panel = document.getElementById("safety-crisis-panel");

  function line(name, hours, phone) {
    const li = document.createElement("li");
    li.className = "crisis-line";
    const label = document.createElement("span");
    const title = document.createElement("span");
    title.className = "crisis-line-name";
    title.textContent = name;
    label.appendChild(title);
    if (hours) {
      const when = document.createElement("span");
      when.className = "crisis-line-hours";
      when.textContent = " " + hours;
      label.appendChild(when);
    }
    const link = document.createElement("a");
    link.className = "phone";
    link.href = "tel:" + phone.split(" / ")[0].replace(/[\s-]/g, "");
    link.textContent = phone;
    li.append(label, link);
    return li;
  }

  async function refresh() {
    const response = await fetch("/api/v1/safety/resources", { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    const list = document.getElementById("safety-panel-lines");
    const items = data.lines.map((entry) => line(entry.name, entry.hours, entry.phone));
    items.push(line(panel.dataset.tEmergency || "", "", data.emergency_number));
    list.replaceChildren(...items);
    panel.dataset.region = data.region;
  }

  function showCrisisPanel() {
    if (!panel) return;
    panel.hidden = false;
    panel.focus({ preventScroll: true });
    panel.scrollIntoView({ block: "nearest" });
    refresh().catch(() => { /* the server-rendered lines stay */ });
  }

  window.anxinSafety = { showCrisisPanel };
})();
