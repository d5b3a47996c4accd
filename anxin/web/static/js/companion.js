// The AI companion's paced-breathing timer: a circle that grows while breathing in and shrinks
// while breathing out, with the phase named for screen readers. The page works without it.
(function () {
  "use strict";
  var box = document.getElementById("companion-timer");
  if (!box) return;
  var circle = document.getElementById("companion-circle");
  var label = document.getElementById("companion-timer-label");
  var start = document.getElementById("companion-timer-start");
  var phases = [
    { name: "in", seconds: Number(box.dataset.inhale), text: box.dataset.tIn },
    { name: "hold", seconds: Number(box.dataset.hold), text: box.dataset.tHold },
    { name: "out", seconds: Number(box.dataset.exhale), text: box.dataset.tOut }
  ].filter(function (phase) { return phase.seconds > 0; });
  var cycles = Number(box.dataset.cycles) || 6;
  var timer = null;

  function run(cycle, index) {
    if (cycle >= cycles) {
      circle.className = "companion-circle";
      label.textContent = box.dataset.tDone;
      start.disabled = false;
      var composer = document.getElementById("field-text");
      if (composer) composer.focus();
      return;
    }
    var phase = phases[index];
    circle.style.setProperty("--phase-seconds", phase.seconds + "s");
    circle.className = "companion-circle companion-phase-" + phase.name;
    var left = phase.seconds;
    label.textContent = phase.text + " · " + left;
    timer = setInterval(function () {
      left -= 1;
      if (left > 0) {
        label.textContent = phase.text + " · " + left;
        return;
      }
      clearInterval(timer);
      var next = index + 1;
      if (next >= phases.length) run(cycle + 1, 0);
      else run(cycle, next);
    }, 1000);
  }

  start.addEventListener("click", function () {
    if (timer) clearInterval(timer);
    start.disabled = true;
    run(0, 0);
  });
})();
