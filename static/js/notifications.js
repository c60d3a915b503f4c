// The unread count in the navigation, kept live on every page.
//
// The rooms page already holds a socket (chat.js) and re-broadcasts its events; any other
// page opens its own at `/ws/personal/`, which carries her personal events and no room's
// (the badge needs no message). After each (re)connection the count is read again over
// HTTP, so an event missed while offline never leaves a wrong number.

import { LiveConnection } from "./live.js";

const badge = document.querySelector("[data-notifications-unread]");

function show(count) {
  if (!badge) return;
  badge.querySelector("[data-count]").textContent = String(count);
  badge.hidden = count === 0;
}

async function refresh() {
  const response = await fetch("/api/notifications", { headers: { Accept: "application/json" } });
  if (response.ok) show((await response.json()).unread);
}

function handle(event) {
  if (event.type === "notification.created" || event.type === "notifications.read") {
    show(event.unread);
    if (event.type === "notification.created") {
      window.dispatchEvent(new CustomEvent("cohort:notification", { detail: event.notification }));
    }
  } else if (event.type === "sync.done") {
    refresh();
  }
}

function start() {
  if (document.documentElement.dataset.liveOwner) {
    window.addEventListener("cohort:live", (e) => handle(e.detail));
    return;
  }
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

// Module scripts run in document order: chat.js (if any) has marked the page by now.
if (badge) start();
