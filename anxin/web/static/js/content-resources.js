// Crisis lines for the writer's region, shown when a screen asked for them.
(function () {
  "use strict";
  var box = document.getElementById("crisis-resources");
  var list = document.getElementById("crisis-resources-lines");
  if (!box || !list) return;
  fetch(box.dataset.resourcesApi, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.lines) return;
      data.lines.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line.name + ": " + line.phone + (line.hours ? " (" + line.hours + ")" : "");
        list.appendChild(item);
      });
    })
    .catch(function () { /* the link to the resources page is always there */ });
})();
