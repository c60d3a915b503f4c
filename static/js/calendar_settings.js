// @ts-check
/** Calendar settings: copy the feed's address to the clipboard. */

/** @param {HTMLButtonElement} button */
async function copy(button) {
  const source = /** @type {HTMLInputElement | null} */ (
    document.getElementById(button.dataset.copy || ""));
  const status = document.querySelector("[data-copy-status]");
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.value);
  } catch {
    source.select();  // no clipboard (an insecure origin): leave it selected to copy by hand
    return;
  }
  if (status) status.textContent = button.dataset.copied || "";
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => copy(/** @type {HTMLButtonElement} */ (button)));
}
