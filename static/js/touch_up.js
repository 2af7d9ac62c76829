// Tap on the face diagram: set the touch-up form's x/y (fractions of the diagram).
const svg = document.querySelector("svg.rv-face.is-tappable");
const form = svg && document.getElementById(svg.dataset.tapTarget);
if (svg && form) {
  const marker = svg.querySelector(".rv-tap-marker");
  const [x, y] = [form.elements.namedItem("x"), form.elements.namedItem("y")];
  const show = () => {
    if (x.value && y.value) {
      marker.setAttribute("cx", String(Number(x.value) * 400));
      marker.setAttribute("cy", String(Number(y.value) * 500));
    }
  };
  svg.addEventListener("click", (event) => {
    const box = svg.getBoundingClientRect();
    const fx = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const fy = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    x.value = fx.toFixed(4);
    y.value = fy.toFixed(4);
    show();
  });
  show();
}
