// Session timeout: warn before the session ends, keep it alive while the user works.
//
// The server ends a session after SESSION_IDLE_TIMEOUT without a request and
// SESSION_ABSOLUTE_LIFETIME after sign-in. This page learns both from data-
// attributes on <body>. Typing or tapping on the page counts as activity and is
// reported (at most once a minute), so a long form being filled in is never
// lost to the idle timeout. Before the end a dialog offers "Stay signed in";
// other tabs' activity is respected by asking the server before warning.

const body = document.body;
const statusUrl = body.dataset.sessionStatusUrl;
const keepaliveUrl = body.dataset.sessionKeepaliveUrl;
const warningSeconds = Number(body.dataset.sessionWarning || 120);
// Server time minus our clock, so a wrong tablet clock does not matter.
const skew = Number(body.dataset.sessionNow) * 1000 - Date.now();
let endsAt = Number(body.dataset.sessionEnds) * 1000;
const absoluteEndsAt = Number(body.dataset.sessionAbsoluteEnds) * 1000;
let lastKeepalive = Date.now();
let warnTimer = null;
let endTimer = null;
let tick = null;

const now = () => Date.now() + skew;

function banner() {
  let el = document.getElementById("session-warning");
  if (el) return el;
  el = document.createElement("div");
  el.id = "session-warning";
  el.className = "alert alert-warning shadow session-warning";
  el.setAttribute("role", "alertdialog");
  el.setAttribute("aria-live", "assertive");
  el.dataset.testid = "session-warning";
  const text = document.createElement("span");
  text.className = "session-warning-text flex-grow-1";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-primary";
  button.textContent = "Stay signed in";
  button.addEventListener("click", () => keepalive(true));
  const row = document.createElement("div");
  row.className = "d-flex flex-wrap align-items-center gap-3";
  row.append(text, button);
  el.append(row);
  el.hidden = true;
  document.body.append(el);
  return el;
}

function render() {
  const el = banner();
  const left = Math.max(0, Math.round((endsAt - now()) / 1000));
  const mm = Math.floor(left / 60);
  const ss = String(left % 60).padStart(2, "0");
  const absolute = endsAt >= absoluteEndsAt;
  el.querySelector(".session-warning-text").textContent = absolute
    ? `Your session reaches its maximum length in ${mm}:${ss}. Save your work; you will need to sign in again.`
    : `You will be signed out in ${mm}:${ss} because of inactivity. Unsaved changes on this page would be lost.`;
  el.querySelector("button").hidden = absolute;
}

function showWarning() {
  banner().hidden = false;
  render();
  clearInterval(tick);
  tick = setInterval(render, 1000);
}

function hideWarning() {
  if (tick) clearInterval(tick);
  tick = null;
  const el = document.getElementById("session-warning");
  if (el) el.hidden = true;
}

function schedule() {
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  const untilEnd = endsAt - now();
  warnTimer = setTimeout(checkThenWarn, Math.max(0, untilEnd - warningSeconds * 1000));
  endTimer = setTimeout(checkThenEnd, Math.max(0, untilEnd + 1000));
}

function update(data) {
  if (data && data.ends_at) {
    endsAt = data.ends_at * 1000;
    if (endsAt - now() > warningSeconds * 1000) hideWarning();
    schedule();
  }
}

async function status() {
  const response = await fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok || !response.headers.get("content-type")?.includes("json")) return null;
  return response.json();
}

async function checkThenWarn() {
  try {
    const data = await status();
    if (data && data.ends_at * 1000 - now() > warningSeconds * 1000) return update(data);
  } catch (err) {
    // Offline: warn on our own clock.
  }
  showWarning();
}

async function checkThenEnd() {
  try {
    const data = await status();
    if (data && data.ends_at && data.ends_at * 1000 > now()) return update(data);
  } catch (err) {
    // fall through: reload shows the sign-in page with the reason.
  }
  window.location.reload();
}

async function keepalive(force) {
  if (!force && Date.now() - lastKeepalive < 60_000) return;
  lastKeepalive = Date.now();
  try {
    const response = await fetch(keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": body.dataset.csrf, Accept: "application/json" },
    });
    if (response.ok) update(await response.json());
  } catch (err) {
    // The next activity tries again.
  }
}

for (const name of ["keydown", "input", "pointerdown", "change"]) {
  document.addEventListener(name, () => keepalive(false), { passive: true });
}
schedule();
