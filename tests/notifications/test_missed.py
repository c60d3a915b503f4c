"""Missed-message e-mails, on a frozen clock: sent once after her delay, gathering what
she missed; none once read, none from a muted room, none while a page of hers is open,
at most one per room per hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from chat import services as chat_services
from notifications import services
from notifications.missed import missed_sweep
from rooms import services as room_services
from rooms.models import Room
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim", email="bea@example.org")
    return ana, bea, make_room(ana, bea, kind=Room.Kind.DIRECT, name="")


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    def run(after: timedelta) -> int:
        with time_machine.travel(timezone.now() + after, tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            return missed_sweep()
    return run


def send(author, room, text, client_id):
    return chat_services.message_send(author=author, room_id=room.pk, text=text,
                                      client_id=client_id)[0]


def test_one_email_gathers_what_she_missed_once_the_delay_is_over(pair, sweep):
    ana, bea, room = pair
    group = make_room(ana, bea, name="Cohort A")
    first = send(ana, room, "Are we still on for **Thursday**? <script>x()</script>", "a")
    send(ana, group, "@**Bea Kim** your slides are great", "b")
    assert sweep(timedelta(minutes=9)) == 0 and mail.outbox == []
    assert sweep(timedelta(minutes=11)) == 1
    [email] = mail.outbox
    assert email.to == ["bea@example.org"]
    assert "2 unread messages" in email.subject
    # What she would read in the room, as plain text: no Markdown marks, no markup run.
    assert "Ana Ruiz: Are we still on for Thursday? <script>x()</script>" in email.body
    assert "your slides are great" in email.body and "== Cohort A ==" in email.body
    assert f"/rooms/{room.pk}/#message-{first.seq}" in email.body
    assert not email.alternatives  # plain text only: nothing she wrote is ever HTML here
    assert sweep(timedelta(minutes=30)) == 0 and len(mail.outbox) == 1  # never twice


def test_nothing_once_she_read_the_room(pair, sweep):
    ana, bea, room = pair
    message = send(ana, room, "see you tomorrow", "a")
    chat_services.read_mark(user=bea, room_id=room.pk, seq=message.seq)
    assert sweep(timedelta(minutes=11)) == 0 and mail.outbox == []


def test_nothing_from_a_muted_room(pair, sweep):
    ana, bea, room = pair
    send(ana, room, "@**Bea Kim** muted anyway", "a")
    room_services.room_mute(user=bea, room=room, muted=True)
    assert sweep(timedelta(minutes=11)) == 0 and mail.outbox == []


def test_nothing_while_a_page_of_hers_is_open(pair, sweep):
    ana, bea, room = pair
    room_services.connection_open(user=bea, channel_name="bea-tab")
    send(ana, room, "you are online", "a")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        room_services.connection_touch(channel_name="bea-tab")  # her heartbeat
        assert missed_sweep() == 0
    room_services.connection_close(channel_name="bea-tab")
    assert sweep(timedelta(minutes=12)) == 1  # gone: now it is missed


def test_at_most_one_email_per_room_per_hour(pair, sweep):
    ana, bea, room = pair
    send(ana, room, "first", "a")
    assert sweep(timedelta(minutes=11)) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        send(ana, room, "second", "b")
    assert sweep(timedelta(minutes=40)) == 0  # the room was e-mailed 29 minutes ago
    assert sweep(timedelta(minutes=72)) == 1
    assert "second" in mail.outbox[1].body and "first" not in mail.outbox[1].body


def test_her_delay_and_her_choice_of_no_email_are_kept(pair, sweep):
    ana, bea, room = pair
    services.settings_update(viewer=bea, member=bea, missed_after_minutes=60)
    send(ana, room, "in an hour", "a")
    assert sweep(timedelta(minutes=30)) == 0
    assert sweep(timedelta(minutes=61)) == 1
    services.preferences_update(viewer=bea, member=bea, values={"chat_direct": (True, False)})
    send(ana, room, "no e-mail for this", "b")
    assert sweep(timedelta(hours=3)) == 0 and len(mail.outbox) == 1


def test_a_message_more_than_a_day_old_is_not_emailed(pair, sweep):
    ana, _bea, room = pair
    send(ana, room, "old news", "a")
    assert sweep(timedelta(days=2)) == 0


def test_the_command_sweeps_once(pair, django_capture_on_commit_callbacks, capsys):
    ana, _bea, room = pair
    send(ana, room, "by the command", "a")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        call_command("notifications_sweep")
    assert "1 missed-message e-mails sent" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_an_idle_tab_left_open_does_not_swallow_her_mentions(pair, sweep):
    ana, bea, room = pair
    room_services.connection_open(user=bea, channel_name="bea-tab")
    room_services.connection_touch(channel_name="bea-tab", state="idle")
    send(ana, room, "while you were away from the tab", "a")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        room_services.connection_touch(channel_name="bea-tab", state="idle")  # heartbeats
        assert sweep(timedelta(0)) == 1


def test_a_read_tokens_socket_does_not_swallow_her_mentions(pair, sweep):
    """A script reading with a read-only token is not her with a page open."""
    ana, bea, room = pair
    room_services.connection_open(user=bea, channel_name="bea-script", reading=True)
    send(ana, room, "the script reads this, she does not", "a")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        room_services.connection_touch(channel_name="bea-script")  # its heartbeats
        assert sweep(timedelta(0)) == 1

def test_what_will_never_be_emailed_is_settled_and_not_read_again(pair, sweep):
    from notifications.models import Notification

    ana, bea, room = pair
    services.preferences_update(viewer=bea, member=bea, values={"chat_direct": (True, False)})
    send(ana, room, "in the app only", "a")
    assert sweep(timedelta(minutes=11)) == 0
    assert Notification.objects.get(user=bea).emailed_at is not None  # settled: never read again
    assert Notification.objects.get(user=bea).read_at is None  # still unread in her centre
