"""What the live core counts, for Prometheus (`/metrics`, server.metrics serves them).

prometheus-client writes each value in this process (or, when PROMETHEUS_MULTIPROC_DIR is
set, in a file of this process that any server process's `/metrics` adds up). Gauges add
up over the processes still alive (`livesum`).

Cost on the hot path: the hub counts deliveries per pass, one `inc` per kind family
whatever the number of sockets or events (see `delivered`); the rest is counted per
socket opened or closed, per request, per catch-up read.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter, Gauge, Histogram

SOCKETS_OPEN = Gauge(
    "cohort_sockets_open", "Live sockets open (tabs).", multiprocess_mode="livesum")
EVENTS_DELIVERED = Counter(
    "cohort_events_delivered",
    "Live events handed to sockets by the hub (one per event and socket), by kind family "
    "(the event type before its first dot: chat, presence, call, ...).", ["family"])
SOCKET_REQUEST_SECONDS = Histogram(
    "cohort_socket_request_seconds",
    "From a socket request's arrival to its ack (type chat.send: a message's send "
    "latency), by request type.", ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SYNCS = Counter("cohort_syncs", "`sync` requests answered.")
CATCHUP_READS = Counter(
    "cohort_catchup_reads",
    "Catch-up reads of a room's missed changes: from the database (rooms.catchup) or "
    "from the hub's recent events (no database read).", ["source"])
CATCHUP_EVENTS = Counter(
    "cohort_catchup_events", "Events those catch-up reads returned.", ["source"])
RATE_LIMITED = Counter(
    "cohort_rate_limited",
    "Requests refused by a rate limit: HTTP 429 answers, socket `rate_limited` errors.",
    ["via"])

# Labelled children looked up once: `labels()` takes a lock and builds a key.
_families: dict[str, Counter] = {}
CATCHUP_DATABASE = (CATCHUP_READS.labels("database"), CATCHUP_EVENTS.labels("database"))
CATCHUP_HUB = (CATCHUP_READS.labels("hub"), CATCHUP_EVENTS.labels("hub"))
RATE_LIMITED_SOCKET = RATE_LIMITED.labels("socket")
RATE_LIMITED_HTTP = RATE_LIMITED.labels("http")


def family(kind: str) -> str:
    """`chat.message.created` -> `chat`; an event without a type (an older process's) ->
    `other`."""
    return kind.partition(".")[0] or "other"


def delivered(counts: Mapping[str, int]) -> None:
    """Count one hub pass's deliveries: family -> events times sockets."""
    for name, count in counts.items():
        child = _families.get(name)
        if child is None:
            child = _families[name] = EVENTS_DELIVERED.labels(name)
        child.inc(count)
