"""Bots (rooms.bots): an admin creates one for a room in Manage -> Bots with its token
(shown once); it is badged wherever names show, cannot sign in through the pages, acts
as a member of its room and no more, stays out of people's lists and counts, and is
deactivated with its tokens."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from community import tokens
from community.models import AccessToken, AuditEntry, User
from community.search import profile_search
from rooms import bots
from rooms.models import Membership
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(admin, room, name="Report Bot") -> tuple[Client, str]:
    client = signed_in(admin)
    answer = client.post(reverse("manage_bots"), {
        "bot_name": name, "room": room.pk, "name": "Bot token", "scopes": ["write"],
        "days": "365"})
    assert answer.status_code == 200, answer.content.decode()[:2000]
    page = answer.content.decode()
    shown = [word for word in page.split('"') if word.startswith("cohort_pat_")]
    assert len(shown) == 1
    return client, shown[0]


def test_admin_creates_a_bot_in_a_room_with_its_token_shown_once():
    admin, member = AdminFactory(), UserFactory()
    room = make_room(member, name="Writers")
    client, raw = create(admin, room)
    bot = User.objects.get(is_bot=True)
    assert bot.name == "Report Bot" and not bot.has_usable_password()
    assert Membership.objects.filter(room=room, user=bot, role="member").exists()
    token = AccessToken.objects.get(user=bot)
    assert tokens.digest(raw) == token.digest and token.scopes == ["read", "write"]
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"bot.create",
                                                                         "token.create"}
    page = client.get(reverse("manage_bots")).content.decode()
    assert raw not in page and "Report Bot" in page and "role-bot" in page
    assert Client().get("/api/v1/tokens", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_members_cannot_create_bots():
    member = UserFactory()
    room = make_room(member)
    answer = signed_in(member).post(reverse("manage_bots"), {
        "bot_name": "Sneaky", "room": room.pk, "name": "t", "scopes": ["read"], "days": "30"})
    assert answer.status_code == 403 and not User.objects.filter(is_bot=True).exists()


def test_a_bot_is_badged_and_never_an_admin_or_mentor():
    admin = AdminFactory()
    bot = bots.bot_create(admin=admin, name="Helper", room=make_room(admin))
    bot.role = "admin"  # whatever its role says
    assert bot.role_badge == "bot" and not bot.is_admin and not bot.is_mentor
    page = signed_in(admin).get(reverse("profile_detail", args=[bot.pk])).content.decode()
    assert "role-bot" in page


def test_a_bot_cannot_sign_in_with_a_password_form():
    admin = AdminFactory()
    bot = bots.bot_create(admin=admin, name="Helper", room=make_room(admin))
    bot.set_password("a-long-test-password")  # even if someone gave it one
    bot.save()
    client = Client()
    client.post("/accounts/login/", {"login": bot.email, "password": "a-long-test-password"})
    assert "_auth_user_id" not in client.session


def test_a_bot_is_left_out_of_people_search_and_counts():
    admin, member = AdminFactory(), UserFactory(name="Zoe")
    bots.bot_create(admin=admin, name="Zoe Bot", room=make_room(admin, member))
    assert [user.name for user in profile_search(member, query="")] == sorted(
        [admin.name, "Zoe"])
    from mentoring import dashboard

    assert dashboard.totals().members == 2


def test_a_bot_may_do_what_a_member_of_its_room_may_and_no_more():
    admin, member = AdminFactory(), UserFactory()
    room = make_room(member, name="Writers")
    other = make_room(member, name="Elsewhere")
    bot = bots.bot_create(admin=admin, name="Helper", room=room)
    from rooms import permissions

    visible = set(permissions.rooms_visible_to(bot).values_list("pk", flat=True))
    assert room.pk in visible and other.pk not in visible


def test_a_bots_token_stays_in_its_room_not_the_directory_or_mentoring():
    admin, member = AdminFactory(), UserFactory(name="Ana")
    mentor = UserFactory(role="mentor")
    room = make_room(member, name="Writers")
    bot = bots.bot_create(admin=admin, name="Helper", room=room)
    _token, raw = tokens.token_create(user=bot, actor=admin, name="b", scopes=["write"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    for path in ("/api/v1/people", f"/api/v1/people/{member.pk}", "/api/v1/me/profile",
                 "/api/v1/recommendations", "/api/v1/mentorships",
                 "/api/v1/mentorship-requests", "/api/v1/proposals"):
        answer = client.get(path, **auth)
        assert answer.status_code == 403, path
        assert b"Ana" not in answer.content
    asked = client.post("/api/v1/mentorship-requests", {"mentor_id": mentor.pk, "note": "Hi"},
                        content_type="application/json", **auth)
    changed = client.patch("/api/v1/me/profile", {"bio": "spam"},
                           content_type="application/json", **auth)
    assert (asked.status_code, changed.status_code) == (403, 403)
    from community.models import Profile
    from mentoring.models import Mentorship

    assert not Profile.objects.filter(user=bot, bio="spam").exists()
    assert not Mentorship.objects.exists()
    # Its room stays open to it.
    assert client.get(f"/api/v1/rooms/{room.pk}/messages", **auth).status_code == 200


def test_deactivating_a_bot_refuses_its_token_at_once():
    admin = AdminFactory()
    client, raw = create(admin, make_room(admin))
    bot = User.objects.get(is_bot=True)
    client.post(reverse("manage_bot_deactivate", args=[bot.pk]))
    bot.refresh_from_db()
    assert not bot.is_active
    assert Client().get("/api/v1/tokens",
                        HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEntry.objects.filter(action="bot.deactivate").exists()


def test_a_bot_is_never_recommended_as_a_mentee():
    from mentoring import matching
    from tests.community.factories import MentorFactory, TopicFactory, profile_fill

    negotiation = TopicFactory(name="Negotiation")
    nadia = profile_fill(MentorFactory(name="Nadia"), expertise=[negotiation],
                         languages=["fr", "en"])
    admin = AdminFactory()
    bot = bots.bot_create(admin=admin, name="Helper", room=make_room(admin))
    profile_fill(bot, wants_topics=[negotiation], languages=["fr"])
    lea = profile_fill(UserFactory(name="Léa"), wants_topics=[negotiation], languages=["fr"])
    names = [rec.user.name for rec in matching.mentees_for(nadia)]
    assert "Léa" in names and "Helper" not in names
    assert lea.pk in {rec.user.pk for rec in matching.mentees_for(nadia)}


def test_a_bot_is_told_in_the_app_never_by_email(mailoutbox, django_capture_on_commit_callbacks):
    from notifications import services as notifications

    admin = AdminFactory()
    bot = bots.bot_create(admin=admin, name="Helper", room=make_room(admin))
    member = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        told_bot = notifications.notify(user=bot, kind="data_export_ready",
                                        params={"date": "2027-01-01"}, url="/")
        notifications.notify(user=member, kind="data_export_ready",
                             params={"date": "2027-01-01"}, url="/")
    assert told_bot is not None  # in the app: its notifications stay readable
    assert [mail.to for mail in mailoutbox] == [[member.email]]
