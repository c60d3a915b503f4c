// @ts-check
// Her camera, microphone and speaker for calls: what she chose last time (kept in this
// browser), opening them with fallbacks that say what is missing and why, the lists of
// devices, a microphone level, and the face a tile shows when there is no picture.

const PREFS_KEY = "cohort.call.devices";
const CAMERA = { width: 640, height: 480 };

/**
 * @typedef {{audio: boolean, video: boolean, cameraId: string, micId: string, speakerId: string}} Prefs
 * @typedef {"refused" | "absent" | null} Problem
 * @typedef {{stream: MediaStream, camera: Problem, mic: Problem}} Opened
 */

/** @returns {Prefs} what she chose last time: join muted? camera off? which devices? */
export function loadPrefs() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(PREFS_KEY) || "{}") || {};
  } catch {
    // private browsing, or a value from an older page: start from the defaults
  }
  const text = (value) => (typeof value === "string" ? value : "");
  return {
    audio: saved.audio !== false, video: saved.video !== false,
    cameraId: text(saved.cameraId), micId: text(saved.micId), speakerId: text(saved.speakerId),
  };
}

/** @param {Prefs} prefs */
export function savePrefs(prefs) {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // storage full or refused: she chooses again next time
  }
}

/** @param {any} error @returns {Problem} */
function problem(error) {
  return error && (error.name === "NotAllowedError" || error.name === "SecurityError") ? "refused" : "absent";
}

/**
 * A constraint for one device: the one she picked now (`exact`), or the one she picked last
 * time if it is still there (a bare id is only preferred).
 * @param {string} id @param {boolean} exact @param {object} base
 */
function wanted(id, exact, base) {
  if (!id) return Object.keys(base).length ? base : true;
  return { ...base, deviceId: exact ? { exact: id } : id };
}

/**
 * Open her microphone and, if `video`, her camera. Whatever she refused or does not have is
 * left out and named: `camera` / `mic` are "refused", "absent" or null.
 * @param {{micId?: string, cameraId?: string, video?: boolean, exact?: boolean}} choice
 * @returns {Promise<Opened>}
 */
export async function openMedia({ micId = "", cameraId = "", video = true, exact = false } = {}) {
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) return { stream: new MediaStream(), camera: "absent", mic: "absent" };
  const audio = wanted(micId, exact, {});
  const picture = wanted(cameraId, exact, CAMERA);
  /** @type {Problem} */
  let camera = null;
  /** @type {Problem} */
  let mic = null;
  if (video) {
    try {
      return { stream: await devices.getUserMedia({ audio, video: picture }), camera, mic };
    } catch (error) {
      camera = problem(error); // or the microphone's: asking for each alone tells
    }
  }
  let stream = new MediaStream();
  try {
    stream = await devices.getUserMedia({ audio });
  } catch (error) {
    mic = problem(error);
  }
  if (video && mic) {
    try {
      stream = await devices.getUserMedia({ video: picture });
      camera = null;
    } catch (error) {
      camera = problem(error);
    }
  }
  return { stream, camera, mic };
}

/**
 * Her camera alone (turning it back on, or another camera chosen).
 * @param {string} cameraId @param {boolean} exact
 * @returns {Promise<MediaStreamTrack | null>}
 */
export async function openCamera(cameraId, exact) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: wanted(cameraId, exact, CAMERA) });
    return stream.getVideoTracks()[0] || null;
  } catch {
    return null;
  }
}

/**
 * Her microphone alone (unmuting when she joined without one, or another one chosen).
 * @param {string} micId @param {boolean} exact
 * @returns {Promise<MediaStreamTrack | null>}
 */
export async function openMic(micId, exact) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: wanted(micId, exact, {}) });
    return stream.getAudioTracks()[0] || null;
  } catch {
    return null;
  }
}

export const canChooseSpeaker = typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;

/**
 * Fill the camera, microphone and speaker lists; a list with nothing to choose is hidden
 * (with its label). Labels are only known once she has allowed a device.
 * @param {{camera?: HTMLSelectElement | null, mic?: HTMLSelectElement | null, speaker?: HTMLSelectElement | null}} selects
 * @param {{camera?: string, mic?: string, speaker?: string}} current device ids in use
 */
export async function fillDeviceLists(selects, current) {
  let devices = [];
  try {
    devices = await navigator.mediaDevices.enumerateDevices();
  } catch {
    // no list: the selects stay hidden
  }
  /** @type {[HTMLSelectElement | null | undefined, MediaDeviceKind, string | undefined][]} */
  const lists = [
    [selects.camera, "videoinput", current.camera], [selects.mic, "audioinput", current.mic],
    [selects.speaker, canChooseSpeaker ? "audiooutput" : /** @type {MediaDeviceKind} */ ("none"), current.speaker],
  ];
  for (const [select, kind, id] of lists) {
    if (!select) continue;
    const found = devices.filter((d) => d.kind === kind && d.deviceId);
    select.replaceChildren(...found.map((d, i) => new Option(
      d.label || `${select.title} ${i + 1}`, d.deviceId, false, d.deviceId === id)));
    const holder = select.closest("label") || select;
    /** @type {HTMLElement} */ (holder).hidden = found.length === 0;
  }
}

/**
 * Play a video element's sound on the speaker she chose (where the browser allows it).
 * @param {HTMLMediaElement} media @param {string} speakerId
 */
export function useSpeaker(media, speakerId) {
  const element = /** @type {any} */ (media);
  if (!speakerId || !canChooseSpeaker || element.sinkId === speakerId) return;
  element.setSinkId(speakerId).catch(() => {});
}

/**
 * Report the loudness (0 to 1) of a microphone track ten times a second until stopped.
 * @param {MediaStreamTrack} track @param {(level: number) => void} onLevel
 * @returns {() => void} stop
 */
export function watchLevel(track, onLevel) {
  const Context = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
  if (!Context) return () => {};
  let context;
  let analyser;
  try {
    context = new Context();
    analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  } catch {
    if (context) context.close().catch(() => {});
    return () => {}; // no meter: the call works without it
  }
  const samples = new Float32Array(analyser.fftSize);
  let shown = 0;
  const timer = setInterval(() => {
    if (context.state === "suspended") context.resume().catch(() => {});
    analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
    // Rise at once, fall slowly: a meter that flickers is hard to read.
    shown = track.enabled ? Math.max(Math.min(1, peak * 1.5), shown * 0.7) : 0;
    onLevel(shown);
  }, 100);
  return () => {
    clearInterval(timer);
    context.close().catch(() => {});
  };
}

// Backgrounds behind white initials, each at least 4.5:1.
const FACE_COLOURS = ["#5b2a86", "#1d5b36", "#7a4b00", "#0b5394", "#a4161a", "#37474f", "#00695c", "#8e24aa"];

/** @param {string} name @returns {string} the first letters of her first and last names */
export function initials(name) {
  const words = (name || "").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  const first = [...words[0]][0];
  const last = words.length > 1 ? [...words[words.length - 1]][0] : "";
  return (first + last).toUpperCase();
}

/**
 * Fill `face` with her photo, or her initials on a colour of her own.
 * @param {HTMLElement} face @param {{user_id?: number, name: string, photo?: string | null}} person
 */
export function drawFace(face, person) {
  const key = `${person.user_id || 0}|${person.name}|${person.photo || ""}`;
  if (face.dataset.key === key) return;
  face.dataset.key = key;
  face.style.setProperty("--face", FACE_COLOURS[(person.user_id || 0) % FACE_COLOURS.length]);
  const letters = document.createElement("span");
  letters.className = "face-initials";
  letters.textContent = initials(person.name);
  if (!person.photo) {
    face.replaceChildren(letters);
    return;
  }
  const photo = document.createElement("img");
  photo.className = "face-photo";
  photo.alt = "";
  photo.src = person.photo;
  photo.addEventListener("error", () => photo.replaceWith(letters)); // a photo she may not see
  face.replaceChildren(photo);
}
