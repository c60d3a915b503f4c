"""Sockets waiting for their `auth` frame, counted per address in this process.

A socket opened with no Origin, cookie or Authorization (server/wsauth.py) is accepted
and waits up to `protocol.AUTH_SECONDS` for its token. It has no `Connection` row yet, so
the per-address cap of `rooms.services.connection_open` does not see it: this count does.
Past `COHORT_SOCKETS_AWAITING_AUTH_PER_IP` such sockets from one address
(`community.ratelimit.ip_key`), the next is closed at once with 4430, as one socket too
many. A socket with no known address (empty) is not counted, as `connection_open` caps
no empty address either.

The count is memory bounded by the sockets waiting now: an address leaves the table when
its last waiting socket signs in, is closed or goes away. The consumer gives each slot
back exactly once (`Slot.release`), whatever way it ends.
"""

from __future__ import annotations

import asyncio
import weakref


class Awaiting:
    """Address -> sockets waiting for their token; no address at zero is kept."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def take(self, address: str, *, limit: int) -> Slot | None:
        """A slot for one more waiting socket from `address`, or None past `limit`."""
        if not address:
            return Slot(self, "")
        held = self.counts.get(address, 0)
        if held >= limit:
            return None
        self.counts[address] = held + 1
        return Slot(self, address)

    def give_back(self, address: str) -> None:
        held = self.counts.get(address, 0) - 1
        if held > 0:
            self.counts[address] = held
        else:
            self.counts.pop(address, None)

    def waiting(self, address: str) -> int:
        return self.counts.get(address, 0)


class Slot:
    """One waiting socket's place in the count; `release` is idempotent."""

    def __init__(self, table: Awaiting, address: str) -> None:
        self.table: Awaiting | None = table if address else None
        self.address = address

    def release(self) -> None:
        if self.table is not None:
            self.table.give_back(self.address)
            self.table = None


_tables: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Awaiting] = (
    weakref.WeakKeyDictionary())


def local() -> Awaiting:
    """This process's table (one per event loop: the server runs one)."""
    loop = asyncio.get_running_loop()
    table = _tables.get(loop)
    if table is None:
        table = _tables[loop] = Awaiting()
    return table
