"""Reports and moderation (community.moderation): who may report, who reviews, what each
one sees and is told, and what each action does, for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from chat import selectors as chat_selectors
from chat import services as chat_services
from chat.models import Message
from community import moderation, permissions
from community.models import AuditEntry, ModerationAction, Report, User
from community.moderation import Decision
from notifications.models import Notification
from rooms import permissions as room_permissions
from rooms.models import Membership, Room
from tests.community.factories import AdminFactory, BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.django_db

_sent = iter(range(1_000_000))


def say(author: User, room: Room, text: str) -> Message:
    message, _ = chat_services.message_send(author=author, room_id=room.pk, text=text,
                                            client_id=f"m{next(_sent)}")
    return message


class Cast:
    """Mona owns a group room (its moderator), Rita and Bea are members, Nora is in
    another room only, Ada is an admin in no room."""

    def __init__(self) -> None:
        self.mona = UserFactory(name="Mona Moderator")
        self.rita = UserFactory(name="Rita Reporter")
        self.bea = UserFactory(name="Bea Reported")
        self.nora = UserFactory(name="Nora Outsider")
        self.ada = AdminFactory(name="Ada Admin")
        self.room = make_room(self.mona, self.rita, self.bea, name="Career switchers")
        self.elsewhere = make_room(UserFactory(name="Owner elsewhere"), self.nora,
                                   name="Elsewhere")


@pytest.fixture
def cast() -> Cast:
    return Cast()


def notices(user: User, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


def report_message(cast: Cast, text: str = "You do not belong here") -> tuple[Message, Report]:
    message = say(cast.bea, cast.room, text)
    report, created = moderation.report_create(
        reporter=cast.rita, kind="message", item_id=message.pk, reason="harassment",
        details="Third time this week.")
    assert created
    return message, report


# --- Reporting -------------------------------------------------------------------------------

class TestReporting:
    def test_a_member_reports_a_message_and_the_room_moderator_is_told_not_by_whom(self, cast):
        message, report = report_message(cast)
        assert (report.reported, report.room_id, report.status) == (cast.bea, cast.room.pk, "open")
        assert report.excerpt == "You do not belong here"
        told = notices(cast.mona, "report_received")
        assert len(told) == 1 and "Rita" not in str(told[0].params)
        assert notices(cast.bea, "report_received") == []  # the member reported: nothing
        assert AuditEntry.objects.filter(action="report.create", actor=cast.rita).exists()

    def test_one_open_report_per_reporter_and_item(self, cast):
        message, report = report_message(cast)
        again, created = moderation.report_create(
            reporter=cast.rita, kind="message", item_id=message.pk, reason="spam")
        assert (again.pk, created) == (report.pk, False)
        assert Report.objects.count() == 1
        assert len(notices(cast.mona, "report_received")) == 1

    def test_a_non_member_cannot_report_what_she_cannot_see(self, cast):
        message = say(cast.bea, cast.room, "hello")
        with pytest.raises(Http404):
            moderation.report_create(reporter=cast.nora, kind="message", item_id=message.pk,
                                     reason="spam")
        with pytest.raises(Http404):  # an admin reads no room she is not in
            moderation.report_create(reporter=cast.ada, kind="message", item_id=message.pk,
                                     reason="spam")
        assert Report.objects.count() == 0

    def test_a_block_never_stops_a_report(self, cast):
        BlockFactory(blocker=cast.rita, blocked=cast.bea)
        message = say(cast.bea, cast.room, "still here")
        report, created = moderation.report_create(
            reporter=cast.rita, kind="message", item_id=message.pk, reason="harassment")
        assert created
        profile, created = moderation.report_create(
            reporter=cast.rita, kind="profile", item_id=cast.bea.pk, reason="impersonation")
        assert created and profile.room_id is None

    def test_bad_input_is_refused_and_stores_nothing(self, cast):
        message = say(cast.bea, cast.room, "hello")
        for reason, details in (("rude", ""), ("other", "  "), ("spam", "x" * 2001)):
            with pytest.raises(ValidationError):
                moderation.report_create(reporter=cast.rita, kind="message",
                                         item_id=message.pk, reason=reason, details=details)
        own = say(cast.rita, cast.room, "mine")
        with pytest.raises(ValidationError):
            moderation.report_create(reporter=cast.rita, kind="message", item_id=own.pk,
                                     reason="spam")
        with pytest.raises(Http404):
            moderation.report_create(reporter=cast.rita, kind="poster", item_id=1,
                                     reason="spam")
        assert Report.objects.count() == 0

    def test_a_member_in_a_room_is_reported_only_by_who_shares_it(self, cast):
        report, created = moderation.report_create(
            reporter=cast.rita, kind="member", item_id=cast.bea.pk, room_id=cast.room.pk,
            reason="harassment")
        assert created and report.room_id == cast.room.pk and report.reported == cast.bea
        with pytest.raises(Http404):
            moderation.report_create(reporter=cast.nora, kind="member", item_id=cast.bea.pk,
                                     room_id=cast.room.pk, reason="harassment")
        with pytest.raises(Http404):  # not in that room
            moderation.report_create(reporter=cast.rita, kind="member", item_id=cast.nora.pk,
                                     room_id=cast.room.pk, reason="harassment")

    def test_a_profile_report_goes_to_the_admins(self, cast):
        report, _ = moderation.report_create(reporter=cast.rita, kind="profile",
                                             item_id=cast.bea.pk, reason="impersonation")
        assert notices(cast.ada, "report_received")
        assert notices(cast.mona, "report_received") == []
        assert report not in moderation.queue(cast.mona)
        assert report in moderation.queue(cast.ada)

    def test_a_pair_room_has_no_moderator_but_the_admins(self, cast):
        pair = make_room(cast.rita, cast.bea, kind=Room.Kind.ONE_TO_ONE, name="Pair")
        Membership.objects.filter(room=pair).update(role=Membership.Role.OWNER)
        message = say(cast.bea, pair, "private words")
        report, _ = moderation.report_create(reporter=cast.rita, kind="message",
                                             item_id=message.pk, reason="harassment")
        assert notices(cast.ada, "report_received")
        for owner in (cast.rita, cast.bea):
            assert report not in moderation.queue(owner)
            assert notices(owner, "report_received") == []


# --- Who reviews -------------------------------------------------------------------------------

class TestQueue:
    def test_who_sees_the_report(self, cast):
        _, report = report_message(cast)
        assert list(permissions.reports_visible_to(cast.mona)) == [report]
        assert list(permissions.reports_visible_to(cast.ada)) == [report]
        for other in (cast.rita, cast.bea, cast.nora):
            assert list(permissions.reports_visible_to(other)) == []

    def test_the_member_reported_never_reviews_her_own_report_whatever_her_role(self, cast):
        Membership.objects.filter(room=cast.room, user=cast.bea).update(
            role=Membership.Role.MODERATOR)
        _, report = report_message(cast)
        assert list(permissions.reports_visible_to(cast.bea)) == []
        with pytest.raises(Http404):
            moderation.report_dismiss(moderator=cast.bea, report_id=report.pk)
        admin_reported = AdminFactory(name="Other admin")
        Membership.objects.create(room=cast.room, user=admin_reported)
        message = say(admin_reported, cast.room, "rude")
        theirs, _ = moderation.report_create(reporter=cast.rita, kind="message",
                                             item_id=message.pk, reason="harassment")
        assert theirs not in permissions.reports_visible_to(admin_reported)

    def test_pages_for_each_role(self, cast):
        _, report = report_message(cast)
        # The reporter, the member reported, a non-member: refused, nothing changes.
        for user in (cast.rita, cast.bea, cast.nora):
            client = Client()
            client.force_login(user)
            assert client.get("/moderation/").status_code == 403, user
            assert client.get(f"/moderation/{report.pk}/").status_code == 403, user
            assert client.post(f"/moderation/{report.pk}/decide",
                               {"decision": "dismiss"}).status_code == 403, user
        assert Report.objects.get(pk=report.pk).status == "open"
        for user in (cast.ada, cast.mona):
            client = Client()
            client.force_login(user)
            queue = client.get("/moderation/")
            assert queue.status_code == 200
            assert f"/moderation/{report.pk}/" in queue.content.decode()
            assert client.get(f"/moderation/{report.pk}/").status_code == 200
        assert client.post(f"/moderation/{report.pk}/decide",
                           {"decision": "dismiss"}).status_code == 302
        assert Report.objects.get(pk=report.pk).status == "dismissed"

    def test_a_moderator_of_another_room_gets_404(self, cast):
        _, report = report_message(cast)
        Membership.objects.filter(room=cast.elsewhere, user=cast.nora).update(
            role=Membership.Role.OWNER)
        client = Client()
        client.force_login(cast.nora)
        assert client.get("/moderation/").status_code == 200
        assert client.get(f"/moderation/{report.pk}/").status_code == 404
        assert client.post(f"/moderation/{report.pk}/decide",
                           {"decision": "dismiss"}).status_code == 404
        assert Report.objects.get(pk=report.pk).status == "open"

    def test_the_reporter_is_named_to_admins_only(self, cast):
        _, report = report_message(cast)
        for user, shown in ((cast.ada, True), (cast.mona, False)):
            client = Client()
            client.force_login(user)
            page = client.get(f"/moderation/{report.pk}/").content.decode()
            assert ("Rita Reporter" in page) is shown


class TestContext:
    def test_the_message_with_at_most_two_before_and_after_by_time(self, cast):
        start = timezone.now() - timedelta(hours=1)
        by_time = ["canary 3 before", "2 before", "1 before", "the reported one",
                   "1 after", "2 after", "canary 3 after"]
        # Sent in another order than their times: the times decide, not the seq.
        sent_order = [4, 0, 6, 3, 2, 5, 1]
        sent = {}
        for position in sent_order:
            author = cast.bea if position == 3 else cast.mona
            sent[position] = say(author, cast.room, by_time[position])
            Message.objects.filter(pk=sent[position].pk).update(
                created_at=start + timedelta(minutes=position))
        report, _ = moderation.report_create(reporter=cast.rita, kind="message",
                                             item_id=sent[3].pk, reason="harassment")
        lines = moderation.report_view(cast.mona, report.pk).context["lines"]
        assert [line["text"] for line in lines] == [
            "2 before", "1 before", "the reported one", "1 after", "2 after"]
        assert [line["reported"] for line in lines] == [False, False, True, False, False]
        client = Client()
        client.force_login(cast.mona)
        page = client.get(f"/moderation/{report.pk}/").content.decode()
        assert "canary" not in page
        assert "the reported one" in page and "2 after" in page

    def test_the_window_at_the_start_of_the_room(self, cast):
        first = say(cast.bea, cast.room, "first words")
        for text in ("a", "b", "c canary"):
            say(cast.mona, cast.room, text)
        report, _ = moderation.report_create(reporter=cast.rita, kind="message",
                                             item_id=first.pk, reason="spam")
        lines = moderation.report_view(cast.mona, report.pk).context["lines"]
        assert [line["text"] for line in lines] == ["first words", "a", "b"]


# --- Acting --------------------------------------------------------------------------------

class TestActions:
    def test_hide_warn_and_the_reporter_told(self, cast, django_capture_on_commit_callbacks):
        message, report = report_message(cast)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.report_decide(moderator=cast.mona, report_id=report.pk,
                                     decision=Decision(hide=True, warn=True,
                                                       note="Keep it kind."))
        page = chat_selectors.messages_page(cast.rita, cast.room)
        shown = next(m for m in page if m["id"] == message.pk)
        assert (shown["deleted"], shown["deleted_by"], shown["text"]) == (True, "hidden", "")
        assert Message.objects.get(pk=message.pk).text == ""
        reporter_told = notices(cast.rita, "report_actioned")
        assert len(reporter_told) == 1 and "Mona" not in str(reporter_told[0].params)
        for kind in ("moderation_hidden", "moderation_warning"):
            told = notices(cast.bea, kind)
            assert len(told) == 1
            assert "Rita" not in str(told[0].params) and "Mona" not in str(told[0].params)
        assert set(ModerationAction.objects.values_list("kind", flat=True)) == {"hide", "warn"}
        assert {"moderation.hide", "moderation.warn"} <= set(
            AuditEntry.objects.values_list("action", flat=True))
        with pytest.raises(ValidationError):  # reviewed already
            moderation.report_dismiss(moderator=cast.ada, report_id=report.pk)

    def test_every_open_report_of_the_item_closes_and_each_reporter_is_told(self, cast):
        message, report = report_message(cast)
        moderation.report_create(reporter=cast.mona, kind="message", item_id=message.pk,
                                 reason="spam")
        moderation.report_dismiss(moderator=cast.ada, report_id=report.pk)
        assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
        assert len(notices(cast.rita, "report_dismissed")) == 1
        assert len(notices(cast.mona, "report_dismissed")) == 1
        assert notices(cast.bea, "moderation_hidden") == []

    def test_mute_until_the_time_then_she_writes_again(self, cast):
        message, report = report_message(cast)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            moderation.report_decide(moderator=cast.mona, report_id=report.pk,
                                     decision=Decision(mute_hours=1))
            room = Room.objects.get(pk=cast.room.pk)
            assert not room_permissions.can_post(cast.bea, room)
            assert room_permissions.can_post_in(cast.bea, [room]) == set()
            assert room_permissions.can_post(cast.rita, room)
            with pytest.raises(PermissionDenied):
                say(cast.bea, room, "let me speak")
            with pytest.raises(PermissionDenied):
                chat_services.reaction_set(user=cast.bea, message_id=message.pk,
                                           emoji="👍", on=True)
            told = notices(cast.bea, "moderation_muted")
            assert len(told) == 1 and "Career switchers" in told[0].params["room"]
            clock.shift(timedelta(minutes=59))
            assert not room_permissions.can_post(cast.bea, room)
            clock.shift(timedelta(minutes=2))
            assert room_permissions.can_post(cast.bea, room)
            assert room_permissions.can_post_in(cast.bea, [room]) == {room.pk}
            say(cast.bea, room, "back")

    def test_bad_decisions_change_nothing(self, cast):
        message, report = report_message(cast)
        for decision in (Decision(), Decision(warn=True, note=" "), Decision(mute_hours=5)):
            with pytest.raises(ValidationError):
                moderation.report_decide(moderator=cast.mona, report_id=report.pk,
                                         decision=decision)
        with pytest.raises(PermissionDenied):  # room moderators do not suspend
            moderation.report_decide(moderator=cast.mona, report_id=report.pk,
                                     decision=Decision(hide=True, suspend=True))
        assert Report.objects.get(pk=report.pk).status == "open"
        assert Message.objects.get(pk=message.pk).hidden_at is None
        assert ModerationAction.objects.count() == 0
        assert User.objects.get(pk=cast.bea.pk).is_active

    def test_a_profile_cannot_be_hidden_nor_its_member_muted(self, cast):
        report, _ = moderation.report_create(reporter=cast.rita, kind="profile",
                                             item_id=cast.bea.pk, reason="impersonation")
        with pytest.raises(ValidationError):
            moderation.report_decide(moderator=cast.ada, report_id=report.pk,
                                     decision=Decision(hide=True))
        with pytest.raises(PermissionDenied):
            moderation.report_decide(moderator=cast.ada, report_id=report.pk,
                                     decision=Decision(mute_hours=1))

    def test_an_admin_suspends_and_she_is_told_first(self, cast):
        _, report = report_message(cast)
        moderation.report_decide(moderator=cast.ada, report_id=report.pk,
                                 decision=Decision(suspend=True))
        assert not User.objects.get(pk=cast.bea.pk).is_active
        assert len(notices(cast.bea, "account_suspended")) == 1
        assert AuditEntry.objects.filter(action="moderation.suspend", actor=cast.ada).exists()

    def test_the_decision_through_the_page(self, cast):
        message, report = report_message(cast)
        client = Client()
        client.force_login(cast.mona)
        page = client.get(f"/moderation/{report.pk}/").content.decode()
        assert "Suspend" not in page  # admins only
        response = client.post(f"/moderation/{report.pk}/decide",
                               {"decision": "act", "hide": "1", "mute": "1", "mute_hours": "1"})
        assert response.status_code == 302
        assert Message.objects.get(pk=message.pk).hidden_at is not None
        assert not room_permissions.can_post(cast.bea, cast.room)
        empty = client.post(f"/moderation/{report.pk}/decide", {"decision": "act"})
        assert empty.status_code == 302  # reviewed already: said on the page, nothing changes
        assert ModerationAction.objects.count() == 2


# --- The report pages ---------------------------------------------------------------------

class TestReportPage:
    def test_report_a_message_from_its_page(self, cast):
        message = say(cast.bea, cast.room, "a rude message")
        client = Client()
        client.force_login(cast.rita)
        form = client.get(f"/report/message/{message.pk}/")
        assert form.status_code == 200 and "a rude message" in form.content.decode()
        sent = client.post(f"/report/message/{message.pk}/", {"reason": "harassment"})
        assert sent.status_code == 200 and Report.objects.count() == 1
        bad = client.post(f"/report/message/{message.pk}/", {"reason": "nonsense"})
        assert bad.status_code == 400 or "already" in bad.content.decode()

    def test_an_outsider_gets_404_on_each_kind(self, cast):
        message = say(cast.bea, cast.room, "hello")
        client = Client()
        client.force_login(cast.nora)
        assert client.get(f"/report/message/{message.pk}/").status_code == 404
        assert client.get(f"/report/member/{cast.bea.pk}/?room={cast.room.pk}").status_code == 404
        assert client.get("/report/message/999999/").status_code == 404
        assert client.get(f"/report/nothing/{message.pk}/").status_code == 404
        assert Report.objects.count() == 0


# --- Permissions for the member, the non-member, the blocked member and the admin -------------

class TestPermissions:
    def test_can_report(self, cast):
        BlockFactory(blocker=cast.bea, blocked=cast.rita)
        inactive = UserFactory(is_active=False)
        assert permissions.can_report(cast.rita)  # blocked by Bea: still reports
        assert permissions.can_report(cast.nora)
        assert permissions.can_report(cast.ada)
        assert not permissions.can_report(inactive)

    def test_the_queue(self, cast):
        blocked_moderator = cast.mona
        BlockFactory(blocker=cast.bea, blocked=blocked_moderator)
        _, report = report_message(cast)
        # A block never silences a moderator.
        assert permissions.can_act_on_report(blocked_moderator, report)
        assert permissions.can_view_moderation_queue(cast.mona)
        assert permissions.can_view_moderation_queue(cast.ada)
        assert not permissions.can_view_moderation_queue(cast.rita)
        assert not permissions.can_view_moderation_queue(cast.nora)
        assert not permissions.can_act_on_report(cast.nora, report)

    def test_suspending(self, cast):
        other_admin = AdminFactory()
        assert permissions.can_suspend(cast.ada, cast.bea)
        assert permissions.can_suspend(cast.ada, other_admin)
        assert not permissions.can_suspend(cast.ada, cast.ada)
        assert not permissions.can_suspend(cast.mona, cast.bea)
        assert not permissions.can_suspend(cast.nora, cast.bea)
        superuser = User.objects.create_superuser("root@example.org", "a-long-password-1")
        assert not permissions.can_suspend(cast.ada, superuser)


class TestLimitsAndLinks:
    def test_reporting_is_rate_friendly(self, cast, settings):
        from community.ratelimit import RateLimited

        settings.COHORT_REPORT_LIMIT = 2
        messages = [say(cast.bea, cast.room, f"spam {n}") for n in range(3)]
        for message in messages[:2]:
            moderation.report_create(reporter=cast.rita, kind="message", item_id=message.pk,
                                     reason="spam")
        # Sending one again costs nothing; a third new one waits.
        moderation.report_create(reporter=cast.rita, kind="message", item_id=messages[0].pk,
                                 reason="spam")
        with pytest.raises(RateLimited):
            moderation.report_create(reporter=cast.rita, kind="message",
                                     item_id=messages[2].pk, reason="spam")
        assert Report.objects.count() == 2

    def test_each_page_offers_report_to_others_only(self, cast):
        import io

        from documents import services as document_services

        document = document_services.document_upload(
            user=cast.bea, room_id=cast.room.pk, stream=io.BytesIO(b"notes\n"), name="n.txt")
        for user, shown in ((cast.rita, True), (cast.bea, False)):
            client = Client()
            client.force_login(user)
            page = client.get(f"/documents/{document.pk}/").content.decode()
            assert (f"/report/document/{document.pk}/" in page) is shown
            profile = client.get(f"/people/{cast.bea.pk}/").content.decode()
            assert (f"/report/profile/{cast.bea.pk}/" in profile) is shown
        client = Client()
        client.force_login(cast.rita)
        form = client.get(f"/report/member/{cast.bea.pk}/?room={cast.room.pk}")
        assert form.status_code == 200 and "Bea Reported" in form.content.decode()
        client.post(f"/report/member/{cast.bea.pk}/",
                    {"room": cast.room.pk, "reason": "harassment"})
        assert Report.objects.get().item == f"member:{cast.room.pk}:{cast.bea.pk}"

    def test_the_navigation_links_the_queue_for_reviewers_only(self, cast):
        for user, shown in ((cast.mona, True), (cast.ada, True), (cast.rita, False)):
            client = Client()
            client.force_login(user)
            assert ('href="/moderation/"' in client.get("/people/").content.decode()) is shown


# --- Nobody decides her own report; every report reaches someone who may decide it ----------

class TestOwnReports:
    def test_a_break_glass_notice_can_be_neither_reported_nor_hidden(self, cast):
        from rooms import services as room_services

        pair = make_room(cast.rita, cast.bea, kind=Room.Kind.ONE_TO_ONE, name="Pair")
        room_services.break_glass_open(admin=cast.ada, room=pair, reason="A safety report")
        notice = Message.objects.get(room=pair, notice=True)
        with pytest.raises(Http404):  # the grant lets her read it, not report it
            moderation.report_create(reporter=cast.ada, kind="message", item_id=notice.pk,
                                     reason="other", details="Not needed any more")
        with pytest.raises(Http404):  # nor may a member of the room
            moderation.report_create(reporter=cast.rita, kind="message", item_id=notice.pk,
                                     reason="spam")
        with pytest.raises(ValidationError):
            chat_services.message_hide(moderator=cast.ada, message_id=notice.pk)
        notice.refresh_from_db()
        assert notice.text and notice.hidden_at is None and notice.deleted_at is None
        assert Report.objects.count() == 0

    def test_a_report_on_a_notice_made_before_cannot_hide_it(self, cast):
        from rooms import services as room_services

        pair = make_room(cast.rita, cast.bea, kind=Room.Kind.ONE_TO_ONE, name="Pair")
        room_services.break_glass_open(admin=cast.ada, room=pair, reason="A safety report")
        notice = Message.objects.get(room=pair, notice=True)
        report = Report.objects.create(reporter=cast.rita, kind="message",
                                       item=f"message:{notice.pk}", item_id=notice.pk,
                                       room_id=pair.pk, reason="spam")
        with pytest.raises(ValidationError):
            moderation.report_decide(moderator=AdminFactory(), report_id=report.pk,
                                     decision=Decision(hide=True))
        notice.refresh_from_db()
        assert notice.hidden_at is None and Report.objects.get().status == "open"
        assert ModerationAction.objects.count() == 0

    def test_a_moderator_does_not_decide_her_own_report(self, cast):
        message = say(cast.bea, cast.room, "rude words")
        report, _ = moderation.report_create(reporter=cast.mona, kind="message",
                                             item_id=message.pk, reason="harassment")
        assert not permissions.can_act_on_report(cast.mona, report)
        assert report not in permissions.reports_visible_to(cast.mona)
        for decide in (lambda: moderation.report_dismiss(moderator=cast.mona,
                                                         report_id=report.pk),
                       lambda: moderation.report_decide(moderator=cast.mona,
                                                        report_id=report.pk,
                                                        decision=Decision(hide=True))):
            with pytest.raises(Http404):
                decide()
        assert Message.objects.get(pk=message.pk).hidden_at is None
        assert permissions.can_act_on_report(cast.ada, report)  # an admin decides it

    def test_an_admin_does_not_decide_her_own_report(self, cast):
        other_admin = AdminFactory(name="Other Admin")
        report, _ = moderation.report_create(reporter=cast.ada, kind="profile",
                                             item_id=cast.bea.pk, reason="impersonation")
        assert not permissions.can_act_on_report(cast.ada, report)
        assert report not in moderation.queue(cast.ada)
        client = Client()
        client.force_login(cast.ada)
        assert client.get(f"/moderation/{report.pk}/").status_code == 404
        assert client.post(f"/moderation/{report.pk}/decide",
                           {"decision": "act", "suspend": "1"}).status_code == 404
        assert User.objects.get(pk=cast.bea.pk).is_active
        assert permissions.can_act_on_report(other_admin, report)
        assert notices(other_admin, "report_received")
        assert notices(cast.ada, "report_received") == []


    def test_a_moderator_who_reported_an_item_decides_no_other_report_of_it(self, cast):
        message, report = report_message(cast)  # Rita's, Mona was told
        mine, _ = moderation.report_create(reporter=cast.mona, kind="message",
                                           item_id=message.pk, reason="spam")
        assert not permissions.can_act_on_report(cast.mona, report)
        with pytest.raises(Http404):
            moderation.report_decide(moderator=cast.mona, report_id=report.pk,
                                     decision=Decision(hide=True))
        assert Report.objects.filter(status="open").count() == 2
        assert len(notices(cast.ada, "report_received")) == 1  # Mona's was the admins'
        moderation.report_dismiss(moderator=cast.ada, report_id=report.pk)
        assert report in moderation.queue(cast.mona, status="decided")  # decided: she reads it


class TestEveryReportReachesSomeone:
    def test_the_admins_are_told_when_the_rooms_only_moderator_reported(self, cast):
        message = say(cast.bea, cast.room, "rude words")
        moderation.report_create(reporter=cast.mona, kind="message", item_id=message.pk,
                                 reason="harassment")
        assert len(notices(cast.ada, "report_received")) == 1
        assert notices(cast.mona, "report_received") == []

    def test_the_admins_are_told_when_the_rooms_only_moderator_is_reported(self, cast):
        message = say(cast.mona, cast.room, "rude words from the owner")
        report, _ = moderation.report_create(reporter=cast.rita, kind="message",
                                             item_id=message.pk, reason="harassment")
        assert len(notices(cast.ada, "report_received")) == 1
        assert notices(cast.mona, "report_received") == []
        assert report in moderation.queue(cast.ada) and report not in moderation.queue(cast.mona)

    def test_the_other_moderators_are_told_and_not_the_admins(self, cast):
        Membership.objects.filter(room=cast.room, user=cast.rita).update(
            role=Membership.Role.MODERATOR)
        message = say(cast.bea, cast.room, "rude words")
        moderation.report_create(reporter=cast.mona, kind="message", item_id=message.pk,
                                 reason="harassment")
        assert len(notices(cast.rita, "report_received")) == 1
        assert notices(cast.ada, "report_received") == []
