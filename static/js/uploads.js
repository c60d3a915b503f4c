// @ts-check
// Sending one file to a room's documents, as the Documents tab and the chat composer do:
// one request per file (so each has its progress and can be cancelled), the answer read
// as JSON (docs/protocol.md: `POST /rooms/<id>/documents/upload`).

/** A size as file managers show it: 1.5 MB, 300 KB (decimal units). @param {number} size */
export function humanSize(size) {
  let value = size;
  for (const unit of ["B", "KB", "MB", "GB"]) {
    if (value < 1000 || unit === "GB") return unit === "B" || value >= 100 ? `${Math.round(value)} ${unit}` : `${value.toFixed(1)} ${unit}`;
    value /= 1000;
  }
  return `${size} B`;
}

/**
 * @typedef {{status: number, answer: any}} Sent  status 0: the connection was lost
 * @param {{url: string, file: File, csrf: string, note?: string,
 *          onProgress: (percent: number) => void, onDone: (sent: Sent) => void}} options
 * @returns {XMLHttpRequest} abort() cancels it; onDone is called once whatever the end
 *          (status 0 after an abort or a lost connection)
 */
export function sendFile({ url, file, csrf, note, onProgress, onDone }) {
  const data = new FormData();
  data.append("file", file, file.name);
  if (note) data.append("note", note);
  const request = new XMLHttpRequest();
  request.open("POST", url);
  request.setRequestHeader("Accept", "application/json");
  request.setRequestHeader("X-CSRFToken", csrf);
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
  });
  request.addEventListener("loadend", () => {
    let answer = null;
    try {
      answer = JSON.parse(request.responseText);
    } catch {
      answer = null;
    }
    onDone({ status: request.status, answer });
  });
  request.send(data);
  return request;
}
