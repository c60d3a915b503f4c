"""A TCP relay in front of Redis that can go away for a while: a Redis restart as the
servers behind it see it, without touching the Redis server that others share."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlparse


class RedisProxy:
    """Relays 127.0.0.1:<port> to the Redis of `url`. `down()` drops every relayed
    connection and turns new ones away (they are closed at once) until `up()`."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        self.db = parsed.path.lstrip("/") or "0"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/{self.db}"
        self.serving = True
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.serving:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self.lock:
            self.open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def down(self) -> None:
        self.serving = False
        with self.lock:
            dropping = list(self.open)
        for sock in dropping:
            self._close(sock)

    def up(self) -> None:
        self.serving = True

    def close(self) -> None:
        self.down()
        self.listener.close()
