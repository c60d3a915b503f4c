// @ts-check
/**
 * The invitations page: copy an invitation's link, and confirm before withdrawing one.
 *
 * Without scripts the copy buttons stay hidden and "Withdraw…" opens a confirmation page;
 * with them, the same confirmation opens in a dialog on this page.
 */

const status = document.querySelector("[data-copy-status]");

/** @param {HTMLButtonElement} button */
async function copy(button) {
  const field = /** @type {HTMLInputElement | null} */ (
    document.getElementById(button.dataset.copyLink || ""));
  if (!field) return;
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    // No clipboard (an insecure origin, a refusal): show the link, selected, to copy by hand.
    field.hidden = false;
    field.select();
    return;
  }
  if (status) status.textContent = button.dataset.copied || "";
  button.dataset.done = "";
}

for (const button of document.querySelectorAll("button[data-copy-link]")) {
  const copyButton = /** @type {HTMLButtonElement} */ (button);
  copyButton.hidden = false;
  copyButton.addEventListener("click", () => copy(copyButton));
}

const dialog = /** @type {HTMLDialogElement | null} */ (
  document.getElementById("withdraw-dialog"));

if (dialog && typeof dialog.showModal === "function") {
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector("form"));
  const text = /** @type {HTMLElement} */ (dialog.querySelector("[data-withdraw-text]"));
  /** @type {HTMLElement | null} */
  let opener = null;
  for (const link of document.querySelectorAll("a[data-withdraw]")) {
    const anchor = /** @type {HTMLAnchorElement} */ (link);
    anchor.addEventListener("click", (event) => {
      event.preventDefault();
      opener = anchor;
      form.action = anchor.dataset.action || anchor.href;
      text.textContent = (text.dataset.template || "").replace("__EMAIL__",
                                                               anchor.dataset.email || "");
      dialog.showModal();
    });
  }
  dialog.querySelector("[data-close]")?.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener?.focus());
}
