"""`/healthz`, `/readyz` and `/metrics`, answered before the rest of the site.

`ProbeMiddleware` stands near the top of MIDDLEWARE (after the request id) and answers
these three paths itself, in the event loop: no session, no sign-in redirect, no CSRF
check, no rate limit, no language, no host check (a probe or a scraper asks by address:
`ALLOWED_HOSTS` names the public host) and no HTTPS redirect (the proxy probes the
process over plain HTTP). Every answer says `Cache-Control: no-store`.

- `/healthz`: the process answers. It touches nothing else: `200 ok`.
- `/readyz`: the database answers, Redis answers (when `REDIS_URL` is set: the cache and
  both channel layers) and a task worker beat within `COHORT_WORKER_STALE_AFTER` seconds
  (when tasks go through django-tasks-db's queue; `manage.py task_worker` beats). 200 if
  all hold, else 503; the JSON body names each check and its state, never an address or
  a password (errors are named by their kind, and logged in full).
- `/metrics`: server.metrics.

Each check has `COHORT_READY_TIMEOUT` seconds (2 by default), so a database that hangs
makes `/readyz` answer 503 instead of hanging too. A check that touches the database or
the cache runs in a thread of its own (`Probe`); if it hangs, the next probes wait for the
same call rather than start another, so a hung service holds one thread, not one per probe.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.db import connections
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone

from server import metrics

log = logging.getLogger(__name__)

OK = "ok"


class Probe:
    """One thread at a time for one kind of check: a daemon thread, so that one stuck on a
    hung service never holds up the process's exit."""

    def __init__(self, name: str) -> None:
        self.name = f"cohort-probe-{name}"
        self.pending: concurrent.futures.Future[Any] | None = None
        self.lock = threading.Lock()

    async def run[T](self, check: Callable[[], T], timeout: float) -> T:
        """`check()`'s result, or TimeoutError after `timeout` seconds (the call goes on;
        the next `run` waits for it)."""
        with self.lock:
            if self.pending is None or self.pending.done():
                self.pending = concurrent.futures.Future()
                threading.Thread(target=_fulfil, args=(self.pending, check), name=self.name,
                                 daemon=True).start()
            pending = self.pending
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(pending)), timeout)


def _fulfil(future: concurrent.futures.Future[Any], check: Callable[[], Any]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(_closing_connections(check))
    except BaseException as error:  # handed to whoever waits
        future.set_exception(error)


def _closing_connections[T](check: Callable[[], T]) -> T:
    """A fresh database connection per check, closed after: a connection the database
    dropped meanwhile cannot fail the next probe."""
    try:
        return check()
    finally:
        connections.close_all()  # this thread's


DATABASE = Probe("database")
CACHE = Probe("cache")
SCRAPE = Probe("scrape")


def _down(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"down: no answer in {timeout:g} s"
    return f"down: {type(error).__name__}"


# --- The checks -------------------------------------------------------------------------------
def _database() -> Any:
    """SELECT 1, then the task workers' latest beat (None: no worker ever beat)."""
    from server.models import TaskWorkerBeat

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return TaskWorkerBeat.objects.aggregate(latest=Max("beat_at"))["latest"]


def _worker_state(latest: Any) -> str:
    if latest is None:
        return "no heartbeat (is manage.py task_worker running?)"
    age = (timezone.now() - latest).total_seconds()
    if age > settings.COHORT_WORKER_STALE_AFTER:
        return f"no heartbeat for {age:.0f} s"
    return OK


def _cache() -> None:
    from community.cache import shared_cache

    shared_cache().get("cohort.health")


async def _layers() -> None:
    """Both channel layers reach Redis: a group send to a group nobody is in."""
    from channels.layers import get_channel_layer

    from rooms.protocol import ROOM_LAYER

    for alias in ("default", ROOM_LAYER):
        await get_channel_layer(alias).group_send("cohort.health", {"type": "health.probe"})


async def _checked[T](name: str, check: Awaitable[T], timeout: float) -> T | str:
    """The check's result, or its `down: …` state (logged in full)."""
    try:
        return await asyncio.wait_for(check, timeout)
    except Exception as error:
        log.warning("readiness: %s is down", name, exc_info=not isinstance(error, TimeoutError))
        return _down(error, timeout)


async def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, each check's state)."""
    timeout = float(settings.COHORT_READY_TIMEOUT)
    checks: dict[str, Awaitable[Any]] = {"database": DATABASE.run(_database, timeout)}
    if settings.REDIS_URL:
        checks["cache"] = CACHE.run(_cache, timeout)
        checks["layers"] = _layers()
    results = dict(zip(checks, await asyncio.gather(
        *(_checked(name, check, timeout) for name, check in checks.items())), strict=True))
    latest = results.pop("database")
    state: dict[str, str] = {}
    if isinstance(latest, str) and latest.startswith("down:"):
        state["database"] = latest
        worker = "unknown: the database does not answer"
    else:
        state["database"] = OK
        worker = _worker_state(latest)
    if settings.REDIS_URL:
        parts = [(what, results[key]) for key, what in (("cache", "cache"),
                                                         ("layers", "channel layer"))]
        failed = [f"{what}: {result.removeprefix('down: ')}" for what, result in parts
                  if isinstance(result, str)]
        state["redis"] = "down: " + "; ".join(failed) if failed else OK
    if metrics.uses_task_database():
        state["task_worker"] = worker
    return all(value == OK for value in state.values()), state


# --- The answers ------------------------------------------------------------------------------
async def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


async def readyz(request: HttpRequest) -> HttpResponse:
    ready, state = await readiness()
    return HttpResponse(json.dumps(state, indent=1) + "\n", content_type="application/json",
                        status=200 if ready else 503)


async def metrics_page(request: HttpRequest) -> HttpResponse:
    if not metrics.may_scrape(request):
        return HttpResponse("Not Found\n", content_type="text/plain; charset=utf-8",
                            status=404)
    timeout = float(settings.COHORT_READY_TIMEOUT)
    try:
        values = await SCRAPE.run(metrics.database_values, timeout)
    except Exception as error:  # the scrape goes on without the database's values
        log.warning("metrics: the database values are missing (%s)", _down(error, timeout),
                    exc_info=not isinstance(error, TimeoutError))
        values = metrics.ScrapeValues()
    body, content_type = await sync_to_async(metrics.render, thread_sensitive=False)(values)
    return HttpResponse(body, content_type=content_type)


PAGES: dict[str, Callable[[HttpRequest], Awaitable[HttpResponse]]] = {
    "/healthz": healthz, "/readyz": readyz, "/metrics": metrics_page}


class ProbeMiddleware:
    """Answers PAGES before any other middleware (see the module's docstring).

    Async under the ASGI servers; sync too, so that a sync handler (Django's test client,
    a management command rendering a page) keeps the rest of the chain sync: an async-only
    middleware would make Django run every request's whole chain through `async_to_sync`,
    which fails in a thread that runs an event loop and costs thread hops everywhere else."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        page = PAGES.get(request.path)
        if page is None:
            return self.get_response(request)
        return async_to_sync(self._answer)(request, page)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        page = PAGES.get(request.path)
        if page is None:
            return await self.get_response(request)
        return await self._answer(request, page)

    @staticmethod
    async def _answer(request: HttpRequest,
                      page: Callable[[HttpRequest], Awaitable[HttpResponseBase]]
                      ) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            response: HttpResponseBase = HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        else:
            response = await page(request)
        response["Cache-Control"] = "no-store"
        return response
