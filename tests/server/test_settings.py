"""Production mode refuses to start half-configured, and then passes Django's deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DEBUG",
                          "DJANGO_ALLOW_ASYNC_UNSAFE")}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "server.settings"
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=clean,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_production_without_secret_key_refuses_to_start():
    done = manage("check", DEBUG="false", ALLOWED_HOSTS="cohort.example")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    done = manage("check", DEBUG="false", SECRET_KEY=GOOD_KEY)
    assert done.returncode != 0
    assert "ALLOWED_HOSTS" in done.stderr


def test_production_deploy_check_prints_no_warning(tmp_path):
    done = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="false",
                  SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="cohort.example",
                  COHORT_DATA_DIR=str(tmp_path), EMAIL_URL="smtp://cohort:pw@mail.example:587")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.django_db
def test_embedded_default_sqlite_uses_wal():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only: the embedded default configuration")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
