import { NAMES } from "./sides.js";

// Guided capture on the photo page (templates/planning/_photo_capture.html): a live
// camera preview under a face outline and an eye line, with a ghost of the same shot
// from the patient's latest earlier visit to align to. "Capture" draws the camera's
// frame as the camera sees it: the front camera's preview is mirrored like a mirror,
// the stored frame never is (sides are the patient's own). The frame goes through the
// page's own form (the file input, filled by DataTransfer) with guided=1, so the
// server's checks and messages are the same as for a chosen file.
const root = document.querySelector("[data-capture]");
const form = document.querySelector("[data-capture-form]");

const NO_CAMERA = "The camera needs HTTPS or localhost; upload a photo instead.";
const CAMERA_ERRORS = {
  NotAllowedError: "The camera was not allowed; upload a photo instead.",
  NotFoundError: "No camera was found; upload a photo instead.",
  NotReadableError: "The camera is in use by another app; upload a photo instead.",
};

if (root && form) {
  const $ = (name) => root.querySelector(`[data-capture-${name}]`);
  const stage = $("stage");
  const layer = $("layer");
  const video = $("video");
  const ghost = $("ghost");
  const canvas = $("canvas");
  const idle = $("idle");
  const status = $("status");
  const controls = $("controls");
  const buttons = {
    start: $("start"),
    switch: $("switch"),
    take: $("take"),
    retake: $("retake"),
    use: $("use"),
  };
  const opacity = $("opacity");
  const shotTitle = $("shot");
  const instruction = $("instruction");
  const ghostInfo = $("ghost-info");
  const mirrorNote = $("mirror-note");
  const sideLabels = [...root.querySelectorAll("[data-capture-side]")];
  const expressionSelect = form.querySelector("[data-capture-expression]");
  const momentSelect = form.querySelector("[data-capture-moment]");
  const filesInput = form.querySelector("[data-capture-files]");
  const guided = form.querySelector("[data-guided]");
  const shots = [...document.querySelectorAll("[data-shot]")];

  let stream = null;
  let facing = "environment"; // the rear camera first: it looks at the patient
  let captured = null; // the Blob of the frame waiting for confirm or retake

  const say = (text) => {
    status.textContent = text;
  };

  for (const label of sideLabels) label.textContent = NAMES[label.dataset.captureSide];

  // --- The shot: expression and moment, its instruction and its ghost -------------
  function currentShot() {
    return shots.find(
      (s) => s.dataset.expression === expressionSelect.value && s.dataset.moment === momentSelect.value,
    );
  }

  function showShot() {
    const shot = currentShot();
    for (const s of shots) s.classList.toggle("is-current", s === shot);
    if (!shot) {
      shotTitle.textContent = "Choose a shot to take: an expression and when.";
      instruction.textContent = "";
    } else {
      shotTitle.textContent = shot.dataset.label;
      instruction.textContent = shot.dataset.instruction ? `Ask: “${shot.dataset.instruction}”` : "";
    }
    const src = shot && shot.dataset.ghostSrc;
    if (src) {
      if (ghost.getAttribute("src") !== src) ghost.src = src;
      ghost.dataset.photo = shot.dataset.ghostId;
      ghost.hidden = false;
      ghostInfo.textContent = `Ghost: the same shot from the visit of ${shot.dataset.ghostDate}.`;
    } else {
      delete ghost.dataset.photo; // the last ghost stays loaded, hidden
      ghost.hidden = true;
      ghostInfo.textContent = shot
        ? "No earlier photo of this shot to align to: align the eyes on the line."
        : "The ghost is the same shot from the patient's last visit.";
    }
  }

  for (const shot of shots) {
    shot.addEventListener("click", (event) => {
      event.preventDefault(); // the link reloads the page only without this script
      expressionSelect.value = shot.dataset.expression;
      momentSelect.value = shot.dataset.moment;
      showShot();
      if (captured) retake();
      root.scrollIntoView({ block: "nearest" });
    });
  }
  expressionSelect.addEventListener("change", showShot);
  momentSelect.addEventListener("change", showShot);

  const applyOpacity = () => {
    ghost.style.opacity = String(Number(opacity.value) / 100);
  };
  opacity.addEventListener("input", applyOpacity);
  applyOpacity();

  // --- The camera -------------------------------------------------------------------
  function mirrored() {
    return facing === "user";
  }

  function showMirror() {
    // Like a mirror for the front camera; the ghost turns with the preview, so what
    // lines up on screen lines up in the stored (un-mirrored) frame too.
    layer.classList.toggle("is-mirrored", mirrored());
    stage.classList.toggle("is-mirrored", mirrored());
    buttons.switch.textContent = mirrored() ? "Rear camera" : "Front camera";
    mirrorNote.textContent = mirrored()
      ? "Front camera: the preview is mirrored like a mirror; the photo is stored as the camera sees it."
      : "Rear camera: the preview is as the camera sees the patient.";
  }

  function stop() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
  }

  async function start() {
    stop();
    say("Starting the camera…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1920 } },
      });
    } catch (error) {
      say(CAMERA_ERRORS[error.name] || "The camera could not start; upload a photo instead.");
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    showMirror();
    idle.hidden = true;
    buttons.start.hidden = true;
    buttons.switch.hidden = false;
    buttons.take.hidden = false;
    buttons.take.disabled = false;
    say("Line the eyes up on the line and the face in the outline, the head straight.");
  }

  function capture() {
    if (!stream || !video.videoWidth) {
      say("The camera has no picture yet; wait a moment.");
      return;
    }
    // The frame exactly as the camera delivers it: no mirror transform, whatever
    // the preview shows.
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(
      (blob) => {
        if (!blob) {
          say("The frame could not be read; try again.");
          return;
        }
        captured = blob;
        canvas.hidden = false;
        buttons.take.hidden = true;
        buttons.switch.hidden = true;
        buttons.retake.hidden = false;
        buttons.use.hidden = false;
        say("This is the photo as it will be stored (not mirrored). Use it or retake it.");
      },
      "image/jpeg",
      0.92,
    );
  }

  function retake() {
    captured = null;
    canvas.hidden = true;
    buttons.retake.hidden = true;
    buttons.use.hidden = true;
    buttons.take.hidden = !stream;
    buttons.switch.hidden = !stream;
    say(stream ? "Line the eyes up on the line and the face in the outline, the head straight." : "");
  }

  function use() {
    if (!captured) return;
    const shot = currentShot();
    const name = shot ? `${shot.dataset.code}-${shot.dataset.moment}.jpg` : "capture.jpg";
    try {
      const transfer = new DataTransfer();
      transfer.items.add(new File([captured], name, { type: "image/jpeg" }));
      filesInput.files = transfer.files;
    } catch {
      say("This browser cannot send the captured frame; upload a photo instead.");
      return;
    }
    guided.value = "1";
    buttons.use.disabled = true;
    buttons.retake.disabled = true;
    say("Sending the photo…");
    stop();
    form.requestSubmit();
  }

  // A file chosen by hand is not a guided capture (setting .files fires no change).
  filesInput.addEventListener("change", () => {
    guided.value = "";
    if (captured) retake();
  });
  form.addEventListener("submit", () => {
    if (!captured) guided.value = "";
  });

  buttons.start.addEventListener("click", start);
  buttons.switch.addEventListener("click", () => {
    facing = mirrored() ? "environment" : "user";
    start();
  });
  buttons.take.addEventListener("click", capture);
  buttons.retake.addEventListener("click", retake);
  buttons.use.addEventListener("click", use);
  window.addEventListener("pagehide", stop);

  showShot();
  showMirror();
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    stage.hidden = true;
    controls.hidden = true;
    root.querySelector("[data-capture-ghost-controls]").hidden = true;
    say(NO_CAMERA);
  }
}
