// The face diagram's zoom (planning/_face_zoom.html): a small area (the glabella, the
// eyes, the lips) fills the diagram, so a finger (~9 mm) can place a point between
// neighbours. Only the SVG's viewBox changes: points stay stored as fractions of the
// whole face, and the tap is read through the SVG's own transform. Markers keep
// their size on screen (scaled by 1 / zoom), so a zoomed point does not grow over
// its neighbours. Used by the plan editor (face_diagram.js) and the touch-up.
export const FACE_W = 400;
export const FACE_H = 520;

// Centre (x, y) in the diagram's units and magnification: the areas an injector zooms on.
const AREAS = {
  face: [200, 260, 1],
  forehead: [200, 120, 1.8],
  glabella: [200, 168, 3],
  eyes: [200, 215, 1.6],
  lips: [200, 370, 2.2],
};

export function viewBoxOf(area) {
  const [cx, cy, zoom] = AREAS[area] || AREAS.face;
  const w = FACE_W / zoom;
  const h = FACE_H / zoom;
  const x = Math.min(FACE_W - w, Math.max(0, cx - w / 2));
  const y = Math.min(FACE_H - h, Math.max(0, cy - h / 2));
  return { box: `${x.toFixed(1)} ${y.toFixed(1)} ${w.toFixed(1)} ${h.toFixed(1)}`, zoom };
}

// The marker scale of the diagram's current zoom (1 when not zoomed).
export function markerScale(svg) {
  return Number(svg.dataset.markerScale || 1);
}

// Markers drawn by the server (a chart's or a review's points) keep their size on screen.
export function rescaleMarkers(svg) {
  const s = markerScale(svg);
  svg.querySelectorAll(".pt").forEach((g) => {
    const base = (g.getAttribute("transform") || "").replace(/\s*scale\([^)]*\)/, "");
    g.setAttribute("transform", s === 1 ? base : `${base} scale(${s})`);
  });
}

// Wire the buttons [data-zoom] of ``toolbar`` to ``svg``; ``onChange`` redraws markers.
export function attachZoom(svg, toolbar, onChange = () => rescaleMarkers(svg)) {
  if (!svg || !toolbar) return;
  const buttons = [...toolbar.querySelectorAll("[data-zoom]")];
  const set = (area) => {
    const { box, zoom } = viewBoxOf(area);
    svg.setAttribute("viewBox", box);
    svg.dataset.zoom = area;
    svg.dataset.markerScale = String(1 / zoom);
    svg.classList.toggle("is-zoomed", zoom !== 1);
    buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.zoom === area)));
    onChange(area);
  };
  toolbar.addEventListener("click", (e) => {
    const button = e.target.closest("[data-zoom]");
    if (button) set(button.dataset.zoom);
  });
  set("face");
}
