// The face diagram of the plan editor: points as SVG markers, tap to add, drag to
// move, tap a point to edit. Knows nothing about saving; reports to callbacks.
// A point catches a tap only on its dot's small ring (HIT_R); its units label never
// does (pointer-events: none), so a tap beside a point places a new one. Zoomed
// (face_zoom.js), markers keep their size on screen.
import { FACE_H as H, FACE_W as W, attachZoom, markerScale } from "./face_zoom.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const DRAG_PX = 6; // a press that moves less than this is a tap
const HIT_R = 13; // the ring around a dot that catches a tap or a drag (diagram units, unzoomed)

import { NAMES } from "./sides.js";

export const SIDE_NAMES = NAMES; // the server's words for each side (planning/sides.py)

export class FaceDiagram {
  constructor(svg, { onAdd, onMove, onSelect, onBackground, zoomBar = null }) {
    this.svg = svg;
    this.layer = svg.querySelector("[data-face-points]");
    this.regions = [...svg.querySelectorAll(".face-region")].reverse(); // topmost first
    this.callbacks = { onAdd, onMove, onSelect, onBackground };
    this.press = null;
    this.last = null; // the last render's arguments, to redraw on zoom
    attachZoom(svg, zoomBar, () => this.last && this.render(...this.last));
    svg.addEventListener("pointerdown", (e) => this.down(e));
    svg.addEventListener("pointermove", (e) => this.move(e));
    svg.addEventListener("pointerup", (e) => this.up(e));
    svg.addEventListener("pointercancel", () => this.cancel());
    this.layer.addEventListener("keydown", (e) => {
      const g = e.target.closest(".pt");
      if (g && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        onSelect(Number(g.dataset.index), { keyboard: true });
      }
    });
  }

  // Screen → diagram fractions (0..1), clamped to the drawing.
  toFraction(e) {
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(this.svg.getScreenCTM().inverse());
    return {
      x: Math.min(1, Math.max(0, pt.x / W)),
      y: Math.min(1, Math.max(0, pt.y / H)),
    };
  }

  // The muscle region under a point given in fractions, or null.
  regionAt(x, y) {
    const p = new DOMPoint(x * W, y * H);
    const hit = this.regions.find((r) => r.isPointInFill(p));
    return hit ? { muscle: hit.dataset.muscle, side: hit.dataset.side } : null;
  }

  down(e) {
    if (e.button > 0) return;
    const g = e.target.closest(".pt");
    this.press = {
      index: g ? Number(g.dataset.index) : null,
      marker: g,
      startX: e.clientX,
      startY: e.clientY,
      moved: false,
      at: this.toFraction(e),
    };
    this.svg.setPointerCapture(e.pointerId);
    e.preventDefault();
  }

  move(e) {
    const press = this.press;
    if (!press || press.index === null) return;
    if (!press.moved && Math.hypot(e.clientX - press.startX, e.clientY - press.startY) < DRAG_PX) return;
    press.moved = true;
    press.at = this.toFraction(e);
    press.marker.classList.add("is-dragging");
    press.marker.setAttribute("transform", this.placed(press.at.x, press.at.y));
  }

  up(e) {
    const press = this.press;
    this.press = null;
    if (!press) return;
    if (press.index !== null) {
      if (press.moved) {
        const at = this.toFraction(e);
        this.callbacks.onMove(press.index, at, this.regionAt(at.x, at.y));
      } else {
        this.callbacks.onSelect(press.index, { keyboard: false });
      }
      return;
    }
    if (this.callbacks.onBackground()) return; // e.g. a tap that closes the point editor
    const region = this.regionAt(press.at.x, press.at.y);
    this.callbacks.onAdd(press.at, region);
  }

  cancel() {
    this.press = null;
  }

  placed(x, y) {
    const s = markerScale(this.svg);
    return `translate(${x * W} ${y * H})${s === 1 ? "" : ` scale(${s})`}`;
  }

  // Draw every point; ``selected`` is highlighted, ``invalid`` (a Set) in red.
  render(points, options = {}) {
    this.last = [points, options];
    const { selected = null, invalid = new Set(), names = {} } = options;
    const frag = document.createDocumentFragment();
    points.forEach((p, i) => {
      const g = document.createElementNS(SVG_NS, "g");
      g.setAttribute("class", `pt side-${p.side}${i === selected ? " is-selected" : ""}${invalid.has(i) ? " is-invalid" : ""}`);
      g.setAttribute("transform", this.placed(p.x, p.y));
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `Point ${i + 1}: ${names[p.muscle] || p.muscle}, ${SIDE_NAMES[p.side]}, ${p.units} units. Press Enter to edit.`);
      g.dataset.index = i;
      g.dataset.muscle = p.muscle;
      g.dataset.side = p.side;
      const hit = document.createElementNS(SVG_NS, "circle");
      hit.setAttribute("class", "pt-hit");
      hit.setAttribute("r", String(HIT_R));
      const dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("class", "pt-dot");
      dot.setAttribute("r", "7");
      const label = document.createElementNS(SVG_NS, "text");
      label.setAttribute("class", "pt-units");
      label.setAttribute("pointer-events", "none");
      const left = p.x < 0.5;
      label.setAttribute("x", left ? "-11" : "11");
      label.setAttribute("y", "4");
      if (left) label.setAttribute("text-anchor", "end");
      label.textContent = p.units;
      g.append(hit, dot, label);
      frag.append(g);
    });
    this.layer.replaceChildren(frag);
  }

  markerRect(index) {
    const g = this.layer.querySelector(`.pt[data-index="${index}"] .pt-dot`);
    return g ? g.getBoundingClientRect() : null;
  }
}
