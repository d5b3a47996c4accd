// The alert list, live: listens on the reader's own realtime channel (user:<id>) and puts a new risk
// alert at the top of the list at once, with a banner. Events carry ids only; details come over HTTP.
"use strict";

(() => {
  const root = document.getElementById("safety-alerts");
  if (!root) return;
  const me = Number(root.dataset.me);
  const list = document.getElementById("safety-alert-list");
  const banner = document.getElementById("safety-alerts-live");
  const seen = new Set(Array.from(list.querySelectorAll("li[data-flag]")).map((li) => Number(li.dataset.flag)));
  let backoff = 250;

  function show(flag) {
    if (seen.has(flag.id)) return;
    seen.add(flag.id);
    document.getElementById("safety-alerts-empty")?.remove();
    const li = document.createElement("li");
    li.className = "card";
    li.dataset.flag = String(flag.id);
    const link = document.createElement("a");
    link.href = "/safety/alerts/" + flag.id;
    link.textContent = (root.dataset.tOpen || "") + " " + flag.id;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = flag.level;
    li.append(link, " ", badge);
    list.prepend(li);
    banner.querySelector("p").textContent = root.dataset.tNew || "";
    banner.hidden = false;
  }

  async function onAlert(id) {
    const response = await fetch("/api/v1/safety/flags/" + id, { credentials: "same-origin" });
    if (response.ok) show(await response.json());
  }

  async function catchUp() {
    const response = await fetch("/api/v1/safety/flags", { credentials: "same-origin" });
    if (!response.ok) return;
    const flags = await response.json();
    flags.reverse().forEach(show);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/api/v1/realtime");
    socket.addEventListener("open", () => {
      backoff = 250;
      socket.send(JSON.stringify({ op: "subscribe", channel: "user:" + me }));
    });
    socket.addEventListener("message", (message) => {
      let frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (frame.op === "ping") socket.send(JSON.stringify({ op: "pong" }));
      // After any (re)connect or resync, catch up over HTTP: an alert published while this socket
      // was away (a server restart) still appears at once.
      else if (frame.op === "subscribed" || frame.op === "resync") { root.dataset.live = "true"; catchUp(); }
      else if (frame.op === "event" && frame.event && frame.event.type === "risk_alert") onAlert(frame.event.flag);
    });
    socket.addEventListener("close", () => {
      root.dataset.live = "false";
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    });
  }

  connect();
})();
