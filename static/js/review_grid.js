// Live asymmetry highlight in the residual grid: a row turns amber when L and R differ by >= 1.
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
    if (diff) diff.textContent = asymmetric ? `${left > right ? "L" : "R"} stronger` : "";
  };
  row.addEventListener("change", update);
}
