// The signals on every page: the unread counts in the navigation and the tab title, an
// incoming call's ring, and desktop notifications while the tab is in the background.
//
// The rooms page already holds a socket (chat.js) and re-broadcasts its events; any other
// page opens its own at `/ws/personal/`, which carries her personal events and no room's.
// Counts are read over HTTP after each (re)connection, after a notification, when the tab
// comes back to the front and every minute while it is in front (another page hears no
// group-room message live), so a missed event never leaves a wrong number for long. On the
// rooms page, messages and read positions update the "Rooms" count as they come.

import { LiveConnection } from "./live.js";

const RING_SECONDS = 30;
const REFRESH_MS = 60000;
const badge = document.querySelector("[data-notifications-unread]");
const roomsBadge = document.querySelector("[data-rooms-unread]");
const ringArea = document.querySelector("[data-ring-area]");
const ringTemplate = /** @type {HTMLTemplateElement | null} */ (document.getElementById("ring-template"));
const me = Number(document.body.dataset.userId || 0);
const baseTitle = document.title;
const SIGNAL_KINDS = new Set(["chat_mention", "chat_direct", "chat_reply", "call_started"]);

let notificationsUnread = badge ? Number(badge.querySelector("[data-count]").textContent) || 0 : 0;
let outsideRooms = 0; // unread notifications about no room (requests, events...)
/** @type {Map<number, number>} others' unread messages per room she has not muted */
let roomsUnread = new Map();
let roomsKnown = false;
/** @type {Map<number, {element: HTMLElement, id: number, timer: number}>} rings by room */
const rings = new Map();

function csrf() {
  const input = /** @type {HTMLInputElement | null} */ (document.querySelector("[name=csrfmiddlewaretoken]"));
  return input ? input.value : "";
}

function setBadge(element, count) {
  if (!element) return;
  element.querySelector("[data-count]").textContent = count > 99 ? "99+" : String(count);
  element.hidden = count === 0;
}

function roomsTotal() {
  let total = 0;
  for (const count of roomsUnread.values()) total += count;
  return total;
}

function show() {
  setBadge(badge, notificationsUnread);
  const rooms = roomsKnown ? roomsTotal() : Number(roomsBadge?.querySelector("[data-count]").textContent) || 0;
  if (roomsKnown) setBadge(roomsBadge, rooms);
  // Each unread thing once: her rooms' messages, then what is about no room.
  const total = rooms + outsideRooms;
  const dot = /** @type {HTMLElement | null} */ (document.querySelector("[data-nav-dot]"));
  if (dot) dot.hidden = total + notificationsUnread === 0;
  document.title = total > 0 ? `(${total > 99 ? "99+" : total}) ${baseTitle}` : baseTitle;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  return response.ok ? response.json() : null;
}

/** @type {Array<{id: number}>} the latest notifications read, in this page's language */
let latestNotes = [];

async function readCounts() {
  try {
    const [counts, notes, rooms] = await Promise.all([
      getJson("/api/v1/notifications/unread"), getJson("/api/v1/notifications"),
      getJson("/api/v1/rooms/unread")]);
    if (counts) {
      notificationsUnread = counts.unread;
      outsideRooms = counts.unread_outside_rooms;
    }
    if (notes) latestNotes = notes.results;
    if (rooms) {
      roomsUnread = new Map(Object.entries(rooms.rooms).map(([id, count]) => [Number(id), count]));
      roomsKnown = true;
    }
    show();
  } catch {
    // Offline: the next connection reads them again.
  }
}

let refreshing = null;
let refreshAgain = false;
/** Read the counts again; resolves once a read that started after this call is done. */
function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      await readCounts();
    } while (refreshAgain);
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** The notification as /api/v1/notifications writes it, in this page's language. */
async function inPageLanguage(notification) {
  await refresh();
  return latestNotes.find((n) => n.id === notification.id) || notification;
}

// --- The ring --------------------------------------------------------------------------------
function ringStop(roomId) {
  const ring = rings.get(roomId);
  if (!ring) return;
  clearTimeout(ring.timer);
  ring.element.remove();
  rings.delete(roomId);
}

function markRead(ids) {
  fetch("/api/v1/notifications/read", {
    method: "POST", body: JSON.stringify({ ids }),
    headers: { "X-CSRFToken": csrf(), Accept: "application/json", "Content-Type": "application/json" },
  }).catch(() => {});
}

function ring(notification) {
  if (!ringArea || !ringTemplate || notification.room_id === null) return;
  // On the room's own page its call panel already offers to join.
  if (location.pathname === `/rooms/${notification.room_id}/`) return;
  ringStop(notification.room_id);
  const element = /** @type {HTMLElement} */ (ringTemplate.content.firstElementChild.cloneNode(true));
  element.querySelector("[data-ring-text]").textContent = notification.text;
  const join = /** @type {HTMLAnchorElement} */ (element.querySelector("[data-ring-join]"));
  join.href = notification.url;
  element.querySelector("[data-ring-dismiss]").addEventListener("click", () => {
    ringStop(notification.room_id);
    markRead([notification.id]);
  });

  ringArea.append(element);
  const timer = window.setTimeout(() => ringStop(notification.room_id), RING_SECONDS * 1000);
  rings.set(notification.room_id, { element, id: notification.id, timer });
}

// --- Desktop notifications (asked for from the preferences page, never on load) -------------
function desktop(notification) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (!document.hidden || !SIGNAL_KINDS.has(notification.kind)) return;
  try {
    const shown = new Notification(document.title.replace(/^\(\S+\) /, ""), {
      body: notification.text, tag: `cohort-${notification.id}`,
    });
    shown.addEventListener("click", () => {
      window.focus();
      location.assign(notification.url || "/notifications/");
      shown.close();
    });
  } catch {
    // Some browsers allow them only from a service worker: the badge and the ring remain.
  }
}

// --- Events ---------------------------------------------------------------------------------
function handle(event) {
  switch (event.type) {
    case "notification.created":
      notificationsUnread = event.unread;
      if (event.notification.room_id === null) outsideRooms += 1;
      show();
      // The event's text is in the language of whoever caused it: read it in this page's
      // (the same read brings the Rooms count, which other pages hear no message for).
      inPageLanguage(event.notification).then((notification) => {
        if (notification.kind === "call_started") ring(notification);
        desktop(notification);
      });
      window.dispatchEvent(new CustomEvent("cohort:notification", { detail: event.notification }));
      break;
    case "notifications.read":
      notificationsUnread = event.unread;
      for (const [roomId, ringing] of rings) {
        if (event.ids === null || event.ids.includes(ringing.id)) ringStop(roomId);
      }
      show();
      refresh(); // how many are about no room
      break;
    case "rooms.read":
      if (roomsUnread.has(event.room_id)) {
        roomsUnread.set(event.room_id, event.unread);
        show();
      }
      break;
    case "chat.message.created":
      if (roomsKnown && roomsUnread.has(event.room_id) && event.message.author.id !== me) {
        roomsUnread.set(event.room_id, roomsUnread.get(event.room_id) + 1);
        show();
      }
      break;
    case "rooms.joined":
    case "rooms.removed":
    case "sync.done":
      refresh();
      break;
    default:
  }
}

function start() {
  if (document.documentElement.dataset.liveOwner) {
    window.addEventListener("cohort:live", (e) => handle(/** @type {CustomEvent} */ (e).detail));
  } else {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const live = new LiveConnection({
      url: `${scheme}://${location.host}/ws/personal/`,
      heldRevs: () => ({}),
      onState: () => {},
      onEvent: handle,
      onSendResult: () => {},
    });
    live.connect();
  }
  // The ring takes no focus (she may be typing): its live region reads it out, and
  // Escape dismisses it from anywhere but a field or an open dialog of the page's own.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !rings.size) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (!target.closest("[data-ring-area]") && target.closest("input, textarea, select, dialog, [role=dialog]")) return;
    const [roomId, newest] = [...rings.entries()].pop();
    ringStop(roomId);
    markRead([newest.id]);
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
  window.setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_MS);
  // The desktop-notification switch, where a page offers it (notification preferences).
  const ask = /** @type {HTMLButtonElement | null} */ (document.querySelector("[data-desktop-ask]"));
  const state = document.querySelector("[data-desktop-state]");
  if (ask && state) {
    const say = () => {
      const permission = "Notification" in window ? Notification.permission : "unsupported";
      state.textContent = state.dataset[permission] || "";
      ask.hidden = permission !== "default";
    };
    say();
    ask.addEventListener("click", async () => {
      await Notification.requestPermission();
      say();
    });
  }
}

// Module scripts run in document order: chat.js (if any) has marked the page by now.
if (badge) start();
