// Baseline/review overlay: the slider uncovers the review photo from the left.
for (const slider of document.querySelectorAll("[data-overlay-slider]")) {
  const card = slider.closest(".rv-compare");
  const top = card && card.querySelector("[data-overlay-top]");
  if (!top) continue;
  const apply = () => {
    top.style.clipPath = `inset(0 ${100 - Number(slider.value)}% 0 0)`;
  };
  slider.addEventListener("input", apply);
  apply();
}
