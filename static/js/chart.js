// The chart: once a value in the chart form changes, signing waits until it is
// saved (signing submits a different form, so unsaved entries would be lost), and
// the dose checks and the departures from the plan follow the form live (the
// server's rules, charting.views.chart.preview; saving and signing check again).
const form = document.querySelector("[data-testid=chart-form]");
const signButton = document.querySelector("[data-testid=sign-button]");
const unsaved = document.querySelector("[data-unsaved-note]");

if (form && signButton) {
  const markDirty = () => {
    signButton.disabled = true;
    if (unsaved) unsaved.classList.remove("d-none");
  };
  let timer = null;
  let seq = 0;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const response = await fetch(form.dataset.previewUrl, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
        });
        if (!response.ok || response.status === 204 || mine !== seq) return;
        const parts = document.createElement("template");
        parts.innerHTML = await response.text();
        for (const part of parts.content.querySelectorAll("[data-live-part]")) {
          const target = document.querySelector(`[data-live="${part.dataset.livePart}"]`);
          if (target) target.replaceChildren(...part.childNodes);
        }
      } catch {
        // The checks run again when the chart is saved.
      }
    }, 250);
  };
  form.addEventListener("input", () => {
    markDirty();
    refresh();
  });
  form.addEventListener("change", () => {
    markDirty();
    refresh();
  });
  window.addEventListener("beforeunload", (event) => {
    if (signButton.disabled && !form.dataset.submitting) event.preventDefault();
  });
  form.addEventListener("submit", () => {
    form.dataset.submitting = "1";
  });
}
