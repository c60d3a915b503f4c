// The member's live connection: one WebSocket per tab, reconnecting by itself.
//
// It resumes from the last revision it holds per room (`sync`), resends what was never
// acknowledged (same client_id: the server stores nothing twice), and checks with a
// heartbeat that nothing was missed. docs/protocol.md describes every message.
//
// The state it reports tells the truth: a ping left unanswered (a network that died
// without a word, which the browser may not notice for minutes) or the browser going
// offline gives up the socket at once, says "reconnecting" and opens another.

export class LiveConnection {
  constructor({ url, onEvent, onState, onSendResult, heldRevs }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onSendResult = onSendResult; // (client_id, ack or error frame) for chat.send
    this.onState = onState;
    this.heldRevs = heldRevs; // () => {room_id: rev} for the rooms whose messages we hold
    this.socket = null;
    this.attempt = 0;
    this.requests = new Map(); // request_id -> {resolve, reject, frame}
    this.outbox = new Map(); // client_id -> chat.send frame, until acknowledged
    this.heartbeat = null;
    this.beatMs = 25000;
    this.pongTimer = null;
    this.retryTimer = null;
    this.counter = 0;
    this.ready = false;
    this.wasConnected = false;
    window.addEventListener("offline", () => this.lost());
    window.addEventListener("online", () => {
      if (this.socket || this.retryTimer === null) return;
      this.attempt = 0; // back now: no reason to wait
      clearTimeout(this.retryTimer);
      this.connect();
    });
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.onState(this.wasConnected ? "reconnecting" : "connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      if (socket === this.socket) this.receive(event.data);
    });
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  closed(socket, event) {
    if (socket !== this.socket) return; // one given up already
    this.socket = null;
    this.ready = false;
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
    this.pongTimer = null;
    for (const [id, pending] of this.requests) {
      if (pending.frame.type !== "chat.send") pending.reject({ code: "disconnected" });
      this.requests.delete(id);
    }
    if (event.code === 4401 || event.code === 4403) {
      this.onState("signed-out");
      return;
    }
    // Backoff with jitter: 0.5 s, 1 s, 2 s ... up to 15 s; closed for sending too much
    // (4429) or for one socket too many (4430, other tabs are open): 30 s to a minute.
    const slowDown = event.code === 4429 || event.code === 4430;
    const delay = slowDown
      ? 30000 * (1 + Math.random())
      : Math.min(15000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.onState("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // The socket is dead though it may not have closed yet (its close can take minutes on a
  // network that drops silently): stop listening to it and start again now.
  lost() {
    const socket = this.socket;
    if (!socket) return;
    this.closed(socket, { code: 1006 });
    socket.close();
  }

  receive(data) {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    // Under load the server sends a room's events together, as an array, in order.
    for (const frame of Array.isArray(parsed) ? parsed : [parsed]) this.take(frame);
  }

  take(frame) {
    if (frame.type === "hello") {
      this.hello(frame);
      return;
    }
    if ((frame.type === "ack" || frame.type === "error") && this.requests.has(frame.request_id)) {
      const pending = this.requests.get(frame.request_id);
      this.requests.delete(frame.request_id);
      if (pending.frame.type === "chat.send") {
        if (frame.type === "ack" || frame.code !== "rate_limited") {
          this.outbox.delete(pending.frame.client_id);
        } else {
          // Rate limited: nothing was stored; try again when the server says.
          setTimeout(() => this.ready && this.track(pending.frame), (frame.retry_after || 1) * 1000);
        }
        this.onSendResult(pending.frame.client_id, frame);
        return;
      }
      if (frame.type === "ack") pending.resolve(frame.result);
      else pending.reject(frame);
      return;
    }
    if (frame.type === "pong") {
      clearTimeout(this.pongTimer);
      this.pongTimer = null;
      this.checkRevs(frame.rooms);
    }
    if (frame.type === "sync.done") {
      this.ready = true;
      this.wasConnected = true; // from now on, a new socket is a reconnection
      this.attempt = 0;
      this.onState("connected");
      for (const frame of this.outbox.values()) this.track(frame);
    }
    this.onEvent(frame);
  }

  hello(frame) {
    this.sync();
    clearInterval(this.heartbeat);
    this.beatMs = frame.heartbeat_seconds * 1000;
    this.heartbeat = setInterval(() => this.ping(), this.beatMs);
  }

  sync() {
    this.send({ type: "sync", rooms: this.heldRevs() });
  }

  ping() {
    if (this.pongTimer !== null) return; // the last one is still awaited
    this.send({ type: "ping", request_id: this.nextId() });
    // The pong is due within half the interval (10 s at most): a missed one is told
    // before the next ping is.
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      this.lost();
    }, Math.min(10000, this.beatMs / 2));
  }

  checkRevs(latest) {
    // A room whose latest rev is beyond what we hold lost its last event: ask again.
    const held = this.heldRevs();
    for (const [roomId, rev] of Object.entries(held)) {
      if ((latest[roomId] || 0) > rev) {
        this.sync();
        return;
      }
    }
  }

  nextId() {
    this.counter += 1;
    return `r${Date.now().toString(36)}${this.counter}`;
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  track(frame) {
    return new Promise((resolve, reject) => {
      const { request_id: _old, ...rest } = frame;
      const request = { ...rest, request_id: this.nextId() };
      this.requests.set(request.request_id, { resolve, reject, frame: request });
      if (!this.send(request) && frame.type !== "chat.send") {
        this.requests.delete(request.request_id);
        reject({ code: "disconnected" });
      }
    });
  }

  request(frame) {
    return this.track(frame);
  }

  // A message is kept until acknowledged and resent after every reconnect; its result
  // comes to onSendResult.
  sendMessage(frame) {
    this.outbox.set(frame.client_id, frame);
    if (this.ready) this.track(frame);
  }
}
