// Movement map: live asymmetry (row highlight, L-R badge, per-muscle summary)
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
    badge.textContent = `${diff > 0 ? "L" : "R"} +${Math.abs(diff)}`;
    diffCell.append(badge);
  }
}

function updateSummary() {
  const strongest = new Map();
  for (const row of form.querySelectorAll('.mm-row[data-paired="1"]')) {
    const seen = strongest.get(row.dataset.muscle) || { L: null, R: null };
    for (const side of ["L", "R"]) {
      const grade = gradeOf(row, side);
      if (grade !== null && (seen[side] === null || grade > seen[side])) seen[side] = grade;
    }
    strongest.set(row.dataset.muscle, seen);
  }
  let anyGraded = false;
  for (const chip of document.querySelectorAll("[data-summary]")) {
    const seen = strongest.get(chip.dataset.summary) || { L: null, R: null };
    const graded = seen.L !== null || seen.R !== null;
    anyGraded ||= graded;
    chip.classList.toggle("d-none", !graded);
    chip.querySelector('[data-side="L"]').textContent = seen.L ?? "–";
    chip.querySelector('[data-side="R"]').textContent = seen.R ?? "–";
    const diff = seen.L === null || seen.R === null ? null : seen.L - seen.R;
    const asymmetric = diff !== null && Math.abs(diff) >= 1;
    chip.classList.toggle("is-asymmetric", asymmetric);
    chip.querySelector("[data-diff]").textContent = asymmetric ? `${diff > 0 ? "L" : "R"} stronger` : "";
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
