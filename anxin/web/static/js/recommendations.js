// Fills the "Recommended for you" sections (data-recommendations="<context>") for a signed-in
// client on a page whose server did not render them already (data-rendered); a section stays
// hidden when the reader is not signed in or nothing is recommended.
(function () {
  "use strict";

  function card(item) {
    const li = document.createElement("li");
    li.className = "card stack";
    li.dataset.recommended = String(item.content_id);
    const title = document.createElement("h3");
    const link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.title;
    title.appendChild(link);
    const reason = document.createElement("p");
    reason.className = "small muted";
    reason.dataset.reason = "";
    reason.textContent = item.reason;
    li.append(title, reason);
    return li;
  }

  async function fill(section) {
    if (section.dataset.rendered || !section.dataset.signedIn) return;
    const params = new URLSearchParams({ context: section.dataset.recommendations });
    if (section.dataset.counsellor) params.set("counsellor_id", section.dataset.counsellor);
    let items = [];
    try {
      const response = await fetch("/api/v1/matching/recommendations?" + params.toString(), {
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
      if (response.ok) items = await response.json();
    } catch (error) {
      items = [];
    }
    const list = section.querySelector("[data-recommendations-list]");
    if (!list || !Array.isArray(items) || items.length === 0) return;
    list.replaceChildren(...items.map(card));
    section.hidden = false;
  }

  function start() {
    document.querySelectorAll("section[data-recommendations]").forEach(fill);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
