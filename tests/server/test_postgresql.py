"""PostgreSQL with Django's own backend: a connection the database dropped costs no
request (Django's health check replaces it), and the statements written once run prepared
(rooms.rows.statement_cursor)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection

from chat import services as chat_services
from chat.models import Message
from community.models import User
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
        # pg_terminate_backend only signals the backend: wait (bounded) until it is gone,
        # so the next request meets a connection that is really dead.
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def test_a_connection_dropped_between_requests_fails_none():
    """Django checks a reused connection before a request's first query (CONN_HEALTH_CHECKS)
    and opens a new one if the database ended it."""
    request()
    drop_connection()
    assert request() >= 0
    drop_connection()
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
