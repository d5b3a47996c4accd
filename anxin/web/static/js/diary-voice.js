// Mood diary: record a spoken note in the browser (the same MediaRecorder pattern as a room's
// voice message) and put it into the form's file field, so saving the entry uploads it.
(() => {
  "use strict";
  const box = document.getElementById("diary-voice");
  const button = document.getElementById("diary-record");
  const input = document.getElementById("diary-audio");
  const status = document.getElementById("diary-voice-status");
  if (!box || !button || !input || !window.MediaRecorder || !navigator.mediaDevices) return;
  const t = (key) => box.dataset["t" + key.charAt(0).toUpperCase() + key.slice(1)] || "";
  let recorder = null;
  button.addEventListener("click", async () => {
    if (recorder) { recorder.stop(); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        recorder = null;
        button.setAttribute("aria-pressed", "false");
        const type = chunks[0]?.type || "audio/webm";
        const name = type.includes("mp4") ? "note.m4a" : type.includes("ogg") ? "note.ogg" : "note.webm";
        const files = new DataTransfer();
        files.items.add(new File(chunks, name, { type }));
        input.files = files.files;
        status.textContent = t("recorded");
      });
      recorder.start();
      button.setAttribute("aria-pressed", "true");
      status.textContent = t("recording");
    } catch (error) {
      status.textContent = t("noMedia");
    }
  });
})();
