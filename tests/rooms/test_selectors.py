"""Reads every socket makes when it opens: her rooms, and members' presence."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rooms import selectors, services
from rooms.models import Connection
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def test_her_rooms_and_no_one_elses():
    ana, bea, cy = UserFactory(), UserFactory(), UserFactory()
    first, second = make_room(ana, bea), make_room(ana, cy)
    make_room(bea, cy)
    assert sorted(selectors.room_ids_of(ana)) == sorted([first.pk, second.pk])
    assert selectors.room_ids_of(UserFactory()) == []


def test_presence_from_her_sockets_records():
    ana, bea, cy, dee = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    services.connection_open(user=ana, channel_name="a1")
    services.connection_open(user=bea, channel_name="b1")
    services.connection_touch(channel_name="b1", state="idle")
    services.connection_open(user=bea, channel_name="b2")  # both tabs idle: away
    services.connection_touch(channel_name="b2", state="idle")
    services.connection_open(user=cy, channel_name="c1")
    services.connection_touch(channel_name="c1", state="idle")
    services.connection_open(user=dee, channel_name="d1")
    Connection.objects.filter(channel_name="d1").update(
        seen_at=timezone.now() - services.PRESENCE_TIMEOUT * 2)  # her process died
    assert selectors.presence_of([ana.pk, bea.pk, cy.pk, dee.pk]) == {
        ana.pk: "online", cy.pk: "away", bea.pk: "away"}
    services.connection_touch(channel_name="b2", state="active")
    assert selectors.presence_of([bea.pk])[bea.pk] == "online"
    assert Connection.objects.get(channel_name="a1").state == Connection.State.ACTIVE
    services.connection_close(channel_name="a1")
    assert selectors.presence_of([ana.pk]) == {}
    assert selectors.presence_of([]) == {}
    assert Connection.objects.get(channel_name="c1").state == "idle"
