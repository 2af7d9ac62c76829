// The live totals and dose checks: post the unsaved points to the server's preview
// and show the panel it renders (the same rules the save runs). Debounced; only
// the latest answer is shown.
export function livePanel({ form, url, panel, state, onPanel, delay = 200 }) {
  let timer = null;
  let seq = 0;
  return function preview() {
    clearTimeout(timer);
    state.textContent = "· updating…";
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const response = await fetch(url, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(String(response.status));
        const html = await response.text();
        if (mine !== seq) return; // a newer preview is on its way
        panel.innerHTML = html;
        onPanel(panel.firstElementChild);
        state.textContent = "";
      } catch {
        if (mine === seq) state.textContent = "· could not update the checks; they run again when you save";
      }
    }, delay);
  };
}
