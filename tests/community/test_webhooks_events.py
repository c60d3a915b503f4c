"""Each event a hook can ask for fires once per hook that asked for it, after the change
commits (never when it is rolled back), with the payload docs/api.md documents and no
content: no message, note, goal title, session topics or reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from community import erasure, moderation
from community import services as community_services
from community.models import Report, WebhookDelivery
from community.webhooks import services
from mentoring.models import Mentorship
from mentoring.services import relationship
from mentoring.services.requests import request_accept, request_send
from tests.community.factories import PASSWORD, AdminFactory, MentorFactory, UserFactory
from tests.community.test_webhooks import Receiver, loopback, receiver  # noqa: F401
from tests.mentoring.factories import active

MEMBER = {"id", "name", "role"}
PAIR = {"mentorship", "mentor", "mentee"}
# What each event's `data` holds (docs/api.md, "Webhooks").
KEYS = {
    "member.joined": {"member", "joined_at", "via"},
    "member.left": {"member", "reason", "left_at"},
    "mentorship.requested": PAIR | {"requested_at", "expires_at"},
    "mentorship.accepted": PAIR | {"requested_at", "accepted_at"},
    "mentorship.ended": PAIR | {"ended_at", "outcome", "ended_by"},
    "session.logged": PAIR | {"session", "logged_by", "logged_at"},
    "goal.achieved": PAIR | {"goal", "achieved_at"},
}
SECRETS = ["Please mentor me on salary talks", "Private thoughts", "Negotiate the raise",
           "We practised the pitch", "She was rude"]


def _joined(admin: Any) -> None:
    _invitation, token = community_services.invitation_create(
        admin=admin, email="new@example.org", name="Nora New")
    community_services.invitation_accept(token=token, name="Nora New",
                                         password="a-long-new-password-9")


def _left_deletion(admin: Any) -> None:
    erasure.account_delete_request(user=UserFactory(name="Lea Leaving"), password=PASSWORD)


def _left_suspended(admin: Any) -> None:
    member = UserFactory(name="Sam Suspended")
    report, _new = moderation.report_create(
        reporter=UserFactory(), kind="profile", item_id=member.pk,
        reason=Report.Reason.OTHER, details=SECRETS[4])
    moderation.report_decide(moderator=admin, report_id=report.pk,
                             decision=moderation.Decision(suspend=True))


def _left_erased(admin: Any) -> None:
    erasure.account_erase(user=UserFactory(name="Eve Erased"))


def _requested(admin: Any) -> None:
    request_send(mentee=UserFactory(), mentor=MentorFactory(), note=SECRETS[0])


def _accepted(admin: Any) -> None:
    mentor = MentorFactory()
    pending = Mentorship.objects.get(pk=request_send(
        mentee=UserFactory(), mentor=mentor, note=SECRETS[0]).pk)
    request_accept(mentor=mentor, mentorship_id=pending.pk, message="Welcome aboard")


def _ended(admin: Any) -> None:
    mentee = UserFactory()
    mentorship = active(mentee, MentorFactory())
    relationship.note_save(user=mentee, mentorship=mentorship, text=SECRETS[1])
    relationship.mentorship_end(user=mentee, mentorship=mentorship, outcome="goals_met",
                                reason=SECRETS[4])


def _session(admin: Any) -> None:
    mentee = UserFactory()
    mentorship = active(mentee, MentorFactory())
    relationship.session_log(user=mentee, mentorship=mentorship, held_on=date(2026, 1, 5),
                             minutes=45, topics=SECRETS[3])


def _goal(admin: Any) -> None:
    mentee = UserFactory()
    mentorship = active(mentee, MentorFactory())
    goal = relationship.goal_add(user=mentee, mentorship=mentorship, title=SECRETS[2])
    relationship.goal_set_achieved(user=mentee, goal=goal, achieved=True)
    relationship.goal_set_achieved(user=mentee, goal=goal, achieved=True)  # once only


def _goal_by_milestones(admin: Any) -> None:
    mentee = UserFactory()
    mentorship = active(mentee, MentorFactory())
    goal = relationship.goal_add(user=mentee, mentorship=mentorship, title=SECRETS[2])
    milestone = relationship.milestone_add(user=mentee, goal=goal, title="Draft")
    relationship.milestone_set_done(user=mentee, milestone=milestone, done=True)


ACTIONS: list[tuple[str, Callable[[Any], None], dict[str, Any]]] = [
    ("member.joined", _joined, {"via": "invitation"}),
    ("member.left", _left_deletion, {"reason": "deletion_requested"}),
    ("member.left", _left_suspended, {"reason": "suspended"}),
    ("member.left", _left_erased, {"reason": "erased"}),
    ("mentorship.requested", _requested, {}),
    ("mentorship.accepted", _accepted, {}),
    ("mentorship.ended", _ended, {"outcome": "goals_met", "ended_by": "mentee"}),
    ("session.logged", _session, {"logged_by": "mentee"}),
    ("goal.achieved", _goal, {}),
    ("goal.achieved", _goal_by_milestones, {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "action", "expected"), ACTIONS,
                         ids=[f"{e}-{a.__name__}" for e, a, _x in ACTIONS])
def test_each_event_fires_once_per_hook_that_asked_after_commit(
        loopback, receiver: Receiver, django_capture_on_commit_callbacks,  # noqa: F811
        event, action, expected):
    admin = AdminFactory()
    wanted, _secret = services.webhook_create(admin=admin, url=receiver.url + "/wanted",
                                              description="", events=[event])
    everything = [e for e in KEYS if e != event]
    other, _secret = services.webhook_create(admin=admin, url=receiver.url + "/other",
                                             description="", events=everything)
    # Setting up may fire other events (a mentorship is requested and accepted first):
    # those go to the other hook only.
    with django_capture_on_commit_callbacks(execute=True):
        action(admin)
    got = receiver.all()
    mine = [r for r in got if r.path.endswith("/wanted")]
    assert len(mine) == 1, [r.headers["Cohort-Event-Type"] for r in got]
    assert not [r for r in got if r.path.endswith("/other")
                and r.headers["Cohort-Event-Type"] == event]
    body = mine[0].json
    assert body["type"] == event == mine[0].headers["Cohort-Event-Type"]
    assert set(body) == {"id", "type", "created", "data"}
    data = body["data"]
    assert set(data) == KEYS[event]
    for key, value in expected.items():
        assert data[key] == value
    for person in ("member", "mentor", "mentee"):
        if person in data:
            wanted_keys = MEMBER - {"name"} if data.get("reason") == "erased" else MEMBER
            assert set(data[person]) == wanted_keys
    text = mine[0].body.decode()
    for secret in SECRETS + ["Welcome aboard"]:
        assert secret not in text
    assert WebhookDelivery.objects.get(webhook=wanted).status == WebhookDelivery.Status.DELIVERED


@pytest.mark.django_db
def test_a_change_rolled_back_sends_nothing(loopback, receiver,  # noqa: F811
                                            django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = services.webhook_create(admin=admin, url=receiver.url, description="",
                                            events=list(KEYS))
    mentee, mentor = UserFactory(), MentorFactory()
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        request_send(mentee=mentee, mentor=mentor, note="Hello there")
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()
    # The sentinel: the next event is the first the receiver hears.
    with django_capture_on_commit_callbacks(execute=True):
        request_send(mentee=mentee, mentor=mentor, note="Hello again")
    assert [json.loads(r.body)["type"] for r in receiver.all()] == ["mentorship.requested"]


@pytest.mark.django_db
def test_a_disabled_hook_hears_nothing(loopback, receiver,  # noqa: F811
                                       django_capture_on_commit_callbacks):
    admin = AdminFactory()
    off, _secret = services.webhook_create(admin=admin, url=receiver.url + "/off",
                                           description="", events=["mentorship.requested"])
    services.webhook_update(admin=admin, webhook=off, url=off.url, description="",
                            events=["mentorship.requested"], enabled=False)
    services.webhook_create(admin=admin, url=receiver.url + "/on", description="",
                            events=["mentorship.requested"])
    with django_capture_on_commit_callbacks(execute=True):
        request_send(mentee=UserFactory(), mentor=MentorFactory(), note="Hello there")
    assert [r.path for r in receiver.all()] == ["/hook/on"]


@pytest.mark.django_db
def test_an_erased_members_name_leaves_the_webhook_log(loopback, receiver,  # noqa: F811
                                                      django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = services.webhook_create(admin=admin, url=receiver.url, description="",
                                            events=["mentorship.requested", "member.left"])
    mentee = UserFactory(name="Zoé « Quotes » Erased")
    other = UserFactory(name="Zoé Stays")
    with django_capture_on_commit_callbacks(execute=True):
        request_send(mentee=mentee, mentor=MentorFactory(), note="Hello there")
        request_send(mentee=other, mentor=MentorFactory(), note="Hello there")
    with django_capture_on_commit_callbacks(execute=True):
        erasure.account_erase(user=mentee)
    bodies = list(hook.deliveries.values_list("body", flat=True))
    assert len(bodies) == 3
    assert not [b for b in bodies if "Quotes" in b]
    assert [b for b in bodies if "Zoé Stays" in b]
    sent_before = [r.json for r in receiver.all()]
    assert any(d["data"]["mentee"]["name"] == "Zoé « Quotes » Erased" for d in sent_before
               if d["type"] == "mentorship.requested")  # what was sent, was sent


@pytest.mark.django_db
def test_a_sign_up_by_an_allowed_domain_is_a_member_joined(
        client, loopback, receiver, django_capture_on_commit_callbacks):  # noqa: F811
    from community.models import SignupDomain, User

    SignupDomain.objects.create(domain="wit.example")
    services.webhook_create(admin=AdminFactory(), url=receiver.url, description="",
                            events=["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {
            "email": "kim@wit.example", "name": "Kim", "password1": "a-long-password-1",
            "password2": "a-long-password-1"})
    assert response.status_code == 302
    kim = User.objects.get(email="kim@wit.example")
    (got,) = receiver.all()
    assert got.json["data"]["member"] == {"id": kim.pk, "name": "Kim", "role": "member"}
    assert got.json["data"]["via"] == "signup"
