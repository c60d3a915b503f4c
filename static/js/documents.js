// @ts-check
// A room's Documents tab: uploads (file picker, drag and drop, pasted images; several at
// once, each with its progress and a Cancel button) and the live list: a document shared,
// replaced or deleted by anyone reaches this table without a reload.

import { LiveConnection } from "./live.js";
import { humanSize, sendFile } from "./uploads.js";

/** @type {{room_id: number, user_id: number, max_file_bytes: number, last_rev: number, document_id?: number}} */
const boot = JSON.parse(document.getElementById("documents-boot")?.textContent || "{}");
const form = /** @type {HTMLFormElement | null} */ (document.getElementById("upload-form"));
const picker = /** @type {HTMLInputElement | null} */ (document.getElementById("upload-file"));
const list = document.getElementById("uploads");
const body = document.getElementById("documents-body");
const strings = /** @type {HTMLTemplateElement | null} */ (document.getElementById("documents-i18n"));
const i18n = (/** @type {string} */ key) =>
  strings?.content.querySelector(`[data-key="${key}"]`)?.textContent || key;

const PARALLEL = 3; // uploads at once; the rest wait their turn
/** @type {Array<() => void>} */
const waiting = [];
let running = 0;

function csrfToken() {
  const input = /** @type {HTMLInputElement | null} */ (form?.querySelector("[name=csrfmiddlewaretoken]"));
  return input ? input.value : "";
}

/** One file: a row with its progress, sent when its turn comes. @param {File} file */
function queue(file) {
  if (!list || !form) return;
  const row = document.createElement("li");
  row.className = "upload";
  const name = document.createElement("span");
  name.className = "upload-name";
  name.textContent = `${file.name} (${humanSize(file.size)})`;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", file.name);
  const state = document.createElement("span");
  state.className = "upload-state";
  state.textContent = i18n("waiting");
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "link";
  cancel.textContent = i18n("cancel");
  row.append(name, " ", bar, " ", state, " ", cancel);
  list.append(row);
  if (file.size > boot.max_file_bytes) {
    bar.remove();
    cancel.remove();
    state.textContent = i18n("too-large");
    row.classList.add("failed");
    return;
  }
  /** @type {XMLHttpRequest | null} */
  let request = null;
  let cancelled = false;
  cancel.addEventListener("click", () => {
    cancelled = true;
    if (request) request.abort();
    state.textContent = i18n("cancelled");
    cancel.remove();
    row.classList.add("failed");
  });
  const note = /** @type {HTMLInputElement | null} */ (document.getElementById("upload-note"));
  const start = () => {
    if (cancelled) return next();
    running += 1;
    state.textContent = i18n("uploading");
    request = sendFile({
      url: form.action, file, csrf: csrfToken(), note: note ? note.value : "",
      onProgress: (percent) => { bar.value = percent; },
      onDone: (sent) => {
        running -= 1;
        if (!cancelled) finished(sent, row, bar, state, cancel);
        next();
      },
    });
  };
  waiting.push(start);
  next();
}

function next() {
  while (running < PARALLEL && waiting.length) {
    const start = waiting.shift();
    if (start) start();
  }
}

/**
 * @param {import("./uploads.js").Sent} sent @param {HTMLElement} row
 * @param {HTMLProgressElement} bar @param {HTMLElement} state @param {HTMLElement} cancel
 */
function finished({ status, answer }, row, bar, state, cancel) {
  cancel.remove();
  if (status === 201 && answer && answer.document) {
    bar.value = 100;
    state.textContent = i18n("done");
    row.classList.add("done");
    show(answer.document);
  } else {
    row.classList.add("failed");
    state.textContent = (answer && answer.detail) || i18n("failed");
    bar.remove();
  }
}

/** @param {FileList | File[]} files */
function queueAll(files) {
  for (const file of Array.from(files)) queue(file);
}

if (form && picker) {
  picker.addEventListener("change", () => {
    if (picker.files) queueAll(picker.files);
    picker.value = "";
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  for (const type of ["dragenter", "dragover"]) {
    form.addEventListener(type, (event) => {
      event.preventDefault();
      form.classList.add("dragging");
    });
  }
  form.addEventListener("dragleave", () => form.classList.remove("dragging"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) queueAll(event.dataTransfer.files);
  });
  document.addEventListener("paste", (event) => {
    const files = event.clipboardData ? Array.from(event.clipboardData.files) : [];
    if (!files.length) return;
    event.preventDefault();
    queueAll(files.map((file, index) => file.name && file.name !== "image.png" ? file
      : new File([file], `${i18n("pasted")} ${new Date().toISOString().slice(0, 19).replace("T", " ")}${index ? ` (${index + 1})` : ""}.png`, { type: file.type })));
  });
}

// --- The live table ---------------------------------------------------------------------

/** @param {string} kind */
function label(kind) {
  if (kind === "application/pdf") return "PDF";
  if (kind.startsWith("image/")) return i18n("image");
  if (kind === "text/markdown") return "Markdown";
  if (kind.startsWith("text/")) return i18n("text");
  if (kind === "application/zip") return "ZIP";
  return i18n("document");
}

/** Put a document's row in the table (first, as the newest), or take it out if deleted. */
function show(/** @type {any} */ doc) {
  if (!body) return;
  const existing = body.querySelector(`tr[data-document-id="${doc.id}"]`);
  if (doc.deleted) {
    if (existing) existing.remove();
    return;
  }
  const row = document.createElement("tr");
  row.dataset.documentId = String(doc.id);
  const link = document.createElement("a");
  link.href = doc.url;
  link.textContent = doc.name;
  const updated = new Date(doc.updated_at);
  const time = document.createElement("time");
  time.dateTime = doc.updated_at;
  time.textContent = updated.toLocaleString(document.documentElement.lang || undefined, { dateStyle: "short", timeStyle: "short" });
  const cells = [link, label(doc.kind), humanSize(doc.size), doc.shared_by ? doc.shared_by.name : i18n("former"), time, String(doc.version), String(doc.comments)];
  const classes = ["", "col-kind", "", "", "col-updated", "col-version", "col-comments"];
  cells.forEach((content, index) => {
    const cell = document.createElement("td");
    if (classes[index]) cell.className = classes[index];
    cell.append(content);
    row.append(cell);
  });
  if (existing && !newestFirst) {
    existing.replaceWith(row); // in its place: the list is sorted or filtered otherwise
    return;
  }
  if (!newestFirst) {
    if (changedNote) changedNote.hidden = false; // a new one may not belong: say so
    return;
  }
  if (existing) existing.remove();
  body.querySelector(".empty-row")?.remove();
  body.prepend(row);
}

// Only the plain list (newest first, no filter) takes new rows at its top; a sorted or
// filtered one changes rows in place and offers to read it again.
const shown = new URLSearchParams(location.search);
const newestFirst = (shown.get("sort") || "newest") === "newest" && !shown.get("kind")
  && !shown.get("q");
const changedNote = document.getElementById("documents-changed");

/** The document page: its preview and versions follow every change, read again from the
 * page itself (a comment being written is left alone). @param {any} doc */
async function refreshDocument(doc) {
  if (doc.id !== boot.document_id) return;
  if (doc.deleted) {
    const main = document.getElementById("main");
    const note = document.createElement("p");
    note.className = "message error";
    note.setAttribute("role", "alert");
    note.textContent = i18n("deleted");
    main?.prepend(note);
    return;
  }
  const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ["document-preview", "versions", "comments"]) {
    const now = document.getElementById(id);
    const next = fresh.getElementById(id);
    if (now && next) now.replaceWith(document.importNode(next, true));
  }
}

// Buttons that delete ask first (their question in `data-confirm`); one listener for the
// whole page, so parts read again live keep it.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (button instanceof HTMLElement && !window.confirm(button.dataset.confirm || "")) {
    event.preventDefault();
  }
});

let heldRev = boot.last_rev;
const scheme = location.protocol === "https:" ? "wss" : "ws";
const live = new LiveConnection({
  url: `${scheme}://${location.host}/ws/`,
  heldRevs: () => ({ [boot.room_id]: heldRev }),
  onState: () => {},
  onSendResult: () => {},
  onEvent: (/** @type {any} */ event) => {
    window.dispatchEvent(new CustomEvent("cohort:live", { detail: event }));
    if (event.room_id !== boot.room_id) return;
    if (typeof event.rev === "number" && event.rev > heldRev) heldRev = event.rev;
    if (event.type === "documents.changed") {
      if (boot.document_id) refreshDocument(event.document);
      else show(event.document);
    }
    else if (event.type === "chat.reset" || (event.type === "rooms.removed")) location.reload();
  },
});
document.documentElement.dataset.liveOwner = "documents";
live.connect();
