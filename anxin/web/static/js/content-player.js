// Lesson player: resume where this listener left off, and save the position now and then.
// Works with the phone's own audio controls; no inline script (the CSP forbids it).
(function () {
  "use strict";
  var audio = document.getElementById("lesson-audio");
  if (!audio) return;
  var status = document.getElementById("player-status");
  var lessonId = audio.dataset.lesson;
  var start = parseInt(audio.dataset.position || "0", 10) || 0;
  var canSave = audio.dataset.save === "1";
  var lastSaved = start;

  function save(force) {
    if (!canSave) return;
    var seconds = Math.floor(audio.currentTime || 0);
    if (!force && Math.abs(seconds - lastSaved) < 5) return;
    lastSaved = seconds;
    var body = JSON.stringify({ seconds: seconds });
    fetch("/api/v1/content/lessons/" + lessonId + "/position", {
      method: "PUT",
      credentials: "same-origin",
      keepalive: true,
      headers: { "content-type": "application/json", "x-csrf-token": audio.dataset.csrf },
      body: body
    }).then(function (response) {
      audio.dataset.saved = String(seconds);
      if (!response.ok && status) status.textContent = "";
    }).catch(function () { /* offline: the next save catches up */ });
  }

  function resume() {
    if (start > 0 && start < (audio.duration || Infinity)) {
      audio.currentTime = start;
    }
    audio.dataset.ready = "1";
  }

  if (audio.readyState >= 1) resume();
  else audio.addEventListener("loadedmetadata", resume, { once: true });
  audio.addEventListener("timeupdate", function () { save(false); });
  audio.addEventListener("pause", function () { save(true); });
  audio.addEventListener("seeked", function () { save(true); });
  window.addEventListener("pagehide", function () { save(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save(true);
  });
})();
