// The plan editor: one list of points drawn on the face diagram and in the
// keyboard table, kept in step; totals and dose checks come from the server
// (the preview endpoint) as the points change. Saved as a whole by the form.
import { FaceDiagram, SIDE_NAMES } from "./face_diagram.js";
import { PAIRED } from "./sides.js";
import { livePanel } from "./plan_preview.js";
import { fmt, round4, unitsError, volume as volumeOf } from "./plan_units.js";

const data = JSON.parse(document.getElementById("plan-data").textContent);
const form = document.querySelector("[data-plan-form]");
const svg = document.querySelector("[data-face-editor]");

// A read-only plan as stored comes with nothing but { readonly: true }.
const muscles = Object.fromEntries((data.muscles || []).map((m) => [m.code, m]));
const names = Object.fromEntries((data.muscles || []).map((m) => [m.code, m.name]));
let points = (data.points || []).map((p) => ({ ...p, units: String(p.units) }));
let serverErrors = new Map(Object.entries(data.errors || {}).map(([k, v]) => [Number(k), v]));
let selected = null;
const saved = data.dirty ? null : JSON.stringify(points); // posted back after an error: unsaved

const $ = (sel, root = document) => root.querySelector(sel);
const field = $("[data-points-field]");
const body = $("[data-points-body]");
const editor = $("[data-point-editor]");
const status = $("[data-diagram-status]");
const panel = $("[data-plan-panel]");

const volume = (units) => volumeOf(units, data.vialUnits, data.diluentMl);

function errorOf(i) {
  return unitsError(points[i].units) || serverErrors.get(i) || "";
}

// --- the diagram --------------------------------------------------------------------------
const diagram = svg && !data.readonly
  ? new FaceDiagram(svg, {
      onAdd(at, region) {
        if (!region) {
          say("Tap inside a shaded muscle region to add a point.");
          return;
        }
        addPoint({ ...region, ...at, units: $("[data-new-units]").value });
      },
      onMove(i, at, region) {
        const p = points[i];
        const refusal = region ? keptRefusal(region.muscle, region.side) : "";
        if (refusal) {
          say(`Point ${i + 1} stays where it was: ${refusal}`);
          diagram.render(points, view());
          return;
        }
        p.x = round4(at.x);
        p.y = round4(at.y);
        if (region) {
          p.muscle = region.muscle;
          p.side = region.side;
          say(`Point ${i + 1} moved to ${names[p.muscle]}, ${SIDE_NAMES[p.side]}.`);
        } else {
          say(`Point ${i + 1} moved; outside the shaded regions it stays ${names[p.muscle]}, ${SIDE_NAMES[p.side]}.`);
        }
        serverErrors.delete(i);
        changed({ table: true });
        if (selected === i) openEditor(i, false);
      },
      onSelect(i, { keyboard }) {
        openEditor(i, keyboard);
      },
      // The editor is docked beside (landscape) or below (portrait) the diagram and
      // covers none of it: a tap on the face closes it and places the point.
      onBackground() {
        closeEditor();
        return false;
      },
      zoomBar: $("[data-face-zoom]"),
    })
  : null;

function say(text) {
  status.textContent = text;
}

// A kept segment (planning.keeps) takes no point: refused at once, with the sentence
// the server would give at save (data.kept, from the server; it stays the authority).
function keptRefusal(muscle, side) {
  return (data.kept || {})[`${muscle}-${side}`] || "";
}

function addPoint({ muscle, side, x, y, units }) {
  const refusal = keptRefusal(muscle, side);
  if (refusal) {
    say(refusal);
    return;
  }
  if (x === undefined) {
    // From the table or a suggestion: the region's centre, nudged off earlier points there.
    const [dx, dy] = data.defaults[`${muscle}-${side}`] || [0.5, 0.5];
    const same = points.filter((p) => p.muscle === muscle && p.side === side).length;
    x = round4(Math.min(1, dx + (same % 3) * 0.02 * (side === "R" ? -1 : 1)));
    y = round4(Math.min(1, dy + Math.floor(same / 3) * 0.025 + (same % 3) * 0.012));
  }
  points.push({ muscle, side, x: round4(x), y: round4(y), units: String(units), depth: "", note: "" });
  say(`Point ${points.length} added: ${names[muscle]}, ${SIDE_NAMES[side]}, ${units} U.`);
  changed({ table: true });
}

function removePoint(i) {
  points.splice(i, 1);
  // Errors follow their points.
  serverErrors = new Map([...serverErrors].filter(([k]) => k !== i).map(([k, v]) => [k > i ? k - 1 : k, v]));
  say(`Point ${i + 1} deleted.`);
  closeEditor();
  changed({ table: true });
}

// --- the point editor (docked beside or below the diagram, never over it) ---------------------
const pe = {
  title: $("[data-pe-title]", editor),
  units: $("[data-pe-units]", editor),
  muscle: $("[data-pe-muscle]", editor),
  side: $("[data-pe-side]", editor),
  depth: $("[data-pe-depth]", editor),
  note: $("[data-pe-note]", editor),
  volume: $("[data-pe-volume]", editor),
};

function fillMuscles(select) {
  select.replaceChildren(...data.muscles.map((m) => new Option(`${m.name} (${m.code})`, m.code)));
}
function fillSides(select, code, current) {
  const sides = muscles[code] ? muscles[code].sides : PAIRED;
  select.replaceChildren(...sides.map((s) => new Option(SIDE_NAMES[s], s)));
  select.value = sides.includes(current) ? current : sides[0];
  return select.value;
}

function openEditor(i, keyboard) {
  selected = i;
  const p = points[i];
  pe.title.textContent = `Point ${i + 1} · ${SIDE_NAMES[p.side]}`;
  pe.units.value = p.units;
  pe.muscle.value = p.muscle;
  fillSides(pe.side, p.muscle, p.side);
  pe.depth.value = p.depth || "";
  pe.note.value = p.note || "";
  pe.volume.textContent = volume(p.units) ? `Volume: ${volume(p.units)}` : errorOf(i);
  editor.hidden = false;
  diagram.render(points, view());
  // Below the diagram (portrait), bring the editor into view without moving the diagram away.
  if (getComputedStyle(editor).position !== "fixed") editor.scrollIntoView({ block: "nearest" });
  if (keyboard) pe.units.focus();
}

function closeEditor() {
  if (editor.hidden) return;
  editor.hidden = true;
  const i = selected;
  selected = null;
  diagram.render(points, view());
  const marker = svg.querySelector(`.pt[data-index="${i}"]`);
  if (marker && editor.contains(document.activeElement)) marker.focus();
}

// A point whose muscle or side is changed from the table or the point editor moves
// into that region when it lies in another one: where a point is drawn is where it is
// recorded (the server refuses a point drawn on another muscle or side).
function followRegion(p) {
  if (!diagram) return;
  const region = diagram.regionAt(Number(p.x), Number(p.y));
  if (!region || (region.muscle === p.muscle && region.side === p.side)) return;
  const [dx, dy] = data.defaults[`${p.muscle}-${p.side}`] || [p.x, p.y];
  p.x = round4(dx);
  p.y = round4(dy);
}

function editSelected(change) {
  if (selected === null) return;
  const before = { ...points[selected] };
  change(points[selected]);
  const refusal = keptRefusal(points[selected].muscle, points[selected].side);
  if (refusal) {
    Object.assign(points[selected], before);
    say(refusal);
    openEditor(selected, false);
    return;
  }
  followRegion(points[selected]);
  serverErrors.delete(selected);
  pe.title.textContent = `Point ${selected + 1} · ${SIDE_NAMES[points[selected].side]}`;
  pe.volume.textContent = unitsError(points[selected].units) || `Volume: ${volume(points[selected].units)}`;
  changed({ table: true });
}

if (diagram) {
  fillMuscles(pe.muscle);
  pe.units.addEventListener("input", () => editSelected((p) => { p.units = pe.units.value.trim(); }));
  editor.addEventListener("click", (e) => {
    const step = e.target.closest("[data-pe-step]");
    const set = e.target.closest("[data-pe-set]");
    if (step || set) {
      editSelected((p) => {
        const now = Number(p.units) || 0;
        const next = set ? Number(set.dataset.peSet) : now + Number(step.dataset.peStep);
        p.units = fmt(Math.min(100, Math.max(0.5, next)));
      });
      pe.units.value = points[selected].units;
    }
    if (e.target.closest("[data-pe-delete]")) removePoint(selected);
    if (e.target.closest("[data-pe-close]")) closeEditor();
  });
  pe.muscle.addEventListener("change", () =>
    editSelected((p) => {
      p.muscle = pe.muscle.value;
      p.side = fillSides(pe.side, p.muscle, p.side);
    }),
  );
  pe.side.addEventListener("change", () => editSelected((p) => { p.side = pe.side.value; }));
  pe.depth.addEventListener("change", () => editSelected((p) => { p.depth = pe.depth.value; }));
  pe.note.addEventListener("change", () => editSelected((p) => { p.note = pe.note.value.trim(); }));
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeEditor();
  });
}

// --- the table ---------------------------------------------------------------------------------
function cell(child) {
  const td = document.createElement("td");
  if (child) td.append(child);
  return td;
}
function control(tag, attrs) {
  const el = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
  return el;
}

function renderTable() {
  const rows = points.map((p, i) => {
    const tr = document.createElement("tr");
    tr.dataset.index = i;
    const error = errorOf(i);
    const muscle = control("select", { class: "form-select", "data-field": "muscle", "aria-label": `Point ${i + 1} muscle` });
    fillMuscles(muscle);
    muscle.value = p.muscle;
    const side = control("select", { class: `form-select side-${p.side}`, "data-field": "side", "aria-label": `Point ${i + 1} side` });
    fillSides(side, p.muscle, p.side);
    const units = control("input", {
      type: "number", step: "0.5", min: "0.5", max: "100", inputmode: "decimal",
      class: `form-control plan-units-input${error ? " is-invalid" : ""}`,
      "data-field": "units", "aria-label": `Point ${i + 1} units`,
    });
    units.value = p.units;
    const unitsCell = cell(units);
    if (error) {
      const msg = control("div", { class: "invalid-feedback d-block" });
      msg.textContent = error;
      unitsCell.append(msg);
    }
    const depth = pe.depth.cloneNode(true);
    depth.removeAttribute("data-pe-depth");
    depth.className = "form-select";
    depth.dataset.field = "depth";
    depth.setAttribute("aria-label", `Point ${i + 1} depth`);
    depth.value = p.depth || "";
    const remove = control("button", { type: "button", class: "btn btn-outline-danger", "data-remove": i, "aria-label": `Remove point ${i + 1}` });
    remove.textContent = "Remove";
    const num = document.createElement("th");
    num.scope = "row";
    num.textContent = i + 1;
    const vol = cell();
    vol.className = "plan-volume";
    vol.textContent = volume(p.units);
    tr.append(num, cell(muscle), cell(side), unitsCell, vol, cell(depth), cell(remove));
    return tr;
  });
  body.replaceChildren(...rows);
}

function onTable(e) {
  const tr = e.target.closest("tr[data-index]");
  const key = e.target.dataset.field;
  if (!tr || !key) return;
  const i = Number(tr.dataset.index);
  const p = points[i];
  p[key] = e.target.value.trim();
  if (key === "muscle") p.side = fillSides(tr.querySelector('[data-field="side"]'), p.muscle, p.side);
  if (key === "side" || key === "muscle") {
    tr.querySelector('[data-field="side"]').className = `form-select side-${p.side}`;
    followRegion(p);
  }
  serverErrors.delete(i);
  const error = errorOf(i);
  const units = tr.querySelector('[data-field="units"]');
  units.classList.toggle("is-invalid", Boolean(error));
  const msg = units.parentElement.querySelector(".invalid-feedback");
  if (msg) msg.remove();
  if (error) {
    const div = control("div", { class: "invalid-feedback d-block" });
    div.textContent = error;
    units.parentElement.append(div);
  }
  tr.querySelector(".plan-volume").textContent = volume(p.units);
  changed({ table: false });
}

if (body && !data.readonly) {
  body.addEventListener("input", onTable);
  body.addEventListener("change", onTable);
  body.addEventListener("click", (e) => {
    const button = e.target.closest("[data-remove]");
    if (!button) return;
    const i = Number(button.dataset.remove);
    removePoint(i);
    const next = body.querySelector(`[data-remove="${Math.min(i, points.length - 1)}"]`);
    (next || $("[data-add-muscle]")).focus();
  });
  const addMuscle = $("[data-add-muscle]");
  const addSide = $("[data-add-side]");
  fillMuscles(addMuscle);
  fillSides(addSide, addMuscle.value, PAIRED[0]);
  addMuscle.addEventListener("change", () => fillSides(addSide, addMuscle.value, addSide.value));
  $("[data-add-point]").addEventListener("click", () => {
    const units = $("[data-add-units]").value.trim();
    const error = unitsError(units);
    if (error) {
      say(error);
      $("[data-add-units]").classList.add("is-invalid");
      return;
    }
    $("[data-add-units]").classList.remove("is-invalid");
    addPoint({ muscle: addMuscle.value, side: addSide.value, units });
  });
}

// Suggestions: add a point with the suggested units (the injector changes them at will).
document.querySelectorAll("[data-suggest]").forEach((button) =>
  button.addEventListener("click", () => {
    const { muscle, side, units } = button.dataset;
    // A point of the last cycle (next cycle's suggestion) carries its place on the diagram.
    const at = button.dataset.x ? { x: Number(button.dataset.x), y: Number(button.dataset.y) } : {};
    // A movement-map suggestion comes split into points of at most the label's (or the
    // clinic's) units per site: each lands at the region's centre, to be moved.
    const split = (button.dataset.split || "").split(",").filter(Boolean);
    if (split.length > 1) {
      split.forEach((u) => addPoint({ muscle, side, units: u }));
      say(`${split.length} points added for ${names[muscle]}, ${SIDE_NAMES[side]} (${split.join(" + ")} U): drag each to where you inject.`);
      return;
    }
    addPoint({ muscle, side, units, ...at });
  }),
);

// --- keeping everything in step ----------------------------------------------------------------
function view() {
  const invalid = new Set(points.map((_, i) => i).filter((i) => errorOf(i)));
  return { selected, invalid, names };
}

const preview = livePanel({
  form,
  url: data.previewUrl,
  panel,
  state: $("[data-panel-state]"),
  onPanel(inner) {
    const ack = $("[data-ack-box]");
    if (ack && inner) ack.hidden = inner.dataset.needsAck !== "1";
    const blocked = Boolean(inner && inner.dataset.blocked === "1");
    const finalize = $('[data-testid="finalize-plan"]');
    if (finalize) finalize.disabled = blocked;
    $("[data-blocked-hint]")?.classList.toggle("d-none", !blocked);
  },
});

// Undo: snapshots of the points after each change (the first is the page's start).
const undoStack = [JSON.stringify(points)];
const undoButton = $("[data-undo]");

function snapshot() {
  const now = JSON.stringify(points);
  if (now !== undoStack[undoStack.length - 1]) undoStack.push(now);
  if (undoStack.length > 100) undoStack.shift();
  if (undoButton) undoButton.disabled = undoStack.length < 2;
}

if (undoButton && !data.readonly) {
  undoButton.addEventListener("click", () => {
    if (undoStack.length < 2) return;
    undoStack.pop();
    points = JSON.parse(undoStack[undoStack.length - 1]);
    serverErrors = new Map();
    closeEditor();
    say("Undone.");
    changed({ table: true, undo: true });
  });
}

function changed({ table, undo = false }) {
  if (!undo) snapshot();
  else if (undoButton) undoButton.disabled = undoStack.length < 2;
  field.value = JSON.stringify(points.map(({ muscle, side, x, y, units, depth, note }) => ({ muscle, side, x, y, units, depth, note })));
  if (diagram) diagram.render(points, view());
  if (table) renderTable();
  const dirty = JSON.stringify(points) !== saved;
  const state = $("[data-save-state]");
  if (state) {
    state.textContent = dirty ? "Unsaved changes" : "All changes saved.";
    state.classList.toggle("text-warning-emphasis", dirty);
  }
  document.querySelectorAll("[data-needs-clean]").forEach((b) => { b.disabled = dirty; });
  preview();
}

let submitting = false;
form.addEventListener("submit", (e) => {
  // Finalizing with a warning to acknowledge: ask for the note first.
  const ack = $("[data-ack-box]");
  const note = $("#id_acknowledgment");
  if (e.submitter?.value === "finalize" && ack && !ack.hidden && note && !note.value.trim()) {
    e.preventDefault();
    note.classList.add("is-invalid");
    note.scrollIntoView({ block: "center" });
    note.focus();
    return;
  }
  submitting = true;
});
window.addEventListener("beforeunload", (e) => {
  if (!submitting && !data.readonly && JSON.stringify(points) !== saved) e.preventDefault();
});

if (!data.readonly) {
  field.value = JSON.stringify(points);
  if (diagram) diagram.render(points, view());
  renderTable();
  if (data.dirty) changed({ table: true });
}
