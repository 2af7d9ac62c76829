// Consent signature: a pad (touch, pen and mouse) whose drawing is sent as a PNG
// data URL in the hidden "signature" field. The server validates the image.
const form = document.getElementById("consent-form");

if (form && window.SignaturePad) {
  const canvas = form.querySelector("canvas[data-signature-pad]");
  const field = form.querySelector("input[name=signature]");
  const clear = form.querySelector("[data-signature-clear]");
  const hint = form.querySelector("[data-signature-hint]");
  const pad = new window.SignaturePad(canvas, {
    backgroundColor: "rgb(255, 255, 255)",
    penColor: "rgb(17, 24, 39)",
    minWidth: 1,
    maxWidth: 3,
  });

  function resize() {
    // Draw at the screen's pixel density. Resizing the canvas wipes it, so the
    // strokes are kept and redrawn (a tablet turned mid-signature keeps it).
    const strokes = pad.toData();
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(strokes);
  }

  window.addEventListener("resize", resize);
  resize();

  pad.addEventListener("endStroke", () => {
    canvas.classList.remove("is-invalid");
    if (hint) hint.classList.add("d-none");
  });
  clear.addEventListener("click", () => {
    pad.clear();
    field.value = "";
  });
  form.addEventListener("submit", (event) => {
    if (pad.isEmpty()) {
      event.preventDefault();
      canvas.classList.add("is-invalid");
      if (hint) hint.classList.remove("d-none");
      return;
    }
    field.value = pad.toDataURL("image/png");
  });
}
