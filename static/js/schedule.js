// Drag a booked appointment onto a free time to reschedule it (the form on the
// appointment's page does the same without a mouse). The server decides: a
// clash or a time outside opening hours comes back as the reschedule form with
// its message.
const grid = document.querySelector("[data-schedule]");

if (grid) {
  const csrf = grid.dataset.csrf;
  let dragged = null;

  grid.addEventListener("dragstart", (event) => {
    const block = event.target.closest("[data-reschedule-url]");
    if (!block) return;
    dragged = block;
    block.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.rescheduleUrl);
  });

  grid.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    grid.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
    dragged = null;
  });

  grid.addEventListener("dragover", (event) => {
    const slot = event.target.closest("a.sched-slot");
    if (!dragged || !slot) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    grid.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
    slot.classList.add("drop-target");
  });

  grid.addEventListener("drop", (event) => {
    const slot = event.target.closest("a.sched-slot");
    if (!dragged || !slot) return;
    event.preventDefault();
    const form = document.createElement("form");
    form.method = "post";
    form.action = dragged.dataset.rescheduleUrl;
    // The slot's link books that time: its query names the injector, day and start.
    const booking = new URL(slot.href).searchParams;
    const fields = {
      csrfmiddlewaretoken: csrf,
      injector: booking.get("injector") ?? "",
      day: booking.get("day"),
      start: booking.get("start"),
    };
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  });
}
