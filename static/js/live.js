// The member's live connection: one WebSocket per tab, reconnecting by itself.
//
// It resumes from the last revision it holds per room (`sync`), resends what was never
// acknowledged (same client_id: the server stores nothing twice), and checks with a
// heartbeat that nothing was missed. docs/protocol.md describes every message.

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
    this.pongTimer = null;
    this.counter = 0;
    this.ready = false;
  }

  connect() {
    this.onState("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.ready = false;
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
    for (const [id, pending] of this.requests) {
      if (pending.frame.type !== "chat.send") pending.reject({ code: "disconnected" });
      this.requests.delete(id);
    }
    if (event.code === 4401 || event.code === 4403) {
      this.onState("signed-out");
      return;
    }
    // Backoff with jitter: 0.5 s, 1 s, 2 s ... up to 15 s.
    const delay = Math.min(15000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.onState("reconnecting");
    setTimeout(() => this.connect(), delay);
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
      this.checkRevs(frame.rooms);
    }
    if (frame.type === "sync.done") {
      this.ready = true;
      this.attempt = 0;
      this.onState("connected");
      for (const frame of this.outbox.values()) this.track(frame);
    }
    this.onEvent(frame);
  }

  hello(frame) {
    this.sync();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.ping(), frame.heartbeat_seconds * 1000);
  }

  sync() {
    this.send({ type: "sync", rooms: this.heldRevs() });
  }

  ping() {
    this.send({ type: "ping", request_id: this.nextId() });
    clearTimeout(this.pongTimer);
    // No answer in 10 s: the connection is dead even if the browser has not noticed.
    this.pongTimer = setTimeout(() => this.socket && this.socket.close(), 10000);
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
