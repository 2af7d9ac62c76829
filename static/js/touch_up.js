// Tap on the face diagram (planning/_face_diagram.html): set the touch-up form's x/y
// (fractions of the diagram) and show where the point will go. The zoom buttons
// (face_zoom.js) bring a small area to finger size; x/y stay fractions of the face.
import { FACE_H, FACE_W, attachZoom, markerScale, rescaleMarkers } from "./face_zoom.js";
import { NAMES } from "./sides.js";

const wrap = document.querySelector("[data-tap-target]");
const svg = wrap && wrap.querySelector("svg");
const form = wrap && document.getElementById(wrap.dataset.tapTarget);
if (svg && form) {
  const NS = "http://www.w3.org/2000/svg";
  const [x, y] = [form.elements.namedItem("x"), form.elements.namedItem("y")];
  const marker = document.createElementNS(NS, "circle");
  marker.setAttribute("class", "rv-tap-marker");
  marker.setAttribute("data-testid", "tap-marker");
  const show = () => {
    if (!x.value || !y.value) return;
    marker.setAttribute("r", String(11 * markerScale(svg)));
    marker.setAttribute("cx", String(Number(x.value) * FACE_W));
    marker.setAttribute("cy", String(Number(y.value) * FACE_H));
    if (!marker.isConnected) svg.appendChild(marker);
  };
  attachZoom(svg, document.querySelector("[data-face-zoom]"), () => {
    rescaleMarkers(svg);
    show();
  });
  svg.addEventListener("click", (event) => {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const local = point.matrixTransform(svg.getScreenCTM().inverse());
    x.value = Math.min(1, Math.max(0, local.x / FACE_W)).toFixed(4);
    y.value = Math.min(1, Math.max(0, local.y / FACE_H)).toFixed(4);
    // The tapped region sets the muscle and side (the server refuses a point drawn on
    // another muscle or side): the smallest region on top wins, as drawn.
    const at = new DOMPoint(local.x, local.y);
    const hit = [...svg.querySelectorAll(".face-region")].reverse().find((r) => r.isPointInFill(at));
    const target = form.elements.namedItem("target");
    const status = document.querySelector("[data-tap-status]");
    if (hit && target) {
      const option = [...target.options].find(
        (o) => o.dataset.muscle === hit.dataset.muscle && o.dataset.side === hit.dataset.side,
      );
      if (option) target.value = option.value;
      if (status) {
        status.textContent = option
          ? `${hit.dataset.muscle} · ${NAMES[hit.dataset.side]} chosen from the diagram.`
          : `${hit.dataset.muscle} · ${NAMES[hit.dataset.side]} was not treated in this cycle: a touch-up finishes a treated muscle.`;
      }
    }
    show();
  });
  show();
}
