"""Each statement of chat written as SQL text (chat/statements.py) against the ORM queryset
it replaces, on a varied data set: several rooms and members, deleted and edited
messages, messages whose author's account is gone, mentions live and deleted, read
positions behind, at and past what others wrote. Runs in both configurations (SQLite,
PostgreSQL), each with its own SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat import services, statements
from chat.models import Message
from community.models import User
from rooms import permissions
from rooms import services as room_services
from rooms import statements as room_statements
from rooms.models import Membership, Room
from tests.community.factories import UserFactory
from tests.parity import outcome
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 5, 4, 12, 0, tzinfo=timezone.UTC)


@dataclass
class Chatter:
    people: list[User]
    rooms: list[Room]


def say(user: User, room: Room, text: str) -> Message:
    return services.message_send(author=user, room_id=room.pk, text=text,
                                 client_id=f"c{Message.objects.count()}")[0]


@pytest.fixture
def chatter() -> Chatter:
    ana, bea, cy, dee = (UserFactory(name=n) for n in ("Ana Ruiz", "Bea Kim", "Cy Lo", "Dee Day"))
    eve = UserFactory(name="Eve Roomless")
    cohort = make_room(ana, bea, cy, dee, name="Cohort")
    direct = room_services.room_open_direct(user=bea, other=cy)
    pair = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="Pair")
    quiet = make_room(ana, cy, name="Quiet")
    say(ana, cohort, "Welcome @**Bea Kim**")
    say(bea, cohort, "Thanks @**Ana Ruiz** and @**Cy Lo**")
    draft = say(cy, cohort, "first draft")
    services.message_edit(user=cy, message_id=draft.pk, text="second draft @**Bea Kim**")
    say(dee, cohort, "@**Bea Kim** I am leaving soon")
    say(dee, cohort, "@**Cy Lo** bye")
    mistake = say(ana, cohort, "a mistake @**Cy Lo** @**Bea Kim**")
    services.message_delete(user=ana, message_id=mistake.pk)
    say(ana, cohort, "@**Dee Day** will be missed")
    say(ana, cohort, "@**Cy Lo** @**Bea Kim** see you Thursday")
    for index in range(3):
        say(bea if index % 2 else cy, direct, f"direct {index}")
    services.message_delete(user=cy, message_id=Message.objects.get(room=direct, seq=1).pk)
    say(ana, pair, "our plan")
    say(bea, pair, "@**Ana Ruiz** agreed")
    services.read_mark(user=bea, room_id=cohort.pk, seq=4)
    dee.delete()  # her messages stay, with no author; mentions of her go
    return Chatter([ana, bea, cy, eve], [cohort, direct, pair, quiet])


def orm_room_states(user_id: int, room_ids: list[int] | None) -> QuerySet[Membership, tuple]:
    """What room_state_rows replaces: per membership of hers, the room's counters, her read
    position, and two counted subqueries."""
    after_read = Message.objects.filter(room=OuterRef("room"), seq__gt=OuterRef("last_read_seq"),
                                        deleted_at__isnull=True)

    def count(messages: QuerySet[Message]) -> Coalesce:
        return Coalesce(Subquery(messages.order_by().values("room")
                                 .annotate(n=Count("pk")).values("n")), 0)
    memberships = Membership.objects.filter(user_id=user_id)
    if room_ids is not None:
        memberships = memberships.filter(room_id__in=room_ids)
    return memberships.annotate(
        unread=count(after_read.filter(Q(author__isnull=True) | ~Q(author_id=user_id))),
        mentions=count(after_read.filter(mention_rows__user_id=user_id)),
    ).values_list("room_id", "room__last_seq", "room__last_rev", "last_read_seq", "unread",
                  "mentions")


def test_the_rooms_state_every_socket_reads(chatter):
    cohort, direct, pair, quiet = chatter.rooms
    missing = max(room.pk for room in chatter.rooms) + 1
    assert Message.objects.filter(author__isnull=True).exists()  # the data set is varied
    assert Message.objects.filter(deleted_at__isnull=False).count() == 2
    for user in chatter.people:
        for room_ids in (None, [cohort.pk], [direct.pk, pair.pk, missing], [quiet.pk], []):
            found = statements.room_state_rows(user.pk, room_ids)
            assert sorted(found) == sorted(orm_room_states(user.pk, room_ids)), (user, room_ids)


def orm_message_insert(message: Message, place: room_statements.MessagePlace) -> bool:
    """What message_insert replaces: a lookup of her client_id, the insert, the room's
    counters and her read position, each its own statement."""
    if Message.objects.filter(room_id=message.room_id, author_id=message.author_id,
                              client_id=message.client_id).exists():
        return False
    message.save(force_insert=True)
    Room.objects.filter(pk=place.room.pk).update(last_seq=place.seq, last_rev=place.rev)
    Membership.objects.filter(pk=place.reader.pk).update(last_read_seq=place.seq)
    return True


def test_a_new_message(chatter):
    ana, bea, cy, _eve = chatter.people
    cohort, direct, _pair, quiet = chatter.rooms
    reply = Message.objects.get(room=cohort, seq=2)
    for author, room, client_id, reply_to in [
            (bea, cohort, "fresh", reply), (cy, direct, "fresh", None),
            (ana, quiet, "first-ever", None),
            (bea, cohort, Message.objects.get(room=cohort, seq=2).client_id, None),  # a resend
            (cy, cohort, Message.objects.get(room=cohort, seq=2).client_id, None)]:
        def write(insert, author=author, room=room, client_id=client_id, reply_to=reply_to):
            membership = permissions.membership_locking_room(author, room.pk)
            assert membership is not None
            place = room_services.message_place_take(room=membership.room, reader=membership)
            message = Message(room=membership.room, author=author, seq=place.seq,
                              rev=place.rev, created_rev=place.rev, client_id=client_id,
                              text="new", html="<p>new</p>", reply_to=reply_to, created_at=NOW)
            stored = insert(message, place)
            if stored:  # the id in hand is the stored row's
                assert Message.objects.get(room=room, seq=place.seq).pk == message.pk
            return stored
        with transaction.atomic():
            by_sql = outcome(lambda w=write: w(statements.message_insert),
                             Message, Room, Membership)
            by_orm = outcome(lambda w=write: w(orm_message_insert), Message, Room, Membership)
        assert by_sql == by_orm, (author, room, client_id)
