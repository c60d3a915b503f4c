"""What her rooms tell her: mentions, replies, pair and direct messages, calls; muting;
reading the room (or joining the call, or answering the request) reads the notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from chat import services as chat_services
from community import services as community_services
from community.models import User
from mentoring.services import requests as mentoring_requests
from notifications import selectors
from notifications.models import Notification
from rooms import protocol
from rooms import services as room_services
from rooms.models import Membership, Room
from tests.community.factories import (
    PASSWORD,
    AdminFactory,
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
)
from tests.mentoring.factories import active, pending
from tests.rooms.factories import make_room
from video import services as video_services

pytestmark = pytest.mark.django_db


def send(author: User, room: Room, text: str, client_id: str, reply_to: int | None = None):
    return chat_services.message_send(author=author, room_id=room.pk, text=text,
                                      client_id=client_id, reply_to=reply_to)[0]


def kinds_of(user: User) -> list[str]:
    return [n.kind for n in selectors.notification_list(user)]


def mute(user: User, room: Room) -> None:
    room_services.room_mute(user=user, room=room, muted=True)


@pytest.fixture
def group():
    ana, bea, cy = (UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim"),
                    UserFactory(name="Cy Lee"))
    return ana, bea, cy, make_room(ana, bea, cy, name="Cohort A")


class TestMessages:
    def test_a_plain_group_message_tells_nobody(self, group):
        ana, bea, cy, room = group
        send(ana, room, "Hello everyone", "a")
        assert kinds_of(bea) == kinds_of(cy) == []

    def test_a_mention_tells_the_member_mentioned_with_the_text_and_a_link(self, group):
        ana, bea, cy, room = group
        message = send(ana, room, "@**Bea Kim** can you look at the slides?", "a")
        [notice] = selectors.notification_list(bea)
        assert notice.kind == "chat_mention" and kinds_of(cy) == [] and kinds_of(ana) == []
        payload = selectors.notification_payload(notice)
        assert payload["text"] == ("Ana Ruiz mentioned you in Cohort A: "
                                   "“@Bea Kim can you look at the slides?”")
        assert payload["url"] == f"/rooms/{room.pk}/#message-{message.seq}"
        assert payload["room_id"] == room.pk

    def test_a_reply_tells_the_author_of_the_message_replied_to(self, group):
        ana, bea, cy, room = group
        first = send(bea, room, "What did you think of the talk?", "a")
        send(ana, room, "Loved it", "b", reply_to=first.pk)
        assert kinds_of(bea) == ["chat_reply"] and kinds_of(cy) == []
        send(bea, room, "Me too", "c", reply_to=first.pk)  # replying to herself tells nobody
        assert kinds_of(bea) == ["chat_reply"]

    @pytest.mark.parametrize("kind", [Room.Kind.DIRECT, Room.Kind.ONE_TO_ONE])
    def test_every_message_of_a_pair_tells_the_other_once(self, kind):
        ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
        room = make_room(ana, bea, kind=kind, name="Ana and Bea")
        first = send(ana, room, "Are we still on for Thursday? @**Bea Kim**", "a")
        assert kinds_of(bea) == ["chat_direct"]  # between two, every message is for her
        send(ana, room, "I moved it to 5 pm", "b", reply_to=first.pk)
        send(bea, room, "Fine by me", "c", reply_to=first.pk)
        assert kinds_of(bea) == ["chat_direct", "chat_direct"] and kinds_of(ana) == [
            "chat_direct"]
        text = selectors.notification_payload(selectors.notification_list(bea)[0])["text"]
        assert text == "Ana Ruiz wrote to you: “I moved it to 5 pm”"

    def test_a_muted_room_tells_her_only_of_a_mention(self):
        ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
        room = make_room(ana, bea, kind=Room.Kind.DIRECT)
        mute(bea, room)
        first = send(ana, room, "no ping for this", "a")
        send(ana, room, "nor this", "b", reply_to=first.pk)
        assert kinds_of(bea) == []
        send(ana, room, "@**Bea Kim** but this one", "c")
        assert kinds_of(bea) == ["chat_direct"]

    def test_nobody_is_told_across_a_block(self, group):
        ana, bea, _cy, room = group
        BlockFactory(blocker=bea, blocked=ana)
        send(ana, room, "@**Bea Kim** hello", "a")
        assert kinds_of(bea) == []

    def test_a_kind_turned_off_in_the_app_is_not_shown(self, group, client):
        ana, bea, _cy, room = group
        client.login(email=bea.email, password=PASSWORD)
        client.post(reverse("notification_preferences"), {"chat_mention:email": "on"})
        send(ana, room, "@**Bea Kim** hello", "a")
        assert kinds_of(bea) == [] and selectors.unread_count(bea) == 0

    def test_the_mentors_welcome_comes_as_one_notice_not_two(self):
        mentor, mentee = MentorFactory(name="Maya Chen", capacity=2), UserFactory(name="Lin Wu")
        active(mentee, mentor)
        assert kinds_of(mentee) == ["request_accepted"]


class TestReadingReadsTheNotice:
    def test_reading_the_room_up_to_the_message_reads_it_in_every_tab(
            self, group, django_capture_on_commit_callbacks, monkeypatch):
        ana, bea, _cy, room = group
        first = send(ana, room, "@**Bea Kim** one", "a")
        second = send(ana, room, "@**Bea Kim** two", "b")
        assert selectors.unread_count(bea) == 2
        sent = []
        monkeypatch.setattr(protocol, "publish_to_user",
                            lambda user_id, event: sent.append((user_id, event)))
        chat_services.read_mark(user=bea, room_id=room.pk, seq=first.seq)
        assert selectors.unread_count(bea) == 1
        read = [e for uid, e in sent if e["type"] == "notifications.read" and uid == bea.pk]
        assert read and read[0]["unread"] == 1 and len(read[0]["ids"]) == 1
        chat_services.read_mark(user=bea, room_id=room.pk, seq=second.seq)
        assert selectors.unread_count(bea) == 0

    def test_a_removed_member_no_longer_sees_what_the_room_told_her(self, group):
        ana, bea, _cy, room = group
        send(ana, room, "@**Bea Kim** for your eyes", "a")
        assert selectors.unread_count(bea) == 1
        Membership.objects.filter(room=room, user=bea).delete()  # as the Django admin does
        assert selectors.unread_count(bea) == 0 and kinds_of(bea) == []
        assert bea.pk not in [n.user_id for n in selectors.notification_list(ana)]


class TestCalls:
    def test_a_call_rings_every_other_member_who_has_not_muted_the_room(
            self, group, django_capture_on_commit_callbacks, monkeypatch):
        ana, bea, cy, room = group
        outsider = UserFactory()
        mute(cy, room)
        for user, tab in ((ana, "ana-tab"), (bea, "bea-tab")):
            room_services.connection_open(user=user, channel_name=tab)
        sent = []
        monkeypatch.setattr(protocol, "publish_to_user",
                            lambda user_id, event: sent.append((user_id, event)))
        video_services.call_join(user=ana, room_id=room.pk, channel_name="ana-tab")
        assert kinds_of(bea) == ["call_started"] and kinds_of(cy) == []
        assert kinds_of(ana) == [] and kinds_of(outsider) == []
        [(user_id, event)] = [(u, e) for u, e in sent if e["type"] == "notification.created"]
        assert user_id == bea.pk and event["notification"]["url"] == f"/rooms/{room.pk}/#call"
        assert event["notification"]["room_id"] == room.pk and event["unread"] == 1
        assert event["notification"]["text"] == "Ana Ruiz started a call in Cohort A."
        # A second person joining rings nobody again; her joining reads her ring.
        video_services.call_join(user=bea, room_id=room.pk, channel_name="bea-tab")
        assert selectors.unread_count(bea) == 0
        assert Notification.objects.filter(kind="call_started").count() == 1


class TestActingOnIt:
    def test_answering_a_request_reads_the_mentors_notice(self):
        mentor, mentee = MentorFactory(name="Maya Chen", capacity=2), UserFactory(name="Lin Wu")
        mentorship = pending(mentee, mentor)
        assert kinds_of(mentor) == ["request_received"] and selectors.unread_count(mentor) == 1
        mentoring_requests.request_decline(mentor=mentor, mentorship_id=mentorship.pk)
        assert selectors.unread_count(mentor) == 0

    def test_a_mentor_application_tells_every_admin_and_a_decision_reads_it(self):
        first, second = AdminFactory(name="Amélie"), AdminFactory(name="Zoe")
        applicant = UserFactory(name="Maya Chen")
        topic = TopicFactory(kind="expertise")
        application = community_services.application_submit(
            user=applicant, motivation="I have mentored juniors for five years.",
            expertise=[topic], capacity=2)
        for admin in (first, second):
            [notice] = selectors.notification_list(admin)
            assert notice.kind == "mentor_application"
            assert "Maya Chen applied to mentor" in selectors.notification_payload(notice)["text"]
        assert kinds_of(applicant) == []
        community_services.application_approve(admin=first, application=application)
        assert selectors.unread_count(first) == selectors.unread_count(second) == 0


class TestMute:
    def test_a_member_mutes_and_unmutes_for_herself_alone(self, group):
        ana, bea, _cy, room = group
        mute(bea, room)
        assert Membership.objects.get(room=room, user=bea).muted
        assert not Membership.objects.get(room=room, user=ana).muted
        room_services.room_mute(user=bea, room=room, muted=False)
        assert not Membership.objects.get(room=room, user=bea).muted

    def test_a_blocked_member_still_mutes_her_room(self, group):
        ana, bea, _cy, room = group
        BlockFactory(blocker=ana, blocked=bea)
        mute(bea, room)
        assert Membership.objects.get(room=room, user=bea).muted

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_someone_outside_the_room_cannot_mute_it(self, group, who, client):
        _ana, _bea, _cy, room = group
        stranger = UserFactory() if who == "outsider" else AdminFactory()
        with pytest.raises(PermissionDenied):
            room_services.room_mute(user=stranger, room=room, muted=True)
        client.login(email=stranger.email, password=PASSWORD)
        assert client.post(reverse("room_mute", args=[room.pk]), {"muted": "1"}).status_code == 404
        assert not Membership.objects.filter(room=room, muted=True).exists()

    def test_the_page_mutes_and_goes_back_only_to_this_site(self, group, client):
        _ana, bea, _cy, room = group
        client.login(email=bea.email, password=PASSWORD)
        answer = client.post(reverse("room_mute", args=[room.pk]),
                             {"muted": "1", "next": "https://evil.example/"})
        assert answer.status_code == 302 and answer["Location"] == f"/rooms/{room.pk}/"
        assert Membership.objects.get(room=room, user=bea).muted


class TestCounts:
    def test_the_rooms_count_adds_others_unread_messages_outside_muted_rooms(self, client):
        ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
        loud = make_room(ana, bea, name="Loud")
        quiet = make_room(ana, bea, name="Quiet")
        mute(bea, quiet)
        send(bea, loud, "mine does not count", "mine")
        for index in range(3):
            send(ana, loud, f"loud {index}", f"l{index}")
            send(ana, quiet, f"quiet {index}", f"q{index}")
        client.login(email=bea.email, password=PASSWORD)
        assert client.get(reverse("api_v1_rooms_unread")).json() == {
            "total": 3, "rooms": {str(loud.pk): 3}}
        page = client.get(reverse("home")).content.decode()
        assert 'data-rooms-unread' in page and '<span data-count>3</span>' in page

    def test_the_title_counts_notices_about_no_room_apart(self, group, client):
        ana, bea, _cy, room = group
        send(ana, room, "@**Bea Kim** hi", "a")
        client.login(email=bea.email, password=PASSWORD)
        answer = client.get(reverse("api_v1_notifications_unread")).json()
        assert answer["unread"] == 1 and answer["unread_outside_rooms"] == 0


class TestPreferences:
    def test_a_mentee_is_offered_only_kinds_that_can_reach_her(self, client):
        mentee, mentor, admin = UserFactory(), MentorFactory(), AdminFactory()
        codes = {
            who: [row["code"] for row in selectors.preference_table(who)]
            for who in (mentee, mentor, admin)}
        assert "request_received" not in codes[mentee] and "request_received" in codes[mentor]
        assert "mentor_application" in codes[admin] and "mentor_application" not in codes[mentor]
        assert "chat_mention" in codes[mentee]
        client.login(email=mentee.email, password=PASSWORD)
        page = client.get(reverse("notification_preferences")).content.decode()
        assert "A mentee asks you to mentor her" not in page

    def test_delay_and_muted_rooms_are_saved_and_bad_input_changes_nothing(self, group, client):
        _ana, bea, _cy, room = group
        client.login(email=bea.email, password=PASSWORD)
        client.post(reverse("notification_preferences"),
                    {"missed_after_minutes": "30", "muted": [str(room.pk)]})
        assert selectors.missed_after_minutes(bea) == 30
        assert Membership.objects.get(room=room, user=bea).muted
        answer = client.post(reverse("notification_preferences"),
                             {"missed_after_minutes": "7", "chat_mention:in_app": "on"})
        assert answer.status_code == 200 and "Choose one of the delays offered." in \
            answer.content.decode()
        assert selectors.missed_after_minutes(bea) == 30
        assert Membership.objects.get(room=room, user=bea).muted  # nothing changed

    def test_nobody_reads_another_members_notices_by_id(self, group, client):
        ana, bea, _cy, room = group
        send(ana, room, "@**Bea Kim** private", "a")
        notice = Notification.objects.get(user=bea)
        client.login(email=ana.email, password=PASSWORD)
        assert client.get(reverse("notification_open", args=[notice.pk])).status_code == 404
        assert client.post(reverse("api_v1_notifications_read"), {"ids": [notice.pk]},
                           content_type="application/json").json() == {"unread": 0}
        notice.refresh_from_db()
        assert notice.read_at is None


class TestWhatTheNoticeQuotes:
    def test_the_excerpt_is_what_she_reads_not_the_markdown(self, group):
        ana, bea, _cy, room = group
        send(ana, room, "@**Bea Kim** bring **three** projects & <b>notes</b>", "a")
        text = selectors.notification_payload(selectors.notification_list(bea)[0])["text"]
        assert text == ("Ana Ruiz mentioned you in Cohort A: "
                        "“@Bea Kim bring three projects & <b>notes</b>”")


class TestChangesAfterwards:
    def test_a_deleted_message_takes_its_notice_away_in_every_tab(self, group, monkeypatch):
        ana, bea, _cy, room = group
        message = send(ana, room, "@**Bea Kim** my password is hunter2", "a")
        sent = []
        monkeypatch.setattr(protocol, "publish_to_user",
                            lambda user_id, event: sent.append((user_id, event)))
        chat_services.message_delete(user=ana, message_id=message.pk)
        assert kinds_of(bea) == [] and selectors.unread_count(bea) == 0
        assert not Notification.objects.filter(user=bea).exists()  # nor in any e-mail
        [(user_id, read)] = [(u, e) for u, e in sent if e["type"] == "notifications.read"]
        assert user_id == bea.pk and read["unread"] == 0 and len(read["ids"]) == 1

    def test_an_edit_rewrites_what_the_notice_quotes(self, group):
        ana, bea, _cy, room = group
        message = send(ana, room, "@**Bea Kim** the secret plan", "a")
        chat_services.message_edit(user=ana, message_id=message.pk,
                                   text="@**Bea Kim** see you at 5")
        [notice] = selectors.notification_list(bea)
        text = selectors.notification_payload(notice)["text"]
        assert "see you at 5" in text and "secret" not in text

    def test_a_mention_added_by_an_edit_is_told_once(self, group):
        ana, bea, cy, room = group
        message = send(ana, room, "@**Bea Kim** the plan", "a")
        chat_services.message_edit(user=ana, message_id=message.pk,
                                   text="@**Bea Kim** @**Cy Lee** the plan")
        assert kinds_of(bea) == ["chat_mention"] and kinds_of(cy) == ["chat_mention"]

    def test_mentioning_many_costs_the_same_queries_as_mentioning_few(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        author = UserFactory(name="Ana Ruiz")
        others = [UserFactory(name=f"Member {i:02d}") for i in range(30)]
        room = make_room(author, *others)

        def queries(count: int, client_id: str) -> int:
            text = " ".join(f"@**{user.name}**" for user in others[:count]) + " hello"
            with CaptureQueriesContext(connection) as captured:
                send(author, room, text, client_id)
            return len(captured)

        few, many = queries(3, "few"), queries(30, "many")
        assert many <= few + 2  # the mentions' rows are one insert, whoever is named
        assert all(kinds_of(user) == ["chat_mention"] for user in others[3:])


class TestRingOnce:
    def test_a_call_started_again_at_once_does_not_ring_again(self, group):
        import time_machine
        from django.utils import timezone

        ana, bea, _cy, room = group
        room_services.connection_open(user=ana, channel_name="ana-tab")
        video_services.call_join(user=ana, room_id=room.pk, channel_name="ana-tab")
        video_services.call_leave(user=ana, room_id=room.pk, channel_name="ana-tab")
        video_services.call_join(user=ana, room_id=room.pk, channel_name="ana-tab")
        assert kinds_of(bea) == ["call_started"]
        video_services.call_leave(user=ana, room_id=room.pk, channel_name="ana-tab")
        with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
            room_services.connection_touch(channel_name="ana-tab")
            video_services.call_join(user=ana, room_id=room.pk, channel_name="ana-tab")
        assert kinds_of(bea) == ["call_started", "call_started"]

    def test_a_call_between_two_says_she_is_calling_you(self):
        ana, bea = UserFactory(name="Ana Ruiz"), UserFactory(name="Bea Kim")
        room = make_room(ana, bea, kind=Room.Kind.ONE_TO_ONE, name="Ana & Bea")
        room_services.connection_open(user=ana, channel_name="ana-tab")
        video_services.call_join(user=ana, room_id=room.pk, channel_name="ana-tab")
        [notice] = selectors.notification_list(bea)
        assert selectors.notification_payload(notice)["text"] == "Ana Ruiz is calling you."

    def test_a_call_is_told_in_the_app_only(self, group, client):
        _ana, bea, _cy, _room = group
        [row] = [r for r in selectors.preference_table(bea) if r["code"] == "call_started"]
        assert row["email_possible"] is False and row["email"] is False
        client.login(email=bea.email, password=PASSWORD)
        page = client.get(reverse("notification_preferences")).content.decode()
        assert 'name="call_started:email"' not in page and 'name="call_started:in_app"' in page


def test_reading_more_than_500_ids_at_once_is_refused_and_reads_nothing(group, client):
    ana, bea, _cy, room = group
    send(ana, room, "@**Bea Kim** hello", "a")
    client.login(email=bea.email, password=PASSWORD)
    answer = client.post(reverse("api_v1_notifications_read"), {"ids": list(range(1, 502))},
                         content_type="application/json")
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("ids", "max_length")]
    assert selectors.unread_count(bea) == 1
