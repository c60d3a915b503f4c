// @ts-check
// Time zone inputs (community.forms.ZoneField): an empty one marked data-zone-guess takes
// this browser's zone, when it is one of the list it offers. She can still change it.

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

for (const input of document.querySelectorAll("input[data-zone-guess]")) {
  if (!(input instanceof HTMLInputElement) || input.value || !browserZone) continue;
  const list = input.list;
  if (list && Array.from(list.options).some((option) => option.value === browserZone)) {
    input.value = browserZone;
  }
}
