"""What calls count, for Prometheus (`/metrics`, server.metrics serves them).

The relay's gauges are this process's (added up over the server processes alive); the
open calls are read from the database when `/metrics` is asked (`open_calls`).
"""

from __future__ import annotations

from prometheus_client import Gauge

RELAY_CALLS = Gauge(
    "cohort_relay_calls", "Calls this server's relay forwards media for.",
    multiprocess_mode="livesum")
RELAY_STREAMS = Gauge(
    "cohort_relay_streams",
    "Media streams the relay forwards (one per subscriber and publisher's audio or video).",
    multiprocess_mode="livesum")


def open_calls() -> dict[str, int]:
    """Open calls (started, not ended) by mode, every mode named."""
    from django.db.models import Count

    from video.models import Call

    counts = {mode: 0 for mode in Call.Mode.values}
    for row in Call.objects.filter(ended_at__isnull=True).values("mode").annotate(
            n=Count("pk")).order_by():
        counts[row["mode"]] = row["n"]
    return counts
