// The rooms page: room list with badges, the chat pane, members with presence.
// The browser sends intents and shows what the server sends: message HTML comes
// sanitised from the server; everything else is set as text.
//
// The message list is updated per message (inserted, replaced or removed by id), never
// redrawn whole: an edit in progress, an open reaction picker and the keyboard focus stay
// while messages arrive. It is not a live region: each new message from someone else is
// announced once, in a few words, by a hidden polite region of its own. It is one tab
// stop (a roving tabindex): the arrows move between messages and into a message's links
// and actions, Escape comes back.

import { LiveConnection } from "./live.js";
import { setupCall } from "./call.js";
import { setupAttachments } from "./attach.js";

document.documentElement.dataset.liveOwner = "chat";
const boot = JSON.parse(document.getElementById("chat-boot").textContent);
const me = boot.user;
const strings = {};
for (const span of document.getElementById("i18n").content.querySelectorAll("[data-key]")) {
  strings[span.dataset.key] = span.textContent;
}
const t = (key, values = {}) =>
  (strings[key] || key).replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");

const REACTIONS = ["👍", "❤️", "🎉", "😂", "😮", "🙏"];
const PAGE = 50;

// --- State ---------------------------------------------------------------------------
const rooms = new Map(boot.rooms.map((room) => [room.id, { ...room }]));
const openRoomId = boot.room_id;
const messages = new Map(); // id -> payload, for the open room
const pendingByClientId = new Map(); // client_id -> {text, reply_to, error}
let members = boot.members;
let heldRev = null; // the rev up to which the open room's changes are applied
let oldestSeq = null;
let hasOlder = true;
let hasNewer = false;
let loadingOlder = false;
let replyTo = null;
const typing = new Map(); // user_id -> {name, until}
let unreadLineAt = null; // the read position the "new messages" line is drawn after
const announced = new Set(); // ids of the messages read out already
// Authors whose messages show folded, each with "Show anyway" (the members she blocked,
// in a group room: the server says whether this room folds them and whom, at load and
// in `blocks.changed`); and the messages she chose to see anyway.
let collapsedAuthors = new Set(boot.collapse_blocked ? boot.blocked : []);
const revealed = new Set();

// --- Elements ------------------------------------------------------------------------
const $ = (id) => document.getElementById(id);
const list = $("messages");
const scroller = $("message-scroller");
const composer = $("composer");
const textarea = $("composer-text");
const stateEl = $("connection-state");
const announcer = $("chat-announcer");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== false && value != null) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// --- Connection ----------------------------------------------------------------------
const scheme = location.protocol === "https:" ? "wss" : "ws";
const live = new LiveConnection({
  url: `${scheme}://${location.host}/ws/`,
  heldRevs: () => (openRoomId && heldRev !== null ? { [openRoomId]: heldRev } : {}),
  onState: (state) => {
    if (state !== "connected" && call) call.disconnected();
    stateEl.dataset.state = state;
    stateEl.textContent = t(state === "connected" ? "connected" : state === "connecting" ? "connecting" : "reconnecting");
  },
  onEvent: (event) => {
    handleEvent(event);
    if (call && (event.type.startsWith("call.") || event.type === "sync.done")) call.handleEvent(event);
    // notifications.js follows this page's socket instead of opening its own.
    window.dispatchEvent(new CustomEvent("cohort:live", { detail: event }));
  },
  onSendResult: (clientId, frame) => {
    const pending = pendingByClientId.get(clientId);
    if (!pending) return;
    if (frame.type === "ack") {
      pendingByClientId.delete(clientId);
      dropPending(clientId);
    } else if (frame.code !== "rate_limited") {
      pending.error = frame.detail;
      placePending(clientId, pending);
    }
  },
});
const call = openRoomId && document.getElementById("call-panel")
  ? setupCall({ live, roomId: openRoomId, me, t, initialCall: boot.call, canJoin: boot.can_call,
    autoJoin: location.hash === "#call", photo: boot.call_photo })
  : null;
live.connect();

function handleEvent(event) {
  // Every numbered event of the open room (a message, a call's change) moves what we hold:
  // the next `sync` and the heartbeat compare against it.
  if (typeof event.rev === "number" && event.room_id === openRoomId && heldRev !== null
      && event.type !== "chat.reset") {
    heldRev = Math.max(heldRev, event.rev);
  }
  switch (event.type) {
    case "sync.done":
      for (const state of event.rooms) updateRoom(state.room_id, state);
      if (openRoomId && heldRev === null) openRoom(event.rooms.find((r) => r.room_id === openRoomId));
      break;
    case "chat.message.created":
    case "chat.message.updated":
    case "chat.message.hidden":
      applyMessage(event);
      break;
    case "chat.reset":
      if (event.room_id === openRoomId) {
        heldRev = event.rev;
        clearMessages();
        loadLatest();
      }
      break;
    case "rooms.read":
      updateRoom(event.room_id, event);
      break;
    case "notify.mention":
      if (event.room_id !== openRoomId || document.hidden) {
        const room = rooms.get(event.room_id);
        if (room) updateRoom(event.room_id, { mentions: (room.mentions || 0) + 1 });
      }
      break;
    case "chat.typing":
      if (event.room_id === openRoomId && event.user_id !== me.id) {
        typing.set(event.user_id, { name: event.name, until: Date.now() + 5000 });
        renderTyping();
      }
      break;
    case "presence.changed":
      if (event.room_id === openRoomId) {
        const member = members.find((m) => m.id === event.user_id);
        if (member) member.status = event.status;
        renderMembers();
      }
      break;
    case "blocks.changed":
      setBlocked(event.blocked);
      break;
    case "rooms.removed":
      if (event.room_id === openRoomId) location.assign("/rooms/");
      else removeRoomLink(event.room_id);
      break;
    case "rooms.joined":
    case "rooms.member.changed":
    case "rooms.archived":
      if (event.room_id === openRoomId && event.type !== "rooms.joined") refreshMembers();
      if (event.type !== "rooms.member.changed") refreshRoomList();
      break;
    default:
      break;
  }
}

// --- Room list -----------------------------------------------------------------------
function updateRoom(roomId, changes) {
  const room = rooms.get(roomId);
  if (!room) return;
  Object.assign(room, changes);
  const link = document.querySelector(`#room-list a[data-room-id="${roomId}"]`);
  if (!link) return;
  const unread = link.querySelector(".unread-badge");
  const mention = link.querySelector(".mention-badge");
  unread.textContent = String(room.unread || 0);
  unread.hidden = !room.unread;
  mention.textContent = `@${room.mentions || 0}`;
  mention.hidden = !room.mentions;
}

function removeRoomLink(roomId) {
  rooms.delete(roomId);
  const link = document.querySelector(`#room-list a[data-room-id="${roomId}"]`);
  if (link) link.closest("li").remove();
}

/**
 * Every item of a list of the API (/api/v1/), following its pages; null if one fails.
 * @param {string} url
 * @returns {Promise<Array<any> | null>}
 */
async function allPages(url) {
  const items = [];
  for (let next = url; next;) {
    const response = await fetch(next, { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const page = await response.json();
    items.push(...page.results);
    next = page.next;
  }
  return items;
}

async function refreshRoomList() {
  const found = await allPages("/api/v1/rooms?page_size=200");
  if (!found) return;
  const listEl = $("room-list");
  for (const room of found) {
    if (!rooms.has(room.id)) {
      rooms.set(room.id, room);
      const link = el("a", { href: `/rooms/${room.id}/`, "data-room-id": room.id },
        el("span", { class: "room-title", text: room.title }),
        el("span", { class: "badges" },
          el("span", { class: "badge mention-badge", hidden: true }),
          el("span", { class: "badge unread-badge", hidden: true })));
      listEl.prepend(el("li", {}, link));
    }
    updateRoom(room.id, room);
  }
}

// --- The open room -------------------------------------------------------------------
function openRoom(state) {
  if (!state) return;
  heldRev = state.last_rev;
  renderMembers();
  const firstUnread = state.last_read_seq + 1;
  // A link to one message (a search result: `#message-<seq>`) opens the room there.
  const wanted = /^#message-(\d+)$/.exec(location.hash);
  (wanted ? showMessage(Number(wanted[1])) : loadLatest()).then(() => {
    if (state.unread && (oldestSeq === null || firstUnread < oldestSeq)) {
      const jump = $("jump-unread");
      jump.hidden = false;
      jump.onclick = () => jumpTo(state.last_read_seq);
    }
    if (state.unread) markUnreadLine(state.last_read_seq);
    markReadSoon(); // opening the room reads what she sees (and what told her of it)
  });
}

async function history(params) {
  return live.request({ type: "chat.history", room_id: openRoomId, limit: PAGE, ...params });
}

async function loadLatest() {
  const result = await history({});
  for (const message of result.messages) upsert(message);
  hasOlder = result.messages.length === PAGE;
  hasNewer = false;
  placed();
  scrollToBottom();
}

async function loadOlder() {
  if (loadingOlder || !hasOlder || oldestSeq === null) return;
  loadingOlder = true;
  const status = $("history-state");
  status.hidden = false;
  status.textContent = t("loading");
  const before = scroller.scrollHeight - scroller.scrollTop;
  try {
    const result = await history({ before_seq: oldestSeq });
    for (const message of result.messages) upsert(message);
    hasOlder = result.messages.length === PAGE;
    placed();
    scroller.scrollTop = scroller.scrollHeight - before;
  } finally {
    loadingOlder = false;
    status.hidden = hasOlder;
    status.textContent = hasOlder ? "" : t("start");
    if (!hasOlder) status.hidden = false;
  }
}

async function loadNewer() {
  if (!hasNewer) return;
  const newest = Math.max(...[...messages.values()].map((m) => m.seq));
  const result = await history({ after_seq: newest });
  for (const message of result.messages) upsert(message);
  hasNewer = result.messages.length === PAGE;
  placed();
}

async function jumpTo(lastReadSeq) {
  clearMessages();
  const result = await history({ after_seq: Math.max(0, lastReadSeq - 3) });
  for (const message of result.messages) upsert(message);
  hasOlder = true;
  hasNewer = result.messages.length === PAGE;
  $("jump-unread").hidden = true;
  placed();
  markUnreadLine(lastReadSeq);
  const first = list.querySelector(".unread-line");
  if (first) first.scrollIntoView({ block: "start" });
}

// The messages around one, that one shown in the middle and marked.
async function showMessage(seq) {
  clearMessages();
  const result = await history({ after_seq: Math.max(0, seq - 10) });
  for (const message of result.messages) upsert(message);
  hasOlder = seq > 10;
  hasNewer = result.messages.length === PAGE;
  placed();
  const item = list.querySelector(`li[data-seq="${seq}"]`);
  if (item) {
    item.classList.add("found");
    makeCurrent(item);
    item.scrollIntoView({ block: "center" });
  } else {
    scrollToBottom();
  }
}

// Keep `message` and show it: its item inserted in seq order, or updated in place.
function upsert(message) {
  const known = messages.get(message.id);
  if (known && known.rev >= message.rev) return false;
  messages.set(message.id, message);
  if (message.author.id === me.id && pendingByClientId.delete(message.client_id)) {
    dropPending(message.client_id);
  }
  oldestSeq = oldestSeq === null ? message.seq : Math.min(oldestSeq, message.seq);
  place(message);
  return true;
}

function clearMessages() {
  messages.clear();
  oldestSeq = null;
  if (list) for (const item of list.querySelectorAll("li.message[data-seq]")) item.remove();
}

function applyMessage(event) {
  const room = rooms.get(event.room_id);
  if (room && event.type === "chat.message.created") {
    room.last_seq = Math.max(room.last_seq || 0, event.message.seq);
    const unseen = event.message.author.id !== me.id && event.message.seq > (room.last_read_seq || 0);
    const watching = event.room_id === openRoomId && !document.hidden && atBottom();
    if (unseen && !watching) updateRoom(event.room_id, { unread: (room.unread || 0) + 1 });
  }
  if (event.room_id !== openRoomId) return;
  heldRev = Math.max(heldRev ?? 0, event.rev);
  if (typing.delete(event.message.author.id)) renderTyping();
  if (hasNewer && event.type === "chat.message.created") { // shown when scrolled there
    announce(event.message);
    return;
  }
  const stick = atBottom();
  if (upsert(event.message)) {
    placed();
    if (stick) scrollToBottom();
  }
  if (event.type === "chat.message.created") announce(event.message);
  markReadSoon();
}

// --- Rendering -----------------------------------------------------------------------
/**
 * The time of a message in the page's language, not the browser's: a French page reads
 * 14:05, an English one 2:05 PM.
 * @param {string} iso
 */
function timeOf(iso) {
  const lang = document.documentElement.lang || undefined;
  return new Date(iso).toLocaleTimeString(lang, { hour: "numeric", minute: "2-digit" });
}

const itemOf = (id) => document.getElementById(`m-${id}`);

const isFolded = (message) =>
  !message.deleted && collapsedAuthors.has(message.author.id) && !revealed.has(message.id);

// She blocked or unblocked someone (in this tab or another): fold or unfold their messages.
function setBlocked(blocked) {
  const before = collapsedAuthors;
  collapsedAuthors = new Set(boot.collapse_blocked ? blocked : []);
  for (const message of messages.values()) {
    if (before.has(message.author.id) !== collapsedAuthors.has(message.author.id)) place(message);
  }
}

function showAnyway(messageId) {
  const message = messages.get(messageId);
  if (!message) return;
  revealed.add(messageId);
  place(message);
  const item = itemOf(messageId);
  if (item) focusItem(item);
}

function renderBody(message) {
  const body = el("div", { class: "body" });
  if (message.deleted) {
    body.textContent = t({ moderator: "deleted-by-moderator", hidden: "hidden-by-moderator" }[message.deleted_by] || "deleted");
  } else {
    body.innerHTML = message.html; // sanitised by the server (bleach allow-list)
  }
  return body;
}

// Her role, from the server (never from the name she typed): a badge apart from the name.
function roleBadge(badge) {
  if (badge !== "mentor" && badge !== "admin" && badge !== "bot") return null;
  return el("span", { class: `badge role-badge role-${badge}`, text: t(`badge-${badge}`) });
}

// The parts of a message's item, in order. Each control carries `data-key`, so that the
// focus stays on "the same" control when the item is updated.
function renderParts(message) {
  if (isFolded(message)) {
    const parts = [el("p", { class: "folded" },
      el("span", { class: "muted", text: t("folded") }), " ",
      el("button", { type: "button", class: "link show-anyway", "data-key": "show-anyway",
        text: t("show-anyway"), onclick: () => showAnyway(message.id) }))];
    for (const control of parts[0].querySelectorAll("button")) control.tabIndex = -1;
    return parts;
  }
  const mine = message.author.id === me.id;
  const room = rooms.get(openRoomId) || {};
  const parts = [el("div", { class: "meta" },
    el("strong", { class: "author", text: message.notice ? t("notice") : (message.author.name || t("former")) }), " ",
    roleBadge(message.author.badge),
    el("time", { datetime: message.created_at, text: timeOf(message.created_at) }),
    message.edited_at && !message.deleted ? el("span", { class: "edited", text: ` (${t("edited")})` }) : null)];
  if (message.reply_to) {
    parts.push(el("p", { class: "reply-quote" },
      el("strong", { text: message.reply_to.author_name || t("former") }), ` ${message.reply_to.excerpt}`));
  }
  parts.push(renderBody(message));
  if (message.reactions.length) {
    const bar = el("div", { class: "reactions" });
    for (const reaction of message.reactions) {
      const pressed = reaction.user_ids.includes(me.id);
      bar.append(el("button", { type: "button", class: "reaction", "aria-pressed": String(pressed),
        "data-key": `reaction:${reaction.emoji}`, text: `${reaction.emoji} ${reaction.count}`,
        onclick: () => react(message.id, reaction.emoji, !pressed) }));
    }
    parts.push(bar);
  }
  // A notice from the server (break-glass access) is nobody's words: no reply, reaction,
  // edit or deletion.
  if (!message.deleted && !message.notice && room.can_post) {
    const actions = el("div", { class: "message-actions" },
      el("button", { type: "button", class: "link", "data-key": "reply", text: t("reply"),
        onclick: () => startReply(message.id) }),
      el("button", { type: "button", class: "link react-button", "data-key": "react", text: t("react"),
        "aria-expanded": "false", onclick: (event) => togglePalette(event.currentTarget, message.id) }));
    if (mine) {
      actions.append(el("button", { type: "button", class: "link", "data-key": "edit", text: t("edit"),
        onclick: () => startEdit(message.id) }));
    }
    if (mine || room.can_delete_others) {
      actions.append(el("button", { type: "button", class: "link", "data-key": "delete", text: t("delete"),
        onclick: () => remove(message.id) }));
    }
    parts.push(actions);
  }
  if (!message.deleted && !mine && !message.notice && message.author.id) {
    // Reporting needs no right to post: a member muted or blocked may still report.
    const report = el("a", { class: "report-link", "data-key": "report", text: t("report"),
      href: `/report/message/${message.id}/` });
    const actions = parts.find((part) => part.classList.contains("message-actions"));
    if (actions) actions.append(report);
    else parts.push(el("div", { class: "message-actions" }, report));
  }
  // One tab stop for the whole list: what is inside a message is reached with the arrows.
  for (const part of parts) {
    for (const control of part.querySelectorAll("a[href], button, input, select, textarea")) {
      control.tabIndex = -1;
    }
  }
  return parts;
}

// Insert the item of `message` in seq order (before the messages being sent), or update
// its item in place: an edit in progress and an open picker in it are kept (unless the
// message is gone), and so is the focus.
function place(message) {
  if (!list) return;
  let item = itemOf(message.id);
  const fresh = !item;
  if (fresh) {
    item = el("li", { id: `m-${message.id}`, tabindex: "-1" });
    const after = [...list.querySelectorAll("li.message")].find((other) =>
      !other.dataset.seq || Number(other.dataset.seq) > message.seq);
    list.insertBefore(item, after || null);
  }
  item.className = `message${message.author.id === me.id ? " mine" : ""}${message.deleted ? " deleted" : ""}${message.notice ? " notice" : ""}${isFolded(message) ? " collapsed" : ""}`
    + (fresh ? "" : [...item.classList].filter((c) => c === "found" || c === "unread-line").map((c) => ` ${c}`).join(""));
  item.dataset.seq = message.seq;
  const focused = item.contains(document.activeElement) && document.activeElement !== item
    ? document.activeElement : null;
  const focusKey = focused && focused.dataset.key;
  const editing = item.querySelector(":scope > .body.editing");
  const keepEditor = editing && !message.deleted && !(message.rev >= Number(editing.dataset.closeAtRev || Infinity));
  const palette = message.deleted ? null : item.querySelector(":scope > .palette");
  const parts = renderParts(message);
  if (keepEditor) parts[parts.findIndex((part) => part.classList.contains("body"))] = editing;
  if (palette) {
    parts.push(palette);
    const button = parts.find((part) => part.classList.contains("message-actions"))?.querySelector(".react-button");
    if (button) button.setAttribute("aria-expanded", "true");
  }
  // Only what changed hands leaves the item: the kept editor and picker never do.
  for (const child of [...item.children]) if (!parts.includes(child)) child.remove();
  parts.forEach((part, index) => {
    if (item.children[index] !== part) item.insertBefore(part, item.children[index] || null);
  });
  if (focused && !item.contains(focused)) {
    const again = focusKey && item.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
    (again || item).focus();
  }
}

function renderPending(clientId, pending) {
  return el("li", { class: "message mine pending", "data-client-id": clientId, tabindex: "-1" },
    el("div", { class: "meta" }, el("strong", { class: "author", text: me.name }), " ",
      el("span", { class: pending.error ? "error" : "muted", text: pending.error ? `${t("failed")} ${pending.error}` : t("sending") })),
    el("div", { class: "body", text: pending.text }));
}

const pendingItem = (clientId) =>
  list && [...list.querySelectorAll("li.pending")].find((item) => item.dataset.clientId === clientId);

function placePending(clientId, pending) {
  if (!list) return;
  const item = renderPending(clientId, pending);
  const old = pendingItem(clientId);
  if (old) old.replaceWith(item);
  else list.append(item);
  placed();
}

function dropPending(clientId) {
  const item = pendingItem(clientId);
  if (!item) return;
  const hadFocus = item.contains(document.activeElement);
  item.remove();
  placed();
  if (hadFocus) currentItem()?.focus();
}

// After items were placed: the "new messages" line, and one message the Tab key lands on.
function placed() {
  if (!list) return;
  if (unreadLineAt !== null) markUnreadLine(unreadLineAt);
  const items = list.querySelectorAll("li.message");
  const current = currentItem();
  if (!current && items.length) makeCurrent(items[items.length - 1]);
  // While she is elsewhere on the page, Tab comes back to the newest message.
  else if (current && !list.contains(document.activeElement) && current.dataset.latest) {
    makeCurrent(items[items.length - 1]);
  }
}

function currentItem() {
  return list && list.querySelector("li.message[tabindex='0']");
}

function makeCurrent(item) {
  for (const other of list.querySelectorAll("li.message[tabindex='0']")) {
    if (other !== item) {
      other.tabIndex = -1;
      delete other.dataset.latest;
    }
  }
  item.tabIndex = 0;
  const items = list.querySelectorAll("li.message");
  if (item === items[items.length - 1]) item.dataset.latest = "true";
  else delete item.dataset.latest;
}

function markUnreadLine(lastReadSeq) {
  unreadLineAt = lastReadSeq;
  const first = [...list.querySelectorAll(".message[data-seq]")]
    .find((item) => Number(item.dataset.seq) > lastReadSeq && !item.classList.contains("mine"));
  for (const old of list.querySelectorAll(".unread-line")) if (old !== first) old.classList.remove("unread-line");
  if (first) {
    first.classList.add("unread-line");
    first.dataset.label = t("new-messages");
  }
}

// A new message from someone else, read out once: "Nadia: the start of it…".
function announce(message) {
  if (!announcer || message.author.id === me.id || message.deleted || isFolded(message)
      || announced.has(message.id)) return;
  announced.add(message.id);
  const holder = document.createElement("template");
  holder.innerHTML = message.html; // sanitised by the server; never attached to the page
  let text = holder.content.textContent.replace(/\s+/g, " ").trim();
  if (text.length > 120) text = `${text.slice(0, 119)}…`;
  const name = message.notice ? t("notice") : (message.author.name || t("former"));
  announcer.append(el("p", { text: t("announce", { name, text }) }));
  // Older lines are dropped (a removal is not read out), so the region stays small.
  while (announcer.childElementCount > 3) announcer.firstElementChild.remove();
}

function renderMembers() {
  const holder = $("members");
  if (!holder) return;
  holder.replaceChildren(...members.map((member) => el("li", { class: "member" },
    el("span", { class: `presence ${member.status}`, "aria-hidden": "true" }),
    el("a", { href: `/people/${member.id}/`, text: member.name }),
    el("span", { class: "visually-hidden", text: ` (${t(member.status)})` }))));
}

async function refreshMembers() {
  const found = await allPages(`/api/v1/rooms/${openRoomId}/members?page_size=200`);
  if (found) {
    members = found.sort((a, b) => a.name.localeCompare(b.name));
    renderMembers();
  }
}

// Written only when it changes: it is a live region, and the room list page has none.
function renderTyping() {
  const holder = $("typing");
  if (!holder) return;
  const now = Date.now();
  for (const [id, entry] of typing) if (entry.until < now) typing.delete(id);
  const names = [...typing.values()].map((entry) => entry.name);
  const text = names.length === 0 ? "" : names.length === 1 ? t("typing-one", { name: names[0] }) : t("typing-many");
  if (holder.textContent !== text) holder.textContent = text;
}
if (openRoomId) setInterval(renderTyping, 1000);

// --- Scrolling and read state --------------------------------------------------------
function atBottom() {
  return scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
}

function scrollToBottom() {
  if (scroller) scroller.scrollTop = scroller.scrollHeight;
}

let readTimer = null;
function markReadSoon() {
  clearTimeout(readTimer);
  readTimer = setTimeout(markRead, 400);
}

function markRead() {
  if (!openRoomId || document.hidden || !atBottom() || hasNewer) return;
  const room = rooms.get(openRoomId);
  const newest = Math.max(0, ...[...messages.values()].map((m) => m.seq));
  if (room && newest > (room.last_read_seq || 0)) {
    live.request({ type: "chat.read", room_id: openRoomId, seq: newest }).catch(() => {});
  }
}

if (scroller) {
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 80) loadOlder();
    if (atBottom()) {
      loadNewer();
      markReadSoon();
    }
  });
}
document.addEventListener("visibilitychange", () => {
  live.send({ type: "presence.set", state: document.hidden ? "idle" : "active" });
  if (!document.hidden) markReadSoon();
});

// --- Writing -------------------------------------------------------------------------
function newClientId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function startReply(messageId) {
  const message = messages.get(messageId);
  if (!message || !textarea) return;
  replyTo = message;
  $("replying").hidden = false;
  $("replying-text").textContent = `${t("replying-to")} ${message.author.name || t("former")}: ${message.text.slice(0, 80)}`;
  textarea.focus();
}

function cancelReply() {
  replyTo = null;
  $("replying").hidden = true;
}

// The editor takes the place of the message's body until it is saved (the body then
// shows the saved text when its event arrives) or cancelled; nothing else touches it.
function startEdit(messageId) {
  const item = itemOf(messageId);
  const message = messages.get(messageId);
  if (!item || !message) return;
  const open = item.querySelector(":scope > .body.editing");
  if (open) {
    open.querySelector("textarea").focus();
    return;
  }
  const editor = el("textarea", { class: "edit-text", rows: 3, "aria-label": t("edit") });
  editor.value = message.text;
  const editing = el("div", { class: "body editing" });
  const close = () => {
    const latest = messages.get(messageId);
    if (!editing.isConnected || !latest) return;
    const hadFocus = editing.contains(document.activeElement);
    editing.replaceWith(renderBody(latest));
    if (hadFocus) item.focus();
  };
  const save = async () => {
    try {
      const result = await live.request({ type: "chat.edit", message_id: messageId, text: editor.value });
      // Closed by the edit's own event: the saved text replaces the editor at once.
      if ((messages.get(messageId)?.rev ?? 0) >= result.rev) close();
      else editing.dataset.closeAtRev = String(result.rev);
    } catch (error) {
      alert(error.detail || error.code);
    }
  };
  editing.append(editor, el("div", { class: "actions" },
    el("button", { type: "button", class: "primary", text: t("save"), onclick: save }),
    el("button", { type: "button", text: t("cancel"), onclick: close })));
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  item.querySelector(":scope > .body").replaceWith(editing);
  editor.focus();
}

async function remove(messageId) {
  if (!confirm(t("confirm-delete"))) return;
  try {
    await live.request({ type: "chat.delete", message_id: messageId });
  } catch (error) {
    alert(error.detail || error.code);
  }
}

async function react(messageId, emoji, on) {
  try {
    await live.request({ type: "chat.react", message_id: messageId, emoji, on });
  } catch (error) {
    alert(error.detail || error.code);
  }
}

// The reaction picker of one message at a time. Escape, a choice or a click elsewhere
// closes it; the first two give the focus back to its React button.
function togglePalette(button, messageId) {
  const item = button.closest(".message");
  const open = Boolean(item.querySelector(":scope > .palette"));
  closePalettes(false);
  if (open) return;
  const palette = el("div", { class: "palette", role: "group", "aria-label": t("react") },
    ...REACTIONS.map((emoji) => el("button", { type: "button", text: emoji, "aria-label": emoji,
      onclick: () => {
        closePalettes(true);
        react(messageId, emoji, true);
      } })));
  palette.addEventListener("keydown", (event) => {
    const choices = [...palette.querySelectorAll("button")];
    const at = choices.indexOf(document.activeElement);
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      event.stopPropagation();
      choices[(at + (event.key === "ArrowRight" ? 1 : -1) + choices.length) % choices.length].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closePalettes(true);
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.stopPropagation(); // the picker keeps the focus; the list does not move
    }
  });
  // Tabbing out of it closes it too (its own React button toggles it itself).
  palette.addEventListener("focusout", (event) => {
    const to = event.relatedTarget;
    if (to && !palette.contains(to) && !to.matches(".react-button")) closePalettes(false);
  });
  item.append(palette);
  item.querySelector(".react-button").setAttribute("aria-expanded", "true");
  palette.querySelector("button").focus();
}

function closePalettes(returnFocus) {
  for (const palette of document.querySelectorAll(".palette")) {
    const button = palette.parentElement.querySelector(".react-button");
    const hadFocus = palette.contains(document.activeElement);
    palette.remove();
    if (button) {
      button.setAttribute("aria-expanded", "false");
      if (returnFocus || hadFocus) button.focus();
    }
  }
}

document.addEventListener("click", (event) => {
  if (!event.target.closest(".palette, .react-button")) closePalettes(false);
});

// --- Keyboard: one tab stop for the list --------------------------------------------
// On a message: Up/Down (Home/End) move to the previous/next (first/last) message;
// Right or Enter goes into it. Inside a message: Left/Right move among its links and
// actions, Up/Down to the next message, Escape back to the message.
function controlsOf(item) {
  return [...item.querySelectorAll(
    ":scope > :not(.editing):not(.palette) :is(a[href], button)")];
}

function focusItem(item) {
  if (!item) return;
  makeCurrent(item);
  item.focus();
}

if (list) {
  list.addEventListener("focusin", (event) => {
    const item = event.target.closest("li.message");
    if (item) makeCurrent(item);
  });
  list.addEventListener("keydown", (event) => {
    const item = event.target.closest("li.message");
    if (!item || event.target.closest(".editing, .palette") || event.altKey || event.ctrlKey || event.metaKey) return;
    const items = [...list.querySelectorAll("li.message")];
    const index = items.indexOf(item);
    const onItem = event.target === item;
    const controls = controlsOf(item);
    const at = controls.indexOf(event.target);
    let next = null;
    if (event.key === "ArrowUp") {
      next = items[index - 1];
      if (!next) loadOlder();
    } else if (event.key === "ArrowDown") next = items[index + 1];
    else if (onItem && event.key === "Home") next = items[0];
    else if (onItem && event.key === "End") next = items[items.length - 1];
    else if (onItem && (event.key === "ArrowRight" || event.key === "Enter")) next = controls[0];
    else if (!onItem && event.key === "ArrowRight") next = controls[Math.min(at + 1, controls.length - 1)];
    else if (!onItem && event.key === "ArrowLeft") next = at > 0 ? controls[at - 1] : item;
    else if (!onItem && event.key === "Escape") next = item;
    else return;
    event.preventDefault();
    if (next) (next.matches("li.message") ? focusItem(next) : next.focus());
  });
}

function submit() {
  const text = textarea.value.trim();
  if (!text) return;
  const clientId = newClientId();
  const frame = { type: "chat.send", room_id: openRoomId, client_id: clientId, text };
  if (replyTo) frame.reply_to = replyTo.id;
  pendingByClientId.set(clientId, { text, error: null });
  live.sendMessage(frame);
  textarea.value = "";
  cancelReply();
  placePending(clientId, pendingByClientId.get(clientId));
  scrollToBottom();
}

let lastTyping = 0;
if (composer) {
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  $("cancel-reply").addEventListener("click", cancelReply);
  textarea.addEventListener("keydown", (event) => {
    if (mentionKeys(event)) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") cancelReply();
  });
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 3000 && textarea.value.trim()) {
      lastTyping = now;
      live.send({ type: "chat.typing", room_id: openRoomId });
    }
    suggestMentions();
  });
}

// A room opens ready to write in (unless it opens on one message, a search result).
if (textarea && !/^#message-\d+$/.test(location.hash)) textarea.focus();

// Files attached from the composer: uploaded to the room's documents, referenced in the text.
if (composer && openRoomId) {
  setupAttachments({ pane: composer.closest(".chat-pane"), composer, textarea, t,
    canPost: Boolean(rooms.get(openRoomId)?.can_post) });
}

// --- @mention autocomplete -----------------------------------------------------------
const suggestions = $("mention-suggestions");
let suggestionIndex = 0;

function mentionQuery() {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(/(?:^|\s)@([^\s@*]{0,40})$/);
  return match ? match[1] : null;
}

function suggestMentions() {
  const query = mentionQuery();
  if (query === null) {
    suggestions.hidden = true;
    return;
  }
  const folded = query.toLocaleLowerCase();
  const found = members.filter((m) => m.id !== me.id && m.name.toLocaleLowerCase().split(/\s+/).some((part) => part.startsWith(folded)));
  if (!found.length) {
    suggestions.hidden = true;
    return;
  }
  suggestionIndex = 0;
  suggestions.replaceChildren(...found.slice(0, 8).map((member, index) => el("li", {
    role: "option", "aria-selected": String(index === 0), "data-name": member.name, text: member.name,
    onmousedown: (event) => { event.preventDefault(); insertMention(member.name); } })));
  suggestions.hidden = false;
}

function insertMention(name) {
  const caret = textarea.selectionStart;
  const before = textarea.value.slice(0, caret).replace(/@([^\s@*]{0,40})$/, `@**${name}** `);
  textarea.value = before + textarea.value.slice(caret);
  textarea.selectionStart = textarea.selectionEnd = before.length;
  suggestions.hidden = true;
  textarea.focus();
}

function mentionKeys(event) {
  if (suggestions.hidden) return false;
  const options = [...suggestions.children];
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    suggestionIndex = (suggestionIndex + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
    options.forEach((option, index) => option.setAttribute("aria-selected", String(index === suggestionIndex)));
    return true;
  }
  if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    insertMention(options[suggestionIndex].dataset.name);
    return true;
  }
  if (event.key === "Escape") {
    suggestions.hidden = true;
    return true;
  }
  return false;
}
