"""Who may delete a message, in each kind of room: its author, another member, an owner or
moderator, a blocked member, a non-member and an admin. In one-to-one and direct rooms
nobody but the author; in group rooms the author, the owners and the moderators. The rule's
three forms (a message, a room, all her rooms) and the service agree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from chat import permissions, selectors, services
from chat.models import Message
from community.models import User
from rooms import permissions as room_permissions
from rooms import services as room_services
from rooms.models import Membership, Room
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db

ONE_TO_ONE, DIRECT, GROUP = Room.Kind.ONE_TO_ONE, Room.Kind.DIRECT, Room.Kind.GROUP
MEMBER, MODERATOR, OWNER = (Membership.Role.MEMBER, Membership.Role.MODERATOR,
                            Membership.Role.OWNER)


@dataclass
class Scene:
    room: Room
    author: User
    other: User  # the other member of a pair room; in a group room, a member beside both
    message: Message

    def role(self, user: User, role: str) -> User:
        Membership.objects.filter(room=self.room, user=user).update(role=role)
        return user


def scene(kind: str, other: User | None = None) -> Scene:
    """A room of `kind` where the author wrote one message. The one-to-one room is the
    mentorship's (both members own it), the direct room the one a profile opens (both
    are members), the group room a mentor's (she owns it; the author and `other` are
    members)."""
    author = UserFactory(name="Amal Author")
    other = other or UserFactory(name="Olga Other")
    if kind == ONE_TO_ONE:
        room = room_services.room_create_one_to_one(mentor=other, mentee=author)
    elif kind == DIRECT:
        room = room_services.room_open_direct(user=author, other=other)
    else:
        room = room_services.room_create_group(
            creator=MentorFactory(name="Mia Mentor"), name="Cohort", members=[author, other])
    message, _ = services.message_send(author=author, room_id=room.pk, text="hello",
                                       client_id="m")
    return Scene(room, author, other, message)


# Who tries, built from a fresh scene; and whether she may delete the author's message in
# a one-to-one, a direct and a group room.
CASES: dict[str, tuple[Callable[[Scene], User], tuple[bool, bool, bool]]] = {
    "the author": (lambda s: s.author, (True, True, True)),
    "the author, across a block": (
        lambda s: BlockFactory(blocker=s.other, blocked=s.author).blocked,
        (True, True, True)),
    "another member": (lambda s: s.role(s.other, MEMBER), (False, False, False)),
    "an owner": (lambda s: s.role(s.other, OWNER), (False, False, True)),
    "a moderator": (lambda s: s.role(s.other, MODERATOR), (False, False, True)),
    "a blocked member": (
        lambda s: BlockFactory(blocker=s.author, blocked=s.role(s.other, MEMBER)).blocked,
        (False, False, False)),
    "a moderator the author blocked": (
        lambda s: BlockFactory(blocker=s.author, blocked=s.role(s.other, MODERATOR)).blocked,
        (False, False, True)),
    "a non-member": (lambda s: UserFactory(), (False, False, False)),
    "an admin": (lambda s: AdminFactory(), (False, False, False)),
}


@pytest.mark.parametrize("kind", [ONE_TO_ONE, DIRECT, GROUP])
@pytest.mark.parametrize("who", list(CASES))
def test_who_deletes_a_message(kind: str, who: str,
                               django_capture_on_commit_callbacks: object) -> None:
    s = scene(kind)
    pick, expected = CASES[who]
    actor = pick(s)
    allowed = expected[[ONE_TO_ONE, DIRECT, GROUP].index(kind)]

    assert permissions.can_delete(actor, s.message) is allowed
    if actor != s.author:
        others = permissions.can_delete_others(actor, s.room)
        assert others is allowed
        assert permissions.can_delete_others_in(actor, [s.room]) == ({s.room.pk} if others
                                                                      else set())
    if not allowed:
        refused = services.NotFound if s.room.pk not in _rooms_of(actor) else PermissionDenied
        with pytest.raises(refused):
            services.message_delete(user=actor, message_id=s.message.pk)
        assert Message.objects.get(pk=s.message.pk).deleted_at is None
        return
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        services.message_delete(user=actor, message_id=s.message.pk)
    stored = selectors.message_get(s.message.pk)
    assert stored.deleted_at and stored.deleted_by == actor and stored.text == ""
    payload = selectors.message_payload(stored)
    assert payload["deleted"] and payload["deleted_by"] == (
        "author" if actor == s.author else "moderator")


def _rooms_of(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user).values_list("room_id", flat=True))


@pytest.mark.parametrize("kind", [ONE_TO_ONE, DIRECT, GROUP])
def test_an_admin_in_the_room_deletes_only_what_a_member_of_her_role_would(kind: str) -> None:
    s = scene(kind, other=AdminFactory(name="Ada Admin"))
    assert not permissions.can_delete(s.role(s.other, MEMBER), s.message)
    assert permissions.can_delete(s.role(s.other, MODERATOR), s.message) is (kind == GROUP)


def test_nobody_deletes_in_an_archived_room_nor_a_deactivated_moderator() -> None:
    s = scene(GROUP)
    moderator = s.role(s.other, MODERATOR)
    moderator.is_active = False
    moderator.save()
    assert not permissions.can_delete(moderator, s.message)
    assert permissions.can_delete_others_in(moderator, [s.room]) == set()
    owner = Membership.objects.get(room=s.room, role=OWNER).user
    room_services.room_archive(actor=owner, room=s.room)
    message = Message.objects.select_related("room").get(pk=s.message.pk)
    assert not permissions.can_delete(s.author, message)
    assert not permissions.can_delete(owner, message)
    assert permissions.can_delete_others_in(owner, [message.room]) == set()


def test_the_rooms_form_answers_as_the_one_room_form_for_all_her_rooms() -> None:
    """`can_delete_others_in` over rooms of every kind and role, with her memberships
    given or read, is `can_delete_others` room by room."""
    ana = MentorFactory(name="Ana")
    rooms = []
    for role in (MEMBER, MODERATOR, OWNER):
        for kind in (ONE_TO_ONE, DIRECT, GROUP):
            s = scene(kind, other=ana)
            s.role(ana, role)
            rooms.append(Room.objects.get(pk=s.room.pk))
    rooms.append(scene(GROUP).room)  # not hers
    expected = {room.pk for room in rooms if permissions.can_delete_others(ana, room)}
    assert len(expected) == 2
    assert permissions.can_delete_others_in(ana, rooms) == expected
    memberships = room_permissions.memberships_in(ana, rooms)
    assert permissions.can_delete_others_in(ana, rooms, memberships=memberships) == expected
