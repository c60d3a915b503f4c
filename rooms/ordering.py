"""The order of one room's numbered events on one socket: each `rev` once, in order.

Pure: no I/O, no clock. The consumer feeds it what arrives live (`offer`, `hold`) and what
it read from the room's record (`fetched`), and does what it answers: send these, and
maybe read the record again. Live events may come lost, late, twice or out of order (the
transport only rings the bell); what the record returns after a rev is complete up to
the moment it was read, each changed item once at its latest rev (so some revs never
come back: they were superseded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_HELD = 1000  # live events held per room while the record is read; beyond: read again


@dataclass
class Step[T]:
    """What to do now: `send` these in this order; `fetch`: read the room's record after
    `delivered` (a gap remains, or held events were dropped)."""

    send: list[T] = field(default_factory=list)
    fetch: bool = False


class RoomOrder[T]:
    """One room on one socket: `delivered` is the last rev sent; `held` waits its turn."""

    __slots__ = ("delivered", "held", "max_held", "overflowed")

    def __init__(self, delivered: int, max_held: int = MAX_HELD) -> None:
        self.delivered = delivered
        self.held: dict[int, T] = {}
        self.max_held = max_held
        self.overflowed = False

    def hold(self, rev: int, item: T) -> None:
        """Keep a live event for later (the record is being read, or a gap is open).
        Past `max_held`, everything held is dropped and the record must be read."""
        if rev <= self.delivered or rev in self.held:
            return
        if len(self.held) >= self.max_held:
            self.held.clear()
            self.overflowed = True
            return
        self.held[rev] = item

    def offer(self, rev: int, item: T) -> Step[T]:
        """A live event: sent if it is the next one, dropped if already sent, else held
        (and the record is to be read for what is missing before it)."""
        if rev == self.delivered + 1 and not self.held and not self.overflowed:
            self.delivered = rev
            return Step([item])
        self.hold(rev, item)
        return self.release()

    def release(self) -> Step[T]:
        """Send what is held and follows on; ask for the record if a gap remains."""
        send: list[T] = []
        for rev in sorted(self.held):
            if rev <= self.delivered:
                del self.held[rev]
            elif rev == self.delivered + 1:
                send.append(self.held.pop(rev))
                self.delivered = rev
            else:
                break
        return Step(send, self.overflowed or bool(self.held))

    def fetched(self, events: list[tuple[int, T]], read_at: int | None = None) -> Step[T]:
        """What the record returned after `delivered`, in rev order. `read_at`: the room's
        latest rev when it was read, if known (every rev up to it is then covered, even
        those that returned nothing)."""
        self.overflowed = False
        send: list[T] = []
        for rev, item in events:
            if rev > self.delivered:
                send.append(item)
                self.delivered = rev
        if read_at is not None and read_at > self.delivered:
            self.delivered = read_at
        step = self.release()
        return Step(send + step.send, step.fetch)

    def reset(self, rev: int) -> None:
        """The client starts the room afresh at `rev` (too much changed to catch up)."""
        self.delivered = rev
        self.overflowed = False
        for held in [r for r in self.held if r <= rev]:
            del self.held[held]
