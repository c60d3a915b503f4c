"""The demo community of the run command (server/management/commands/seed_demo.py)."""

import pytest
from django.core.management import call_command

from calendar_app.models import Event
from chat.models import Message
from community.models import Role, User
from rooms.models import Room

pytestmark = pytest.mark.django_db


def test_demo_is_loaded_once_with_people_rooms_and_messages(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "password:" in first
    assert User.objects.filter(role=Role.MENTOR).count() == 4
    assert User.objects.get(email="admin@cohort.example").is_admin
    assert Room.objects.count() == 2 and Message.objects.count() == 5
    # Each room has its next meeting on its calendar: the cohort's is weekly.
    assert sorted(Event.objects.values_list("room__kind", "rrule")) == [
        ("group", "FREQ=WEEKLY;COUNT=12"), ("one_to_one", "")]
    # Nadia has opened her hours, and her mentee may book them.
    from calendar_app import availability
    from calendar_app.permissions import can_book

    nadia = User.objects.get(booking_settings__isnull=False)
    mentee = User.objects.get(mentorships_received__status="active")
    assert can_book(mentee, nadia) and availability.free_slots(nadia)
    call_command("seed_demo")
    assert "password" not in capsys.readouterr().out
    assert User.objects.count() == 9 and Message.objects.count() == 5
