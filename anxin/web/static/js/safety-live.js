// The header's live risk-alert link for counsellors and admins, on every page: it lights up as soon
// as an alert arrives on the reader's own channel (user:<id>), and after every (re)connect it counts
// the open alerts over HTTP, so an alert published while the socket was away is not missed.
"use strict";

(() => {
  const link = document.getElementById("safety-live");
  if (!link) return;
  const me = Number(link.dataset.me);
  let backoff = 250;

  async function count() {
    const response = await fetch("/api/v1/safety/flags", { credentials: "same-origin" });
    if (!response.ok) return;
    const waiting = (await response.json()).filter((flag) => flag.status === "open").length;
    link.textContent = (link.dataset.tWaiting || "").replace("{count}", String(waiting));
    // The item, not the link: the link's crisis style sets its own display.
    link.parentElement.hidden = waiting === 0;
    link.dataset.waiting = String(waiting);
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
      else if (frame.op === "subscribed" || frame.op === "resync") count().catch(() => {});
      else if (frame.op === "event" && frame.event && String(frame.event.type).startsWith("risk_alert")) {
        count().catch(() => {});
      }
    });
    socket.addEventListener("close", () => {
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    });
  }

  connect();
})();
