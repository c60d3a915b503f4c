"""`/metrics` for Prometheus: who may read it, and what it says.

The counters and gauges are defined where they are counted (`rooms.metrics`,
`video.metrics`) and here for HTTP. With several server processes, prometheus-client's
multiprocess mode adds them up: when `PROMETHEUS_MULTIPROC_DIR` names a folder (the same
fresh folder for every process of the install, emptied before they start), each process
writes its values there and any process's `/metrics` reads them all; gauges count the
processes alive only (a process that died without saying so is found at the next
scrape: its live gauges' files are removed). Without it, each process answers for itself.

Read from the database at each scrape (`ScrapeValues`): the tasks waiting for the task
worker and the open calls.

Only the addresses of `COHORT_METRICS_ALLOWED` (default: loopback) may read it, or a
client with `Authorization: Bearer <COHORT_METRICS_TOKEN>` when that is set; anyone else
gets a 404, as if there were nothing here. The address is `community.ratelimit.client_ip`'s
(the proxy's `X-Forwarded-For` believed only from `COHORT_TRUSTED_PROXIES`).
"""

from __future__ import annotations

import functools
import glob
import hmac
import ipaddress
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from community.ratelimit import client_ip
from rooms.metrics import RATE_LIMITED_HTTP

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "cohort_http_requests", "HTTP answers, by status class (2xx, 3xx, 4xx, 5xx).",
    ["status"])
_CLASSES = {digit: HTTP_REQUESTS.labels(f"{digit}xx") for digit in range(1, 6)}
_LIVE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db$")


def http_answered(status: int) -> None:
    """Count one HTTP answer (server.logs.RequestIdMiddleware); a 429 is a refusal."""
    child = _CLASSES.get(status // 100)
    if child is not None:
        child.inc()
    if status == 429:
        RATE_LIMITED_HTTP.inc()


# --- Who may read it --------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                                 ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed
                 if entry.strip())


def may_scrape(request: HttpRequest) -> bool:
    """A bearer token given must be COHORT_METRICS_TOKEN (when it is set); otherwise the
    right token, or a client address in COHORT_METRICS_ALLOWED, lets her in."""
    token = settings.COHORT_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given:
        scheme, _space, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode())
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network
               for network in _networks(tuple(settings.COHORT_METRICS_ALLOWED)))


# --- What it says -----------------------------------------------------------------------------
@dataclass
class ScrapeValues:
    """What the database said at this scrape; None: it did not answer in time."""

    tasks_ready: int | None = None
    open_calls: dict[str, int] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.tasks_ready is not None:
            yield GaugeMetricFamily(
                "cohort_tasks_ready", "Tasks waiting for the task worker (ready to run).",
                value=self.tasks_ready)
        if self.open_calls is not None:
            calls = GaugeMetricFamily("cohort_calls_open", "Open calls, by mode.",
                                      labels=["mode"])
            for mode, count in sorted(self.open_calls.items()):
                calls.add_metric([mode], count)
            yield calls


def database_values() -> ScrapeValues:
    """The scrape's reads (in a thread of their own: server.health.Probe)."""
    from video.metrics import open_calls

    values = ScrapeValues(open_calls=open_calls())
    if uses_task_database():
        from django_tasks_db.models import DBTaskResult

        values.tasks_ready = DBTaskResult.objects.ready().count()
    return values


def uses_task_database() -> bool:
    """The tasks go through django-tasks-db's queue (a task worker runs them)."""
    from django.tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


class _Scrape(Collector):
    def __init__(self, sources: Iterable[Collector], values: ScrapeValues) -> None:
        self.sources = tuple(sources)
        self.values = values

    def collect(self) -> Iterator[object]:  # type: ignore[override]
        for source in self.sources:
            yield from source.collect()
        yield from self.values.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def forget_dead_processes(path: str) -> None:
    """Remove the live gauges of processes that are gone (a crash, a kill): their open
    sockets are no longer open."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        found = _LIVE_FILE.search(name)
        if found is None:
            continue
        pid = int(found.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, path)
        except PermissionError:
            pass  # alive, another user's


def render(values: ScrapeValues) -> tuple[bytes, str]:
    """The text exposition of every metric (and this scrape's database values)."""
    path = multiprocess_dir()
    sources: list[Collector]
    if path:
        forget_dead_processes(path)
        sources = [multiprocess.MultiProcessCollector(None, path=path)]
    else:
        sources = [REGISTRY]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(sources, values))
    return generate_latest(registry), CONTENT_TYPE_LATEST
