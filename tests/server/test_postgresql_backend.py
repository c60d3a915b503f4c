"""The PostgreSQL backend (server/postgresql): no health check for a connection that just
answered, and recovery when the database drops a connection."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection

from community.models import User
from server.postgresql import base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def request() -> int:
    """What Channels does around each socket request: close old connections, query, close."""
    close_old_connections()
    try:
        return User.objects.count()
    finally:
        close_old_connections()


def drop_connection() -> None:
    """The database ends this connection's session, as a restart would."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432,
                         user=settings["USER"], dbname=settings["NAME"],
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def checks(monkeypatch):
    """Counts the health checks (each one a `SELECT 1` round trip)."""
    counted = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: counted.append(1) or usable())
    return counted


def test_a_connection_that_just_answered_is_not_checked_again(checks, monkeypatch):
    request()
    for _ in range(5):
        request()
    assert checks == []
    monkeypatch.setattr(base, "PROVEN_FOR", 0.0)  # as if a second went by unused
    request()
    assert checks == [1]


def test_a_connection_dropped_while_unused_is_replaced_before_the_request(monkeypatch):
    request()
    drop_connection()
    monkeypatch.setattr(base, "PROVEN_FOR", 0.0)
    assert request() >= 0  # the health check found it dead: a new one answered


def test_a_connection_dropped_just_after_use_fails_one_request_only():
    request()
    drop_connection()
    with pytest.raises(OperationalError):
        request()
    assert request() >= 0
