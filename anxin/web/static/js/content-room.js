// Live-event room: new posts appear without reloading. The realtime hub sends ids only; the text
// is fetched over HTTP, where the seat (entitlement) is checked again.
(function () {
  "use strict";
  var list = document.getElementById("event-posts");
  if (!list || !window.WebSocket) return;
  var eventId = list.dataset.event;
  var labels = { post: list.dataset.hostLabel, question: list.dataset.questionLabel };

  function lastId() {
    var items = list.querySelectorAll("[data-post]");
    return items.length ? items[items.length - 1].dataset.post : "0";
  }

  function refresh() {
    fetch("/api/v1/content/events/" + eventId + "/posts?after=" + lastId(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (posts) {
        posts.forEach(function (post) {
          if (list.querySelector('[data-post="' + post.id + '"]')) return;
          var item = document.createElement("li");
          item.className = "card" + (post.kind === "post" ? " card-host" : "");
          item.dataset.post = String(post.id);
          var who = document.createElement("strong");
          who.textContent = (labels[post.kind] || "") + ": ";
          item.appendChild(who);
          item.appendChild(document.createTextNode(post.text));
          list.appendChild(item);
        });
      })
      .catch(function () { /* the next event or a reload catches up */ });
  }

  function connect(delay) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/api/v1/realtime");
    socket.onopen = function () {
      socket.send(JSON.stringify({ op: "subscribe", channel: "content_event:" + eventId }));
      refresh();
    };
    socket.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.op === "ping") socket.send(JSON.stringify({ op: "pong" }));
      else if (frame.op === "event" || frame.op === "resync") refresh();
    };
    socket.onclose = function () {
      setTimeout(function () { connect(Math.min(30000, delay * 2)); }, delay);
    };
  }

  connect(1000);
})();
