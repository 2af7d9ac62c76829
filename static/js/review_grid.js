// Live asymmetry highlight in the residual grid: a row turns amber when the two sides
// differ by >= 1, with the difference in the convention's words ("R +1").
import { difference } from "./sides.js";

for (const row of document.querySelectorAll(".rv-grid .mm-row")) {
  const update = () => {
    const grade = (side) => {
      const checked = row.querySelector(`td[data-side="${side}"] input[type=radio]:checked`);
      return checked && checked.value !== "" ? Number(checked.value) : null;
    };
    const [left, right] = [grade("L"), grade("R")];
    const asymmetric = left !== null && right !== null && Math.abs(left - right) >= 1;
    row.classList.toggle("is-asymmetric", asymmetric);
    const diff = row.querySelector("[data-diff]");
    if (diff) diff.textContent = asymmetric ? difference(left, right) : "";
  };
  row.addEventListener("change", update);
}
