// Move a booked appointment on the schedule grid to another free time: in the day
// view to another time or injector, in the week view to another time or day. The
// appointment's page has the same move as a form; this only fills that form.
//
// - Mouse: press a booking and move; the move starts once the pointer travels.
// - Touch or pen: hold a booking for a moment (LONG_PRESS_MS), then move the
//   finger; a finger that moves sooner scrolls the page as usual.
// - Keyboard: focus a booking, press M, choose a time with the arrow keys (up and
//   down: earlier and later; left and right: the next column), Enter moves it.
// Escape cancels any of them. A ghost of the booking follows the pointer, the free
// time under it is highlighted, and the page and grid scroll when the pointer is
// near their edge. The status line (role="status") says what is happening.
//
// The server decides: the drop posts the appointment's reschedule form (injector,
// day, start) as the form itself would, and a clash or a closed day comes back as
// that form with its message.
const LONG_PRESS_MS = 350;
const TOUCH_SLOP_PX = 10; // a finger that moves this far before the long press is scrolling
const MOUSE_START_PX = 4;
const EDGE_PX = 56; // how near an edge the pointer scrolls the page or the grid
const MAX_SCROLL_PX = 14; // per frame, at the very edge

const grid = document.querySelector("[data-schedule]");

if (grid) {
  const status = document.querySelector("[data-schedule-status]");
  let press = null; // a pointer held on a booking, not yet moving it
  let drag = null; // a booking being moved by a pointer
  let keyMove = null; // a booking being moved by the keyboard
  let swallowClick = false; // the click that ends a drag opens nothing
  let sent = false; // a move has been posted: the page is leaving

  const say = (text) => {
    if (status) status.textContent = text;
  };
  const movable = (el) => el?.closest?.("[data-reschedule-url]") ?? null;
  const classNumber = (el, letter) => {
    const found = [...el.classList].find((c) => new RegExp(`^${letter}\\d+$`).test(c));
    return found ? Number(found.slice(1)) : 0;
  };
  const columnOf = (el) => el.closest("section.sched-col");
  const columnName = (el) => columnOf(el)?.getAttribute("aria-label") ?? "";
  const nameOf = (block) => block.querySelector(".who")?.textContent.trim() ?? "";
  const timeOf = (slot) => slot.textContent.trim();
  const slotsOf = (column) => [...column.querySelectorAll("a.sched-slot")];

  // Is the slot where the booking already is (same column, same start row)?
  const isHere = (block, slot) =>
    columnOf(block) === columnOf(slot) && classNumber(block, "r") === classNumber(slot, "r");

  // Another booking shown over this time (a hint only: the server decides).
  const taken = (block, slot) => {
    const from = classNumber(slot, "r");
    const to = from + classNumber(slot, "s");
    return [...columnOf(slot).querySelectorAll("a.appt")].some((other) => {
      if (other === block || other.matches(".status-no_show")) return false;
      const start = classNumber(other, "r");
      return start < to && from < start + classNumber(other, "s");
    });
  };

  const describe = (block, slot) =>
    `${timeOf(slot)}, ${columnName(slot)}${taken(block, slot) ? " (another booking is there)" : ""}`;

  const setTarget = (state, slot) => {
    if (state.target === slot) return;
    state.target?.classList.remove("drop-target");
    state.target = slot;
    slot?.classList.add("drop-target");
  };

  function post(block, slot) {
    sent = true;
    say(`Moving ${nameOf(block)} to ${timeOf(slot)}, ${columnName(slot)}…`);
    const form = document.createElement("form");
    form.method = "post";
    form.action = block.dataset.rescheduleUrl;
    // The slot's link books that time: its query names the injector (or, in the day
    // view by room, the room), day and start; what it does not name stays as it was.
    const booking = new URL(slot.href).searchParams;
    const fields = {
      csrfmiddlewaretoken: grid.dataset.csrf,
      injector: booking.get("injector") ?? "",
      room: booking.get("room") ?? "",
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
  }

  // ---- pointer: mouse, touch, pen -------------------------------------------

  const slotAt = (x, y) =>
    document.elementsFromPoint(x, y).find((el) => el.matches("a.sched-slot") && grid.contains(el)) ??
    null;

  function begin(x, y) {
    const { block, pointerId, offsetX, offsetY } = press;
    // The time under the press itself: a booking lifted and let go there stays.
    const origin = slotAt(press.x, press.y);
    clearTimeout(press.timer);
    press = null;
    const box = block.getBoundingClientRect();
    const ghost = document.createElement("div");
    ghost.className = `sched-ghost ${[...block.classList].filter((c) => c.startsWith("kind-")).join(" ")}`;
    ghost.setAttribute("aria-hidden", "true");
    ghost.dataset.testid = "move-ghost";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = nameOf(block);
    const where = document.createElement("span");
    where.className = "where";
    ghost.append(who, where);
    ghost.style.width = `${box.width}px`;
    document.body.append(ghost);
    drag = { block, pointerId, offsetX, offsetY, ghost, where, origin, target: null, x, y, frame: 0 };
    block.classList.add("dragging");
    grid.classList.add("moving");
    say(`Moving ${nameOf(block)}: drop it on a free time, or press Escape.`);
    update(x, y);
    drag.frame = requestAnimationFrame(autoScroll);
  }

  function update(x, y) {
    drag.x = x;
    drag.y = y;
    drag.ghost.style.transform = `translate(${x - drag.offsetX}px, ${y - drag.offsetY}px)`;
    const slot = slotAt(x, y);
    setTarget(drag, slot);
    drag.where.textContent = slot ? `to ${describe(drag.block, slot)}` : "Drop on a free time";
  }

  // Scroll the page (up and down: the window's edges) and the grid (sideways: its
  // own edges) while the pointer is near them, faster the nearer it is; then find
  // the slot now under it.
  function autoScroll() {
    if (!drag) return;
    const speed = (distance) =>
      distance < EDGE_PX
        ? Math.ceil(((EDGE_PX - Math.max(0, distance)) / EDGE_PX) * MAX_SCROLL_PX)
        : 0;
    const dy = speed(drag.y) ? -speed(drag.y) : speed(window.innerHeight - drag.y);
    const box = grid.getBoundingClientRect();
    const dx = speed(drag.x - box.left) ? -speed(drag.x - box.left) : speed(box.right - drag.x);
    const before = [window.scrollY, grid.scrollLeft];
    if (dy) window.scrollBy(0, dy);
    if (dx) grid.scrollLeft += dx;
    if (before[0] !== window.scrollY || before[1] !== grid.scrollLeft) update(drag.x, drag.y);
    drag.frame = requestAnimationFrame(autoScroll);
  }

  function endDrag() {
    cancelAnimationFrame(drag.frame);
    drag.ghost.remove();
    drag.block.classList.remove("dragging");
    grid.classList.remove("moving");
    setTarget(drag, null);
    drag = null;
    swallowClick = true;
  }

  function drop() {
    const { block, origin, target } = drag;
    endDrag();
    if (!target) say("Not moved: that was not a free time.");
    else if (target === origin || isHere(block, target)) say("Not moved: that is its time now.");
    else post(block, target);
  }

  function cancelDrag(text) {
    if (drag) endDrag();
    say(text);
  }

  function clearPress() {
    if (press) clearTimeout(press.timer);
    press = null;
  }

  grid.addEventListener("pointerdown", (event) => {
    swallowClick = false;
    const block = movable(event.target);
    if (sent || drag || keyMove || !block || !event.isPrimary) return;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    const box = block.getBoundingClientRect();
    press = {
      block,
      pointerId: event.pointerId,
      mouse: event.pointerType === "mouse",
      x: event.clientX,
      y: event.clientY,
      offsetX: Math.min(event.clientX - box.left, 24),
      offsetY: Math.min(event.clientY - box.top, 16),
      timer: 0,
    };
    if (!press.mouse) {
      press.timer = setTimeout(() => press && begin(press.x, press.y), LONG_PRESS_MS);
    }
  });

  document.addEventListener("pointermove", (event) => {
    if (drag && event.pointerId === drag.pointerId) {
      update(event.clientX, event.clientY);
    } else if (press && event.pointerId === press.pointerId) {
      const moved = Math.hypot(event.clientX - press.x, event.clientY - press.y);
      if (press.mouse && moved > MOUSE_START_PX) begin(event.clientX, event.clientY);
      else if (!press.mouse && moved > TOUCH_SLOP_PX) clearPress(); // the finger scrolls
    }
  });

  document.addEventListener("pointerup", (event) => {
    if (drag && event.pointerId === drag.pointerId) drop();
    else if (press && event.pointerId === press.pointerId) clearPress(); // a tap: it opens
  });

  document.addEventListener("pointercancel", (event) => {
    if (drag && event.pointerId === drag.pointerId) cancelDrag("Move cancelled.");
    else if (press && event.pointerId === press.pointerId) clearPress();
  });

  // Once a finger is moving a booking, the page must not scroll under it (the
  // grid scrolls itself near the edges). Not passive, so it can say so.
  document.addEventListener(
    "touchmove",
    (event) => {
      if (drag) event.preventDefault();
    },
    { passive: false },
  );

  // A long press would open the link's menu; a link's native drag would take the
  // pointer away; the click ending a drag would open the booking.
  grid.addEventListener("contextmenu", (event) => {
    if (drag || (press && !press.mouse)) event.preventDefault();
  });
  grid.addEventListener("dragstart", (event) => {
    if (drag || press || movable(event.target)) event.preventDefault();
  });
  document.addEventListener(
    "click",
    (event) => {
      if (!swallowClick) return;
      swallowClick = false;
      event.preventDefault();
      event.stopPropagation();
    },
    true,
  );

  // ---- keyboard -------------------------------------------------------------

  function startKeyMove(block) {
    const own = slotsOf(columnOf(block));
    const row = classNumber(block, "r");
    const start =
      own.find((slot) => classNumber(slot, "r") >= row) ??
      own.at(-1) ??
      [...grid.querySelectorAll("a.sched-slot")][0];
    if (!start) {
      say("There is no free time on this page to move it to.");
      return;
    }
    keyMove = { block, target: null };
    block.classList.add("dragging");
    grid.classList.add("moving");
    setTarget(keyMove, start);
    start.scrollIntoView({ block: "nearest", inline: "nearest" });
    say(
      `Moving ${nameOf(block)}. Up and down arrows: earlier or later; left and right: ` +
        `another column; Enter moves it; Escape cancels. ${describe(block, start)}.`,
    );
  }

  function endKeyMove(text) {
    keyMove.block.classList.remove("dragging");
    grid.classList.remove("moving");
    setTarget(keyMove, null);
    keyMove = null;
    if (text) say(text);
  }

  // The slot in the next column (step -1 or +1) at the same time, or the nearest
  // time it has; columns without free times (closed, away) are passed over.
  function besideSlot(slot, step) {
    const columns = [...grid.querySelectorAll("section.sched-col")];
    const row = classNumber(slot, "r");
    for (let i = columns.indexOf(columnOf(slot)) + step; i >= 0 && i < columns.length; i += step) {
      const slots = slotsOf(columns[i]);
      if (!slots.length) continue;
      const distance = (s) => Math.abs(classNumber(s, "r") - row);
      return slots.reduce((best, s) => (distance(s) < distance(best) ? s : best));
    }
    return null;
  }

  function nextSlot(slot, key) {
    if (key === "ArrowLeft" || key === "ArrowRight") {
      return besideSlot(slot, key === "ArrowLeft" ? -1 : 1);
    }
    const slots = slotsOf(columnOf(slot));
    const i = slots.indexOf(slot);
    return slots[key === "ArrowUp" ? i - 1 : i + 1] ?? null;
  }

  grid.addEventListener("keydown", (event) => {
    if (sent || drag || event.ctrlKey || event.altKey || event.metaKey) return;
    if (!keyMove) {
      const block = movable(event.target);
      if (block && event.target === block && event.key.toLowerCase() === "m") {
        event.preventDefault();
        startKeyMove(block);
      }
      return;
    }
    const { block, target } = keyMove;
    if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) {
      event.preventDefault();
      const next = nextSlot(target, event.key);
      if (!next) {
        say(`No free time further that way. ${describe(block, target)}.`);
        return;
      }
      setTarget(keyMove, next);
      next.scrollIntoView({ block: "nearest", inline: "nearest" });
      say(describe(block, next));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (isHere(block, target)) {
        say("That is its time now: choose another, or press Escape.");
        return;
      }
      endKeyMove("");
      post(block, target);
    } else if (event.key === "Escape" || event.key.toLowerCase() === "m") {
      event.preventDefault();
      endKeyMove("Move cancelled.");
    }
  });

  // Leaving the booking (Tab, a tap elsewhere) ends a keyboard move.
  grid.addEventListener("focusout", (event) => {
    if (keyMove && event.target === keyMove.block && !sent) endKeyMove("Move cancelled.");
  });

  document.addEventListener("keydown", (event) => {
    if (drag && event.key === "Escape") {
      event.preventDefault();
      cancelDrag("Move cancelled.");
    }
  });
}
