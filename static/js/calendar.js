// @ts-check
// The calendar pages (her agenda, a room's calendar, an event): what changes reaches the
// open page without a reload, and "Join call" appears when the call may be joined.
//
// The socket only rings the bell: on `calendar.changed` (and after every reconnect, which
// may have missed some) the page reads itself again and swaps the part that shows the
// calendar (#agenda, or the event's #event-details), keeping focus where it was. One polite
// live region says, once, that something changed. The server decides what is shown; the
// page only times the "Join call" button it was given (data-join-opens / -closes).

import { LiveConnection } from "./live.js";

/** @type {{user_id?: number, room_id?: number | null, event_id?: number}} */
const boot = JSON.parse(document.getElementById("calendar-boot")?.textContent || "{}");
const strings = /** @type {HTMLTemplateElement | null} */ (document.getElementById("calendar-i18n"));
const i18n = (/** @type {string} */ key) =>
  strings?.content.querySelector(`[data-key="${key}"]`)?.textContent || key;
const announcer = document.getElementById("calendar-live");
const PART = boot.event_id ? "event-details" : "agenda";

/** @param {string} text */
function announce(text) {
  if (!announcer) return;
  announcer.textContent = "";
  // A change of text is what screen readers announce: set it on the next frame.
  requestAnimationFrame(() => { announcer.textContent = text; });
}

// --- Join call ---------------------------------------------------------------------------
/** @type {number | undefined} */
let joinTimer;

/** Show each "Join call" between its opening and closing times; wake up for the next. */
function timeJoinButtons() {
  clearTimeout(joinTimer);
  const now = Date.now();
  let nextChange = Infinity;
  let opened = false;
  for (const button of document.querySelectorAll("[data-join-opens]")) {
    if (!(button instanceof HTMLElement)) continue;
    const opens = Date.parse(button.dataset.joinOpens || "");
    const closes = Date.parse(button.dataset.joinCloses || "");
    if (Number.isNaN(opens) || Number.isNaN(closes)) continue;
    const open = opens <= now && now < closes;
    if (open && button.hidden) opened = true;
    button.hidden = !open;
    const later = button.parentElement?.querySelector(".join-later");
    if (later instanceof HTMLElement) later.hidden = open;
    for (const moment of [opens, closes]) if (moment > now) nextChange = Math.min(nextChange, moment);
  }
  if (opened) announce(i18n("join-open"));
  // Timers drift while a laptop sleeps: look again at least every minute.
  if (nextChange !== Infinity) joinTimer = window.setTimeout(timeJoinButtons, Math.min(nextChange - now + 50, 60000));
}

// --- Refreshing in place -----------------------------------------------------------------
let reading = false;
let again = false;

/** Read the page again and swap its calendar part, keeping focus on the same control. */
async function refresh(/** @type {string} */ message) {
  if (reading) {
    again = true;
    return;
  }
  reading = true;
  try {
    const response = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (response.status === 404 && boot.event_id) {
      announce(i18n("cancelled"));
      document.getElementById(PART)?.classList.add("gone");
      return;
    }
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const now = document.getElementById(PART);
    const next = fresh.getElementById(PART);
    if (!now || !next) return;
    const focused = document.activeElement;
    const focusKey = focused && now.contains(focused) ? focusPath(focused) : null;
    const replacement = /** @type {HTMLElement} */ (document.importNode(next, true));
    now.replaceWith(replacement);
    if (focusKey) restoreFocus(replacement, focusKey);
    timeJoinButtons();
    if (message) announce(message);
  } finally {
    reading = false;
    if (again) {
      again = false;
      refresh("");
    }
  }
}

/** A way to find the same control in the new part: its id, or its href / name and value. */
function focusPath(/** @type {Element} */ element) {
  if (element.id) return `#${CSS.escape(element.id)}`;
  if (element instanceof HTMLAnchorElement) return `a[href="${CSS.escape(element.getAttribute("href") || "")}"]`;
  if (element instanceof HTMLButtonElement && element.name) {
    return `button[name="${CSS.escape(element.name)}"][value="${CSS.escape(element.value)}"]`;
  }
  return null;
}

function restoreFocus(/** @type {HTMLElement} */ part, /** @type {string} */ selector) {
  const target = part.querySelector(selector);
  if (target instanceof HTMLElement) {
    target.focus();
  } else {
    part.setAttribute("tabindex", "-1");
    part.focus();
  }
}

// --- The socket ----------------------------------------------------------------------------
/** @param {any} event */
function handle(event) {
  if (event.type === "calendar.changed") {
    if (boot.room_id && event.room_id !== boot.room_id) return;
    if (boot.event_id && event.event && event.event.id !== boot.event_id) return;
    refresh(i18n(boot.event_id ? "event-changed" : "changed"));
  } else if (event.type === "sync.done" && connectedOnce) {
    refresh(""); // back after a break: read what may have been missed
  } else if (event.type === "rooms.removed" || event.type === "rooms.joined") {
    refresh(i18n("changed"));
  }
  if (event.type === "sync.done") connectedOnce = true;
}

let connectedOnce = false;

// Buttons that cancel ask first (their question in `data-confirm`); one listener for the
// whole page, so parts read again keep it.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (button instanceof HTMLElement && !window.confirm(button.dataset.confirm || "")) {
    event.preventDefault();
  }
});

timeJoinButtons();
if (document.getElementById(PART)) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const live = new LiveConnection({
    url: `${scheme}://${location.host}/ws/`,
    heldRevs: () => ({}), // every room she is in is followed from now on
    onState: () => {},
    onSendResult: () => {},
    onEvent: (/** @type {any} */ event) => {
      // notifications.js follows this page's socket instead of opening its own.
      window.dispatchEvent(new CustomEvent("cohort:live", { detail: event }));
      handle(event);
    },
  });
  document.documentElement.dataset.liveOwner = "calendar";
  live.connect();
}
