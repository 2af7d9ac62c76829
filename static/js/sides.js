// The left/right convention as the server states it (planning/sides.py, rendered
// into every page by base.html as <div id="sides-convention" data-sides="{JSON}">):
// the order of the sides, their headers and names, and the words of a difference.
// Scripts never write their own "L"/"R" labels or a bare signed difference.
const source = document.getElementById("sides-convention");
if (!source) throw new Error("sides.js: the page has no #sides-convention (base.html renders it)");
const convention = JSON.parse(source.dataset.sides);

export const ORDER = convention.order; // ["R", "L", "C"]: the patient's right first
export const PAIRED = convention.paired;
export const HEADERS = convention.headers; // "Patient's R", "Patient's L", "Mid"
export const NAMES = convention.names; // "Patient's R", "Patient's L", "Midline"

// Left against right in words, as planning.sides.difference: "R +1", "L +2 U", "even";
// "" when a side is missing.
export function difference(left, right, unit = "") {
  if (left === null || right === null || left === undefined || right === undefined) return "";
  const diff = left - right;
  if (diff === 0) return convention.even;
  const text = convention.more.replace("{side}", diff > 0 ? "L" : "R").replace("{amount}", String(Math.abs(diff)));
  return unit ? `${text} ${unit}` : text;
}
