// Units and volumes of the plan editor (display and instant feedback; the server
// validates again on save with planning/plan_points.py).

export function unitsError(value) {
  const n = Number(String(value).trim());
  if (String(value).trim() === "" || Number.isNaN(n)) return "Enter the units, e.g. 4 or 2.5.";
  if (n <= 0) return "Units must be more than 0.";
  if (Math.round(n * 2) !== n * 2) return "Units go in 0.5 U steps.";
  if (n > 100) return "At most 100 U in one point.";
  return "";
}

export function fmt(n) {
  return String(Math.round(n * 2) / 2);
}

// Volume = units ÷ (vial units ÷ diluent mL), as planning.dosing.volume_ml.
export function volume(units, vialUnits, diluentMl) {
  const n = Number(units);
  if (!(n > 0)) return "";
  const ml = Math.round((n * diluentMl * 1000) / vialUnits) / 1000;
  return `${ml.toFixed(Math.round(ml * 1000) % 10 ? 3 : 2)} mL`;
}

export function round4(v) {
  return Math.round(v * 10000) / 10000;
}
