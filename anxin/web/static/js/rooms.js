// A care room, live: messages over the realtime WebSocket with an offline queue.
// Protocol (docs/rooms.md): every message has a client id and stays queued until the server
// answers room.stored; after any reconnect the page subscribes again, fetches what it missed
// (room.fetch since=<last seq>) and resends what is still queued. The server stores each client
// id once, so a resend is harmless. Without JavaScript the page still reads and sends (forms).
"use strict";

(() => {
  const root = document.getElementById("room");
  if (!root) return;
  const roomId = Number(root.dataset.room);
  const me = Number(root.dataset.me);
  const t = (key) => root.dataset["t" + key.charAt(0).toUpperCase() + key.slice(1)] || "";
  const list = document.getElementById("room-messages");
  const status = document.getElementById("room-status");
  const typingNote = document.getElementById("room-typing");
  const composer = document.getElementById("room-composer");
  const input = document.getElementById("field-text");
  const channel = "room:" + roomId;
  const pending = new Map(); // client id -> text, until stored
  const handlers = []; // other scripts (calls) listen to room events
  const seenEvents = new Set(); // recent events' ids: the server may send one event twice; act once
  let socket = null;
  let ready = false;
  let lastSeq = 0;
  let backoff = 250;
  let fetching = false;
  let fetchAgain = false;
  let deferredSeq = 0; // announced messages of ours whose room.stored answer should follow
  let theirMarks = { delivered: 0, read: 0 };
  let markTimer = null;
  let typingSentAt = 0;
  let typingTimer = null;

  list.querySelectorAll("li[data-seq]").forEach((li) => { lastSeq = Math.max(lastSeq, Number(li.dataset.seq)); });
  list.lastElementChild?.scrollIntoView({ block: "end" });

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^a-zA-Z0-9-]/g, "");
  const setStatus = (text) => { if (root.dataset.readOnly !== "true") status.textContent = text; };

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  // ---------------------------------------------------------------- rendering

  function attachmentNode(message) {
    const src = "/api/v1/rooms/attachments/" + message.attachment;
    if (message.kind === "image") {
      const img = document.createElement("img");
      img.className = "room-image"; img.src = src; img.alt = t("image");
      return img;
    }
    if (message.kind === "voice") {
      const audio = document.createElement("audio");
      audio.className = "room-audio"; audio.controls = true; audio.preload = "none"; audio.src = src;
      return audio;
    }
    const link = document.createElement("a");
    link.href = src; link.textContent = t("pdf");
    return link;
  }

  function messageNode(message, mine) {
    const li = document.createElement("li");
    li.className = "room-message " + (mine ? "room-mine" : "room-theirs");
    li.dataset.clientMsgId = message.client_msg_id;
    if (message.seq) li.dataset.seq = message.seq;
    if (message.kind && message.kind !== "text") {
      li.appendChild(attachmentNode(message));
    } else {
      const p = document.createElement("p");
      p.className = "room-text"; p.textContent = message.text;
      li.appendChild(p);
    }
    const meta = document.createElement("span");
    meta.className = "room-meta small muted";
    const time = document.createElement("time");
    const at = message.at ? new Date(message.at) : new Date();
    time.dateTime = at.toISOString();
    time.textContent = at.toTimeString().slice(0, 5);
    const mark = document.createElement("span");
    mark.className = "room-mark";
    meta.append(time, " ", mark);
    li.appendChild(meta);
    return li;
  }

  function findOwn(clientMsgId) {
    return list.querySelector('li[data-client-msg-id="' + CSS.escape(clientMsgId) + '"]');
  }

  function showMarks() {
    list.querySelectorAll("li.room-mine").forEach((li) => {
      const mark = li.querySelector(".room-mark");
      if (!mark) return;
      const seq = Number(li.dataset.seq || 0);
      let text = t("sending");
      if (li.dataset.failed) text = t("failed");
      else if (seq && seq <= theirMarks.read) text = t("read");
      else if (seq && seq <= theirMarks.delivered) text = t("delivered");
      else if (seq) text = t("sent");
      mark.textContent = text;
      li.dataset.mark = text;
    });
  }

  function apply(messages) {
    for (const message of messages) {
      if (message.seq <= lastSeq) continue;
      const mine = message.sender === me;
      const own = mine && findOwn(message.client_msg_id);
      if (own) {
        own.dataset.seq = message.seq;
        list.appendChild(own); // the server's order is the order
      } else {
        list.appendChild(messageNode(message, mine));
      }
      if (message.kind === "voice") showTranscript(message.seq);
      lastSeq = message.seq;
    }
    showMarks();
    list.lastElementChild?.scrollIntoView({ block: "end" });
    scheduleMark();
  }

  // Delivered as soon as it is on screen; read when the page is visible (debounced: one write).
  function scheduleMark() {
    clearTimeout(markTimer);
    markTimer = setTimeout(() => {
      const frame = { op: "room.mark", room: roomId, delivered: lastSeq };
      if (document.visibilityState === "visible") frame.read = lastSeq;
      send(frame);
    }, 300);
  }
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") scheduleMark(); });

  // ---------------------------------------------------------------- the connection

  function fetchMissed() {
    if (fetching) { fetchAgain = true; return; }
    fetching = send({ op: "room.fetch", ref: "fetch", room: roomId, since: lastSeq, limit: 200 });
  }

  // Every message of ours is answered: fetch an announced one we still lack (e.g. from another device).
  function settleDeferred() {
    if (pending.size === 0 && deferredSeq > lastSeq) { deferredSeq = 0; fetchMissed(); }
  }

  function transmit(clientMsgId, text) {
    if (!ready) return;
    send({ op: "room.send", ref: clientMsgId, room: roomId, text, client_msg_id: clientMsgId });
  }

  function onFrame(frame) {
    switch (frame.op) {
      case "ping": send({ op: "pong" }); break;
      case "subscribed":
        if (frame.channel !== channel) break;
        ready = true; backoff = 250; setStatus(t("online"));
        fetchMissed();
        for (const [id, text] of pending) transmit(id, text);
        break;
      case "resync": fetchMissed(); break;
      case "room.messages":
        fetching = false;
        apply(frame.messages || []);
        if (fetchAgain || (frame.messages || []).length >= 200) { fetchAgain = false; fetchMissed(); }
        break;
      case "room.stored": {
        pending.delete(frame.client_msg_id);
        const own = findOwn(frame.client_msg_id);
        if (own && !own.dataset.seq) own.dataset.seq = frame.seq;
        // Our own message next in line needs no fetching back; anything else was missed.
        if (own && frame.seq === lastSeq + 1) lastSeq = frame.seq;
        else if (frame.seq > lastSeq) fetchMissed();
        settleDeferred();
        showMarks();
        // A screen found risk in what we wrote: crisis resources at once, on this page.
        if (frame.show_resources && window.anxinSafety) window.anxinSafety.showCrisisPanel();
        break;
      }
      case "event": onEvent(frame.event || {}); break;
      case "error": onError(frame); break;
    }
  }

  // What was said in a voice message: the worker announces it, the page fetches and shows it.
  async function showTranscript(seq) {
    const target = list.querySelector('li[data-seq="' + Number(seq) + '"]');
    if (!target || target.querySelector(".room-audio") === null) return;
    const response = await fetch("/api/v1/rooms/" + roomId + "/transcripts?since=" + (Number(seq) - 1) + "&limit=1",
      { credentials: "same-origin" });
    if (!response.ok) return;
    const [heard] = await response.json();
    if (!heard || heard.seq !== Number(seq)) return;
    let p = target.querySelector(".room-transcript");
    if (!p) {
      p = document.createElement("p");
      p.className = "room-transcript small"; p.dataset.transcriptFor = String(seq);
      target.querySelector(".room-audio").after(p);
    }
    p.textContent = "";
    const label = document.createElement("span");
    label.className = "muted";
    label.textContent = heard.text ? t("transcript") + ":" : t("untranscribed");
    p.append(label);
    if (heard.text) p.append(" " + heard.text);
    p.hidden = false;
  }

  function onEvent(event) {
    if (Number.isInteger(event.event_id)) {
      if (seenEvents.has(event.event_id)) return;
      seenEvents.add(event.event_id);
      if (seenEvents.size > 1024) seenEvents.delete(seenEvents.values().next().value);
    }
    if (event.type === "transcript") showTranscript(event.seq);
    if (event.type === "deleted") list.querySelector('li[data-seq="' + Number(event.seq) + '"]')?.remove();
    if (event.type === "message" && event.seq > lastSeq) {
      // Most likely one of ours: its room.stored answer follows, fetch only if it does not.
      if (event.sender === me && pending.size > 0) deferredSeq = Math.max(deferredSeq, event.seq);
      else fetchMissed();
    } else if (event.type === "marks" && event.user !== me) {
      theirMarks = { delivered: event.delivered, read: event.read };
      showMarks();
    } else if (event.type === "typing" && event.user !== me) {
      typingNote.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typingNote.hidden = true; }, 4000);
    } else if (event.type === "room") {
      window.location.reload();
    }
    for (const handler of handlers) handler(event);
  }

  function onError(frame) {
    if (frame.code === "rate_limited" && typeof frame.ref === "string" && pending.has(frame.ref)) {
      setTimeout(() => transmit(frame.ref, pending.get(frame.ref)), 1000);
    } else if (frame.code === "rate_limited" && frame.ref === "fetch") {
      fetching = false; setTimeout(fetchMissed, 1000);
    } else if (frame.client_msg_id && pending.has(frame.client_msg_id)) {
      // Refused for good (e.g. too long, room read-only): show it, do not retry.
      pending.delete(frame.client_msg_id);
      settleDeferred();
      const own = findOwn(frame.client_msg_id);
      if (own) own.dataset.failed = "true";
      status.textContent = frame.message;
      showMarks();
    } else if (frame.message) {
      status.textContent = frame.message;
    }
  }

  function connect() {
    setStatus(t("connecting"));
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/api/v1/realtime");
    socket.addEventListener("open", () => send({ op: "subscribe", channel, ref: "subscribe" }));
    socket.addEventListener("message", (event) => {
      try { onFrame(JSON.parse(event.data)); } catch (error) { /* a frame we cannot read: skip it */ }
    });
    socket.addEventListener("close", () => {
      ready = false; fetching = false; socket = null;
      setStatus(t("offline"));
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    });
  }

  // ---------------------------------------------------------------- sending

  function queue(text) {
    const clientMsgId = newId();
    pending.set(clientMsgId, text);
    list.appendChild(messageNode({ client_msg_id: clientMsgId, text, kind: "text" }, true));
    showMarks();
    list.lastElementChild.scrollIntoView({ block: "end" });
    transmit(clientMsgId, text);
  }

  if (composer && input) {
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      queue(text);
      input.value = "";
      input.focus();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); composer.requestSubmit(); }
    });
    input.addEventListener("input", () => {
      const now = Date.now();
      if (now - typingSentAt > 3000 && ready) { typingSentAt = now; send({ op: "room.typing", room: roomId }); }
    });
  }

  // ---------------------------------------------------------------- files and voice messages

  async function upload(blob, name) {
    const form = new FormData();
    form.append("file", blob, name);
    form.append("client_msg_id", newId());
    const response = await fetch("/api/v1/rooms/" + roomId + "/attachments", {
      method: "POST", body: form, credentials: "same-origin", headers: { "x-csrf-token": root.dataset.csrf },
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.textContent = (body.error && body.error.message) || t("failed");
      return;
    }
    fetchMissed();
  }

  const fileInput = document.getElementById("room-file");
  fileInput?.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    if (file) upload(file, file.name);
    fileInput.value = "";
  });

  const voiceButton = document.getElementById("room-voice");
  let recorder = null;
  voiceButton?.addEventListener("click", async () => {
    if (recorder) { recorder.stop(); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        recorder = null;
        voiceButton.setAttribute("aria-pressed", "false");
        setStatus(t("online"));
        upload(new Blob(chunks, { type: chunks[0]?.type || "audio/webm" }), "voice.webm");
      });
      recorder.start();
      voiceButton.setAttribute("aria-pressed", "true");
      status.textContent = t("recording");
    } catch (error) {
      status.textContent = t("noMedia");
    }
  });

  // For rooms-call.js: the same socket carries call signalling.
  window.anxinRoom = {
    roomId, me, t, send,
    onEvent: (handler) => handlers.push(handler),
    isReady: () => ready,
    state: () => ({ lastSeq, pending: pending.size, ready }),
  };

  connect();
})();
