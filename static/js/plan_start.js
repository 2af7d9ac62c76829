// Starting a plan: the saline offered is the chosen product's labeled dilution for
// the chosen vial (planning.dilution, computed on the server and given in the page),
// and the chosen product's labeled dilution is shown by the saline field.
const labeled = JSON.parse(document.getElementById("labeled-diluents").textContent);
const product = document.getElementById("id_product");
const vial = document.getElementById("id_vial_units");
const saline = document.getElementById("id_diluent_ml");
const notes = document.querySelectorAll("[data-labeled-dilution]");
const PREFERRED_VIAL = "100";

function showLabel() {
  for (const note of notes) note.hidden = note.dataset.labeledDilution !== product.value;
}

function offerSaline() {
  const ml = (labeled[product.value] || {})[vial.value];
  if (ml !== undefined) saline.value = ml;
}

if (product && vial && saline) {
  product.addEventListener("change", () => {
    const sizes = Object.keys(labeled[product.value] || {});
    if (sizes.length && !sizes.includes(vial.value)) {
      vial.value = sizes.includes(PREFERRED_VIAL) ? PREFERRED_VIAL : sizes[sizes.length - 1];
    }
    showLabel();
    offerSaline();
  });
  vial.addEventListener("change", offerSaline);
  showLabel(); // the saline as given (or as typed, after an error) stays
}
