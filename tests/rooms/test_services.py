"""The room's event log, owned by rooms: every feature takes its `rev` here."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from chat import services as chat_services
from rooms import catchup, services
from rooms.models import Membership, Room
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room


@pytest.fixture
def pair():
    ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
    return ana, bea, make_room(ana, bea)


def take_rev(room_id: int) -> int:
    """What another feature (a call, a document) does to number a change of the room."""
    with transaction.atomic():
        return services.rev_take(room=services.room_lock(room_id=room_id))


@pytest.mark.django_db
class TestRevs:
    def test_every_feature_appends_to_one_log(self, pair):
        """A change numbered by another feature and chat's messages share one gapless rev
        sequence: a socket that holds rev 1 is sent the message at rev 2 and nothing
        else."""
        ana, _bea, room = pair
        assert take_rev(room.pk) == 1
        message, _ = chat_services.message_send(author=ana, room_id=room.pk, text="hi",
                                                client_id="a")
        assert (message.seq, message.rev) == (1, 2)
        assert take_rev(room.pk) == 3
        room.refresh_from_db()
        assert (room.last_seq, room.last_rev) == (1, 3)
        events, reset, head = catchup.events_after(ana, room.pk, 1)
        assert not reset and [e["rev"] for e in events] == [2] and head == 3

    def test_a_rolled_back_change_gives_its_rev_back(self, pair):
        *_, room = pair
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            services.rev_take(room=services.room_lock(room_id=room.pk))
            1 / 0  # noqa: B018 (the change fails after taking its number)
        assert take_rev(room.pk) == 1

    def test_a_room_read_before_the_lock_gets_no_rev(self, pair):
        """Two changes never share a rev: a room object read before another change took
        the next one is refused, whatever the caller forgot."""
        *_, room = pair
        stale = Room.objects.get(pk=room.pk)
        take_rev(room.pk)
        with pytest.raises(RuntimeError), transaction.atomic():
            services.rev_take(room=stale)
        room.refresh_from_db()
        assert room.last_rev == 1


@pytest.mark.django_db(transaction=True)
def test_a_rev_is_taken_only_inside_the_change_s_transaction(pair):
    *_, room = pair
    with pytest.raises(RuntimeError):
        services.rev_take(room=room)
    with pytest.raises(RuntimeError):
        services.room_lock(room_id=room.pk)
    room.refresh_from_db()
    assert room.last_rev == 0


@pytest.mark.django_db
class TestReadPosition:
    def test_forward_only_and_never_past_the_last_message(self, pair):
        ana, bea, room = pair
        for index in range(3):
            chat_services.message_send(author=ana, room_id=room.pk, text=f"m{index}",
                                       client_id=f"c{index}")
        with transaction.atomic():
            assert services.read_position_move(user=bea, room_id=room.pk, seq=2) == (2, True)
            assert services.read_position_move(user=bea, room_id=room.pk, seq=1) == (2, False)
            assert services.read_position_move(user=bea, room_id=room.pk, seq=99) == (3, True)
        assert Membership.objects.get(room=room, user=bea).last_read_seq == 3

    def test_only_her_own_rooms_and_whole_numbers(self, pair):
        _ana, bea, room = pair
        with transaction.atomic():
            with pytest.raises(Membership.DoesNotExist):
                services.read_position_move(user=UserFactory(), room_id=room.pk, seq=1)
            with pytest.raises(ValidationError):
                services.read_position_move(user=bea, room_id=room.pk, seq=-1)
