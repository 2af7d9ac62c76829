// The chart: once a value in the chart form changes, signing waits until it is
// saved (signing submits a different form, so unsaved entries would be lost).
const form = document.querySelector("[data-testid=chart-form]");
const signButton = document.querySelector("[data-testid=sign-button]");
const unsaved = document.querySelector("[data-unsaved-note]");

if (form && signButton) {
  const markDirty = () => {
    signButton.disabled = true;
    if (unsaved) unsaved.classList.remove("d-none");
  };
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  window.addEventListener("beforeunload", (event) => {
    if (signButton.disabled && !form.dataset.submitting) event.preventDefault();
  });
  form.addEventListener("submit", () => {
    form.dataset.submitting = "1";
  });
}
