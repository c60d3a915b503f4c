"""Two installs sharing one Redis server never see each other: every Redis key and
channel of an install starts with its own prefix (COHORT_REDIS_PREFIX), by default named
after its database. Publish/subscribe ignores the Redis db number, so a db of its own
is not enough."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis
from django.conf import settings

from server.settings import install_prefix
from tests.liveclient import Member
from tests.servers import ROOT, ServerProcess, start_all


def _settings_of(**env: str) -> dict[str, object]:
    """What server.settings makes of this environment, in a process of its own."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "COHORT_REDIS_PREFIX",
                          "DJANGO_SETTINGS_MODULE")}
    code = ("import json; from server import settings as s; print(json.dumps("
            "[s.COHORT_REDIS_PREFIX, s.CACHES['default'].get('KEY_PREFIX'),"
            " [layer['CONFIG'].get('prefix') for layer in s.CHANNEL_LAYERS.values()]]))")
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return {"error": done.stderr}
    prefix, cache, layers = json.loads(done.stdout)
    return {"prefix": prefix, "cache": cache, "layers": layers}


@pytest.mark.pure  # the settings of processes given their whole environment
def test_each_install_names_its_redis_keys_after_its_database(tmp_path: Path):
    redis_url = "redis://127.0.0.1:6379/0"
    first = _settings_of(DATABASE_URL="postgres://cohort@db:5432/first", REDIS_URL=redis_url)
    again = _settings_of(DATABASE_URL="postgres://cohort@db:5432/first", REDIS_URL=redis_url)
    second = _settings_of(DATABASE_URL="postgres://cohort@db:5432/second", REDIS_URL=redis_url)
    elsewhere = _settings_of(DATABASE_URL="postgres://cohort@db2:5432/first",
                             REDIS_URL=redis_url)
    lite = _settings_of(SQLITE_PATH=str(tmp_path / "a.sqlite3"), REDIS_URL=redis_url,
                        COHORT_DATA_DIR=str(tmp_path))
    named = _settings_of(DATABASE_URL="postgres://cohort@db:5432/first", REDIS_URL=redis_url,
                         COHORT_REDIS_PREFIX="mentoring-eu")
    assert first == again  # every process of one install agrees
    assert len({str(s["prefix"]) for s in (first, second, elsewhere, lite, named)}) == 5
    assert named["prefix"] == "mentoring-eu"
    for install in (first, second, lite, named):
        prefix = str(install["prefix"])
        assert str(install["cache"]).startswith(prefix)
        assert all(str(layer).startswith(prefix) for layer in install["layers"])  # type: ignore[attr-defined]
    refused = _settings_of(DATABASE_URL="postgres://cohort@db:5432/first",
                           REDIS_URL=redis_url, COHORT_REDIS_PREFIX="two words")
    assert "COHORT_REDIS_PREFIX" in str(refused["error"])


# --- Two installs on one Redis ----------------------------------------------------------
SETUP = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.community.factories import UserFactory
from tests.liveclient import session_cookie
from tests.rooms.factories import make_room
ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
room = make_room(ana, bea)
print(json.dumps({"room": room.pk, "ana": [ana.pk, session_cookie(ana)],
                  "bea": [bea.pk, session_cookie(bea)]}))
"""


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """A SQLite database holding room 1 with Ana (member 1) and Bea (member 2), and their
    sessions; each install gets a copy of it."""
    path = tmp_path_factory.mktemp("community") / "community.sqlite3"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "COHORT_REDIS_PREFIX")}
    env.update(SQLITE_PATH=str(path), DJANGO_SETTINGS_MODULE="server.settings_test",
               SECRET_KEY=settings.SECRET_KEY, COHORT_DATA_DIR=str(path.parent))
    done = subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path, json.loads(done.stdout.strip().splitlines()[-1])


def _install(workdir: Path, community: Path, redis_url: str) -> ServerProcess:
    """An install of its own: a copy of the community's database, the production
    settings (its Redis prefix is its own by default), and this Redis."""
    workdir.mkdir()
    database = workdir / "cohort.sqlite3"
    with sqlite3.connect(community) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    return ServerProcess(workdir, DJANGO_SETTINGS_MODULE="server.settings", DATABASE_URL="",
                         SQLITE_PATH=str(database), REDIS_URL=redis_url,
                         COHORT_REDIS_PREFIX="")


def _with_db(url: str, db: int) -> str:
    return urlparse(url)._replace(path=f"/{db}").geturl()


@pytest.mark.redis
@pytest.mark.parametrize("dbs", [(0, 0), (0, 1)], ids=["same-db", "two-dbs"])
def test_two_installs_on_one_redis_never_see_each_other(community, tmp_path: Path, dbs):
    """Ana writes in room 1 of install A. Install B has its own room 1 with its own Ana
    and Bea: Bea's next message event is her own message, not A's, and Ana's socket on B
    hears first of being mentioned in it, not of A's read state."""
    database, people = community
    room = int(people["room"])  # type: ignore[call-overload]
    (_, ana_cookie), (_, bea_cookie) = people["ana"], people["bea"]  # type: ignore[misc]
    urls = [_with_db(settings.REDIS_URL, db) for db in dbs]
    servers = start_all(*(_install(tmp_path / name, database, url)
                          for name, url in zip("ab", urls, strict=True)))

    async def scenario() -> None:
        bea_b, ana_b = Member(servers[1], bea_cookie), Member(servers[1], ana_cookie)
        await bea_b.connect(**{str(room): 0})
        await ana_b.connect("/ws/personal/")
        ana_a = Member(servers[0], ana_cookie)
        await ana_a.connect(**{str(room): 0})
        await ana_a.say(room, "only for install A")
        await ana_a.until("chat.message.created")
        await ana_a.until("rooms.read")  # all of A's events are out
        await bea_b.say(room, "@**Ana** only for install B")
        own, before = await bea_b.until("chat.message.created")
        assert (own["rev"], own["message"]["text"]) == (1, "@**Ana** only for install B")
        assert [frame for frame in before if frame.get("user_id") != people["bea"][0]] == []  # type: ignore[index]
        mention = await ana_b.next()
        assert mention["type"] == "notify.mention"
        assert mention["excerpt"] == "@**Ana** only for install B"
        for member in (bea_b, ana_b, ana_a):
            await member.close()

    try:
        asyncio.run(scenario())
    finally:
        for server in servers:
            server.stop()
        for server, url in zip(servers, urls, strict=True):
            _forget(url, install_prefix({"ENGINE": "django.db.backends.sqlite3",
                                         "NAME": server.env["SQLITE_PATH"]}))


def _forget(url: str, prefix: str) -> None:
    """Delete what the install left in the shared Redis."""
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
