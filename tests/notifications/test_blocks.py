"""No notification of any kind crosses a block, either way: a member is never told of
what someone she blocked, or who blocked her, did (notifications.permissions.may_be_told)."""

from __future__ import annotations

import pytest

from notifications import kinds, permissions, services
from notifications.models import Notification
from tests.calendar_app.factories import make_event
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio():
    """Ana blocked Bea; Cleo is a bystander."""
    ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
    BlockFactory(blocker=ana, blocked=bea)
    return ana, bea, cleo


PARAMS = {"name": "x", "room": "r", "excerpt": "e", "mentee": "m", "mentor": "m",
          "date": "d", "count": 3, "document": "doc", "title": "t", "when": "w"}


@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
@pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
def test_no_kind_is_told_across_a_block(trio, kind, direction):
    ana, bea, cleo = trio
    actor, user = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
    assert services.notify(user=user, kind=kind, params=PARAMS, actor=actor) is None
    assert not Notification.objects.filter(user=user).exists()
    # The sentinel: the same notice from a bystander is told.
    assert services.notify(user=user, kind=kind, params=PARAMS, actor=cleo) is not None


@pytest.mark.parametrize("who,told", [
    ("member", True), ("blocker", False), ("blocked member", False), ("admin", True),
    ("nobody", True)])
def test_may_be_told(trio, who, told):
    ana, bea, cleo = trio
    actor = {"member": cleo, "blocker": ana, "blocked member": bea, "admin": AdminFactory(),
             "nobody": None}[who]
    target = bea if who == "blocker" else ana
    assert permissions.may_be_told(target, actor) is told
    if actor is not None:
        assert (target.pk in permissions.told_of(actor, [target.pk])) is told


def test_a_calendar_invitation_is_not_told_across_a_block(
        trio, django_capture_on_commit_callbacks):
    ana, bea, cleo = trio
    room = make_room(bea, ana, cleo)
    with django_capture_on_commit_callbacks(execute=True):
        make_event(bea, room)
    told = set(Notification.objects.filter(kind="event_invitation")
               .values_list("user_id", flat=True))
    assert told == {cleo.pk}


def test_a_document_comment_mention_is_not_told_across_a_block(
        trio, django_capture_on_commit_callbacks):
    from server import features

    ana, bea, cleo = trio
    features._document_mention(ana, bea, "CV.pdf", "/documents/1/")
    features._document_mention(cleo, bea, "CV.pdf", "/documents/1/")
    assert list(Notification.objects.values_list("user_id", flat=True)) == [cleo.pk]


def test_a_call_rings_nobody_across_a_block(trio):
    from notifications import room_signals

    ana, bea, cleo = trio
    room = make_room(bea, ana, cleo)
    room_signals.call_started(room=room, caller=bea)
    assert list(Notification.objects.values_list("user_id", flat=True)) == [cleo.pk]
