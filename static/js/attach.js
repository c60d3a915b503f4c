// @ts-check
// Attachments in the chat composer. A file chosen with the Attach button, dropped on the
// chat pane or pasted into the message box is uploaded to the room's documents (one
// request per file, with its progress and a Cancel button), and a Markdown reference to it
// goes into the message at the cursor: `![name](download URL)` for an image, which the
// server shows as a thumbnail, `[name](document URL)` for any other file, shown as a card.
// The member then sends the message as usual. What the server says goes: the reference
// uses the URLs it answered, and a refusal is shown in its own words.

import { humanSize, sendFile } from "./uploads.js";

const PARALLEL = 3; // uploads at once; the rest wait their turn
const MAX_ROWS = 20; // upload rows kept in the composer (finished ones go first)

/**
 * @typedef {{id: number, name: string, kind: string, url: string, download_url: string}} Doc
 * @typedef {(key: string, values?: Record<string, string>) => string} Translate
 */

/** Markdown's own characters in a name are escaped: the name stays the link's plain text. */
export function markdownName(/** @type {string} */ name) {
  const flat = name.replace(/[\r\n]+/g, " ").trim() || "file";
  return flat.replace(/[\\`*_{}\[\]()<>#!|~&]/g, (c) => `\\${c}`);
}

/** The reference a sent message carries for a document the server accepted. */
export function reference(/** @type {Doc} */ doc) {
  return doc.kind.startsWith("image/")
    ? `![${markdownName(doc.name)}](${doc.download_url})`
    : `[${markdownName(doc.name)}](${doc.url})`;
}

/**
 * @param {{pane: HTMLElement, composer: HTMLFormElement, textarea: HTMLTextAreaElement,
 *          t: Translate, canPost: boolean}} options
 */
export function setupAttachments({ pane, composer, textarea, t, canPost }) {
  const button = /** @type {HTMLButtonElement | null} */ (composer.querySelector("#attach-button"));
  const picker = /** @type {HTMLInputElement | null} */ (composer.querySelector("#attach-file"));
  const rows = /** @type {HTMLElement | null} */ (composer.querySelector("#attach-uploads"));
  if (!button || !picker || !rows) return;
  if (!canPost) {
    button.hidden = true;
    return;
  }
  const uploadUrl = button.dataset.uploadUrl || "";
  pane.dataset.dropLabel = t("attach-drop");
  const csrf = /** @type {HTMLInputElement | null} */ (composer.querySelector("[name=csrfmiddlewaretoken]"));
  /** @type {Array<() => void>} */
  const waiting = [];
  let running = 0;
  // References go into the message in the order the files were given, whichever upload
  // ends first: each waits for those before it to succeed, fail or be cancelled.
  /** @type {Array<{text: string | null, over: boolean}>} */
  const results = [];

  function settle() {
    while (results.length && results[0].over) {
      const first = results.shift();
      if (first && first.text) insert(first.text);
    }
  }

  function next() {
    while (running < PARALLEL && waiting.length) {
      const start = waiting.shift();
      if (start) start();
    }
  }

  /** Put `text` at the cursor, on a line of its own, and leave the cursor after it. */
  function insert(/** @type {string} */ text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const lead = before && !before.endsWith("\n") ? "\n" : "";
    const tail = after.startsWith("\n") ? "" : "\n";
    textarea.value = before + lead + text + tail + after;
    const caret = (before + lead + text + tail).length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function trim() {
    const finished = [...rows.querySelectorAll(".attach-upload.failed")];
    while (rows.children.length > MAX_ROWS && finished.length) finished.shift()?.remove();
    rows.hidden = rows.children.length === 0;
  }

  /** One file: a row with its progress, sent when its turn comes. @param {File} file */
  function queue(file) {
    const row = document.createElement("li");
    row.className = "attach-upload";
    const name = document.createElement("span");
    name.className = "attach-name";
    name.textContent = `${file.name} (${humanSize(file.size)})`;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", t("attach-progress", { name: file.name }));
    const state = document.createElement("span");
    state.className = "attach-state";
    state.textContent = t("attach-waiting");
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link";
    cancel.textContent = t("cancel");
    cancel.setAttribute("aria-label", t("attach-cancel", { name: file.name }));
    row.append(name, bar, state, cancel);
    rows.append(row);
    rows.hidden = false;

    /** @type {XMLHttpRequest | null} */
    let request = null;
    let over = false;
    /** @type {{text: string | null, over: boolean}} */
    const result = { text: null, over: false };
    results.push(result);
    const end = (/** @type {string | null} */ text) => {
      over = true;
      result.text = text;
      result.over = true;
      settle();
    };
    const fail = (/** @type {string} */ why) => {
      end(null);
      row.classList.add("failed");
      row.setAttribute("role", "alert");
      bar.remove();
      state.textContent = why;
      cancel.textContent = t("attach-dismiss");
      cancel.setAttribute("aria-label", t("attach-dismiss"));
      cancel.onclick = () => {
        row.remove();
        trim();
      };
      trim();
    };
    cancel.onclick = () => {
      end(null);
      if (request) request.abort();
      row.remove();
      trim();
      textarea.focus();
    };
    const start = () => {
      if (over) return next();
      running += 1;
      state.textContent = t("attach-uploading");
      request = sendFile({
        url: uploadUrl, file, csrf: csrf ? csrf.value : "",
        onProgress: (percent) => { bar.value = percent; },
        onDone: ({ status, answer }) => {
          running -= 1;
          next();
          if (over) return;
          if (status === 201 && answer && answer.document) {
            row.remove();
            trim();
            end(reference(answer.document));
          } else if (status === 0) {
            fail(t("attach-network"));
          } else {
            fail((answer && answer.detail) || t("attach-failed"));
          }
        },
      });
    };
    waiting.push(start);
    next();
  }

  /** @param {Iterable<File>} files */
  function queueAll(files) {
    for (const file of files) queue(file);
  }

  button.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    if (picker.files) queueAll(Array.from(picker.files));
    picker.value = "";
    textarea.focus();
  });

  // Dropping files anywhere on the chat pane; a text being dragged is left alone.
  const carriesFiles = (/** @type {DragEvent} */ event) =>
    Boolean(event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files"));
  let depth = 0;
  pane.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth += 1;
    pane.classList.add("dropping");
  });
  pane.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
  });
  pane.addEventListener("dragleave", (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) pane.classList.remove("dropping");
  });
  pane.addEventListener("drop", (event) => {
    depth = 0;
    pane.classList.remove("dropping");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    queueAll(Array.from(event.dataTransfer.files));
    textarea.focus();
  });

  // A file dropped just beside the pane would make the browser leave the page to show it.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => {
      if (carriesFiles(/** @type {DragEvent} */ (event)) && !pane.contains(/** @type {Node} */ (event.target))) {
        event.preventDefault();
      }
    });
  }

  // A pasted image (a screenshot) has no useful name of its own: it gets one with the time.
  textarea.addEventListener("paste", (event) => {
    const files = event.clipboardData ? Array.from(event.clipboardData.files) : [];
    if (!files.length) return;
    if (!event.clipboardData?.getData("text/plain")) event.preventDefault();
    const stamp = new Date().toISOString().slice(0, 19).replace("T", " ").replaceAll(":", "-");
    queueAll(files.map((file, index) => file.name && file.name !== "image.png" ? file
      : new File([file], `${t("attach-pasted")} ${stamp}${index ? ` (${index + 1})` : ""}.${(file.type.split("/")[1] || "png").replace("jpeg", "jpg")}`,
        { type: file.type })));
  });
}
