// Voice and video calls in a room: WebRTC browser to browser (DTLS-SRTP), signalling over the
// room's WebSocket (room.signal: offer, answer, ice, hangup; never stored). ICE servers and
// short-lived TURN credentials come from /api/v1/rooms/<id>/ice, only during the session window.
"use strict";

(() => {
  const section = document.getElementById("room-call");
  if (!section) return;
  const $ = (id) => document.getElementById(id);
  const buttons = {
    voice: $("room-call-voice"), video: $("room-call-video"), answer: $("room-call-answer"),
    mute: $("room-call-mute"), camera: $("room-call-camera"), hangup: $("room-call-hangup"),
  };
  const statusLine = $("room-call-status");
  const remoteVideo = $("room-remote-video");
  const localVideo = $("room-local-video");
  let pc = null;
  let localStream = null;
  let incomingOffer = null;
  let queuedCandidates = [];

  function room() { return window.anxinRoom; }
  function say(key) { statusLine.textContent = room().t(key); }
  function setState(state) { section.dataset.callState = state; }
  function inCall(active) {
    buttons.voice.hidden = active; buttons.video.hidden = active;
    buttons.mute.hidden = !active; buttons.hangup.hidden = !active;
    buttons.camera.hidden = !active || !(localStream && localStream.getVideoTracks().length);
  }
  function signal(kind, data) {
    room().send({ op: "room.signal", room: room().roomId, kind, data: data || null });
  }

  async function iceServers() {
    const response = await fetch("/api/v1/rooms/" + room().roomId + "/ice", { credentials: "same-origin" });
    if (!response.ok) throw new Error("no-call");
    return (await response.json()).ice_servers;
  }

  async function prepare(video) {
    const servers = await iceServers();
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
    localVideo.srcObject = localStream;
    pc = new RTCPeerConnection({ iceServers: servers });
    window.anxinCall = { pc };
    localStream.getTracks().forEach((track) => pc.addTrack(track, localStream));
    pc.addEventListener("icecandidate", (event) => {
      if (!event.candidate) return;
      // A test (or a strict deployment) may restrict which candidates leave the page.
      const keep = typeof window.anxinIceFilter === "function" ? window.anxinIceFilter(event.candidate) : true;
      if (keep) signal("ice", event.candidate.toJSON());
    });
    pc.addEventListener("track", (event) => { remoteVideo.srcObject = event.streams[0]; });
    pc.addEventListener("connectionstatechange", () => {
      setState(pc ? pc.connectionState : "idle");
      if (pc && pc.connectionState === "connected") say("inCall");
      if (pc && (pc.connectionState === "failed" || pc.connectionState === "closed")) end(false);
    });
    inCall(true);
  }

  async function start(video) {
    try {
      await prepare(video);
      say("calling"); setState("calling");
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      signal("offer", { type: offer.type, sdp: offer.sdp, video });
    } catch (error) {
      say(error.message === "no-call" ? "noCall" : "noMedia");
      end(false);
    }
  }

  async function answer() {
    const offer = incomingOffer;
    incomingOffer = null;
    buttons.answer.hidden = true;
    if (!offer) return;
    try {
      await prepare(Boolean(offer.video));
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      await flushCandidates();
      const reply = await pc.createAnswer();
      await pc.setLocalDescription(reply);
      signal("answer", { type: reply.type, sdp: reply.sdp });
    } catch (error) {
      say(error.message === "no-call" ? "noCall" : "noMedia");
      end(true);
    }
  }

  async function flushCandidates() {
    for (const candidate of queuedCandidates) await pc.addIceCandidate(candidate).catch(() => {});
    queuedCandidates = [];
  }

  function end(tellThem) {
    if (tellThem) signal("hangup");
    if (pc) { pc.close(); pc = null; }
    if (localStream) { localStream.getTracks().forEach((track) => track.stop()); localStream = null; }
    localVideo.srcObject = null; remoteVideo.srcObject = null;
    queuedCandidates = []; incomingOffer = null;
    buttons.answer.hidden = true;
    inCall(false);
    setState("idle");
  }

  async function onSignal(event) {
    if (event.type !== "signal" || event.from === room().me) return;
    const data = event.data || {};
    if (event.kind === "offer" && !pc) {
      incomingOffer = data;
      buttons.answer.hidden = false;
      say("incoming"); setState("ringing");
    } else if (event.kind === "answer" && pc) {
      await pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
      await flushCandidates();
    } else if (event.kind === "ice") {
      if (pc && pc.remoteDescription) await pc.addIceCandidate(data).catch(() => {});
      else queuedCandidates.push(data);
    } else if (event.kind === "hangup") {
      end(false);
      say("callEnded");
    }
  }

  function toggle(button, kind) {
    if (!localStream) return;
    const tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
    const off = button.getAttribute("aria-pressed") !== "true";
    tracks.forEach((track) => { track.enabled = !off; });
    button.setAttribute("aria-pressed", off ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.anxinRoom) return;
    room().onEvent(onSignal);
    buttons.voice.addEventListener("click", () => start(false));
    buttons.video.addEventListener("click", () => start(true));
    buttons.answer.addEventListener("click", answer);
    buttons.hangup.addEventListener("click", () => { end(true); say("callEnded"); });
    buttons.mute.addEventListener("click", () => toggle(buttons.mute, "audio"));
    buttons.camera.addEventListener("click", () => toggle(buttons.camera, "video"));
  });
})();
