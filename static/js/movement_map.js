import { difference, PAIRED } from "./sides.js";

// Movement map: live asymmetry (row highlight, difference badge, per-muscle summary)
// and a reminder when there are unsaved cells. The server computes the same
// on every render; this only keeps the screen current between saves.
const form = document.getElementById("movement-map");

function gradeOf(row, side) {
  const cell = row.querySelector(`.mm-cell[data-side="${side}"] input[type=radio]:checked`);
  if (!cell || cell.value === "") return null;
  return Number(cell.value);
}

function updateRow(row) {
  if (row.dataset.paired !== "1") return;
  const left = gradeOf(row, "L");
  const right = gradeOf(row, "R");
  const diffCell = row.querySelector("[data-diff]");
  const diff = left === null || right === null ? null : left - right;
  const asymmetric = diff !== null && Math.abs(diff) >= 1;
  row.classList.toggle("is-asymmetric", asymmetric);
  diffCell.replaceChildren();
  if (asymmetric) {
    const badge = document.createElement("span");
    badge.className = "badge text-bg-warning";
    badge.textContent = difference(left, right);
    diffCell.append(badge);
  }
}

// How strongly a muscle moves on each side: the strongest grade in any
// expression but rest, or at rest when it was graded at rest alone (the rule of
// planning.movement.strongest_grades, which draws the summary on each render).
const REST = "REST";

function strongestBySide() {
  const moving = new Map();
  const resting = new Map();
  for (const row of form.querySelectorAll('.mm-row[data-paired="1"]')) {
    const atRest = row.closest("tbody")?.dataset.expression === REST;
    const target = atRest ? resting : moving;
    for (const side of PAIRED) {
      const grade = gradeOf(row, side);
      if (grade === null) continue;
      const key = `${row.dataset.muscle}:${side}`;
      target.set(key, Math.max(target.get(key) ?? 0, grade));
    }
  }
  return new Map([...resting, ...moving]);
}

function updateSummary() {
  const strongest = strongestBySide();
  let anyGraded = false;
  for (const chip of document.querySelectorAll("[data-summary]")) {
    const code = chip.dataset.summary;
    const seen = { L: strongest.get(`${code}:L`) ?? null, R: strongest.get(`${code}:R`) ?? null };
    const graded = seen.L !== null || seen.R !== null;
    anyGraded ||= graded;
    chip.classList.toggle("d-none", !graded);
    chip.querySelector('[data-side="L"]').textContent = seen.L ?? "–";
    chip.querySelector('[data-side="R"]').textContent = seen.R ?? "–";
    const diff = seen.L === null || seen.R === null ? null : seen.L - seen.R;
    const asymmetric = diff !== null && Math.abs(diff) >= 1;
    chip.classList.toggle("is-asymmetric", asymmetric);
    chip.querySelector("[data-diff]").textContent = asymmetric ? difference(seen.L, seen.R) : "";
  }
  document.querySelector(".mm-summary-empty")?.classList.toggle("d-none", anyGraded);
}

if (form) {
  let dirty = false;
  const status = document.getElementById("mm-dirty");
  form.addEventListener("change", (event) => {
    const row = event.target.closest(".mm-row");
    if (row) updateRow(row);
    updateSummary();
    dirty = true;
    if (status) status.textContent = "Unsaved changes";
  });
  form.addEventListener("submit", () => {
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
}
