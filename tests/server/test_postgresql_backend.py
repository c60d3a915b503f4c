"""The PostgreSQL backend (server/postgresql): no health check for a connection that just
answered, recovery when the database drops a connection, prepared statements."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection

from chat import services as chat_services
from chat.models import Message
from community.models import User
from server.postgresql import base
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

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


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def send_eight(room, author) -> list[int]:
    for number in range(8):
        chat_services.message_send(author=author, room_id=room.pk, text=f"hello {number}",
                                   client_id=f"m{number}")
    return list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))


def test_a_chat_message_runs_on_prepared_statements():
    """From a statement's fifth run on, PostgreSQL parses and plans it no more: the
    room lock and the insert of every message, and what they store stays right."""
    author = UserFactory()
    room = make_room(author)
    assert send_eight(room, author) == list(range(1, 9))
    assert chat_services.message_send(author=author, room_id=room.pk, text="again",
                                      client_id="m3")[1] is False  # a resend, prepared
    prepared = " ".join(prepared_statements())
    assert "INSERT INTO" in prepared and "FOR UPDATE" in prepared
    room.refresh_from_db()
    assert (room.last_seq, room.last_rev) == (8, 8)


def test_no_statement_is_prepared_when_turned_off(settings):
    """Behind a pooler that does not keep prepared statements (COHORT_DB_PREPARED=false)."""
    settings.COHORT_DB_PREPARED = False
    connection.close()  # prepared statements live as long as their connection
    author = UserFactory()
    room = make_room(author)
    assert send_eight(room, author) == list(range(1, 9))
    assert prepared_statements() == []
