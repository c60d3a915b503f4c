"""The mentorship lifecycle: requests, answers, capacity, expiry, the relationship, the end."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from chat.models import Message
from community.models import Profile
from mentoring.models import Goal, Mentorship
from mentoring.services import cohorts, relationship, requests
from notifications.models import Notification
from rooms.models import Membership, Room
from tests.community.factories import AdminFactory, BlockFactory, MentorFactory, UserFactory
from tests.mentoring.factories import active, pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor():
    return MentorFactory(name="Nadia Mentor", capacity=2)


@pytest.fixture
def mentee():
    return UserFactory(name="Léa Mentee")


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


class TestRequest:
    def test_send_tells_the_mentor_in_app_and_by_email(self, mentor, mentee,
                                                       django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            mentorship = pending(mentee, mentor)
        assert mentorship.status == "pending"
        assert mentorship.expires_at - mentorship.created_at == timedelta(days=14)
        assert kinds(mentor) == ["request_received"]
        assert [m.to for m in mail.outbox] == [[mentor.email]]
        assert "Léa Mentee asked you to be her mentor." in mail.outbox[0].subject

    def test_a_note_is_required_and_nothing_is_saved_without_it(self, mentor, mentee):
        with pytest.raises(ValidationError):
            requests.request_send(mentee=mentee, mentor=mentor, note="   ")
        assert not Mentorship.objects.exists()

    def test_one_open_request_per_pair(self, mentor, mentee):
        pending(mentee, mentor)
        with pytest.raises(PermissionDenied):
            pending(mentee, mentor)
        assert Mentorship.objects.count() == 1

    def test_full_paused_or_closed_mentors_cannot_be_requested(self, mentor, mentee):
        Profile.objects.filter(user=mentor).update(active_mentees=2)
        mentor.refresh_from_db()
        with pytest.raises(ValidationError, match="not taking new mentees"):
            pending(mentee, mentor)
        Profile.objects.filter(user=mentor).update(active_mentees=0, paused_at=timezone.now())
        with pytest.raises(ValidationError):
            pending(mentee, mentor)
        assert not Mentorship.objects.exists()

    def test_blocked_members_and_non_mentors_cannot_be_requested(self, mentor, mentee):
        BlockFactory(blocker=mentor, blocked=mentee)
        with pytest.raises(PermissionDenied):
            pending(mentee, mentor)
        with pytest.raises(PermissionDenied):
            pending(mentee, UserFactory())


class TestAnswers:
    def test_accept_opens_the_pair_room_with_a_welcome_and_tells_her(
            self, mentor, mentee, django_capture_on_commit_callbacks):
        mentorship = pending(mentee, mentor)
        with django_capture_on_commit_callbacks(execute=True):
            mentorship = requests.request_accept(mentor=mentor, mentorship_id=mentorship.pk)
        assert mentorship.status == "active" and mentorship.room.kind == Room.Kind.ONE_TO_ONE
        assert set(Membership.objects.filter(room=mentorship.room).values_list(
            "user_id", flat=True)) == {mentor.pk, mentee.pk}
        welcome = Message.objects.get(room=mentorship.room)
        assert welcome.author == mentor and "Welcome, Léa!" in welcome.text
        assert kinds(mentee) == ["request_accepted"]
        assert any(m.to == [mentee.email] for m in mail.outbox)
        mentor.profile.refresh_from_db()
        assert mentor.profile.active_mentees == 1 and mentor.profile.answer_hours is not None

    def test_only_the_mentor_answers_and_only_once(self, mentor, mentee):
        mentorship = pending(mentee, mentor)
        for someone in (mentee, UserFactory(), AdminFactory()):
            with pytest.raises(PermissionDenied):
                requests.request_accept(mentor=someone, mentorship_id=mentorship.pk)
        requests.request_decline(mentor=mentor, mentorship_id=mentorship.pk)
        with pytest.raises(PermissionDenied):
            requests.request_accept(mentor=mentor, mentorship_id=mentorship.pk)

    def test_decline_has_a_kind_default_message(self, mentor, mentee):
        mentorship = pending(mentee, mentor)
        mentorship = requests.request_decline(mentor=mentor, mentorship_id=mentorship.pk)
        assert mentorship.status == "declined"
        assert "Thank you for asking" in mentorship.answer_message
        assert "request_declined" in kinds(mentee)
        pending(mentee, mentor)  # she may ask again later

    def test_a_question_opens_their_conversation_and_keeps_the_request_open(self, mentor, mentee):
        mentorship = pending(mentee, mentor)
        mentorship = requests.request_ask(mentor=mentor, mentorship_id=mentorship.pk,
                                          question="What would you like to work on?")
        assert mentorship.status == "pending" and mentorship.question_room.kind == Room.Kind.DIRECT
        assert Message.objects.get(room=mentorship.question_room).text.startswith("What would")
        assert "request_question" in kinds(mentee)
        requests.request_accept(mentor=mentor, mentorship_id=mentorship.pk)

    def test_the_mentee_may_withdraw_and_the_mentor_is_told(self, mentor, mentee):
        mentorship = pending(mentee, mentor)
        with pytest.raises(PermissionDenied):
            requests.request_withdraw(mentee=mentor, mentorship_id=mentorship.pk)
        requests.request_withdraw(mentee=mentee, mentorship_id=mentorship.pk)
        assert Mentorship.objects.get().status == "withdrawn"
        assert "request_withdrawn" in kinds(mentor)

    def test_accepting_beyond_capacity_is_refused(self, mentor):
        first, second, third = (pending(UserFactory(), mentor) for _ in range(3))
        requests.request_accept(mentor=mentor, mentorship_id=first.pk)
        requests.request_accept(mentor=mentor, mentorship_id=second.pk)
        with pytest.raises(ValidationError, match="at capacity"):
            requests.request_accept(mentor=mentor, mentorship_id=third.pk)
        assert Mentorship.objects.get(pk=third.pk).status == "pending"

    def test_an_overdue_request_cannot_be_accepted(self, mentor, mentee):
        mentorship = pending(mentee, mentor)
        Mentorship.objects.filter(pk=mentorship.pk).update(expires_at=timezone.now())
        with pytest.raises(ValidationError, match="expired"):
            requests.request_accept(mentor=mentor, mentorship_id=mentorship.pk)


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_never_exceed_capacity():
    """Two threads accept two requests to a one-place mentor at the same moment."""
    mentor = MentorFactory(capacity=1)
    first, second = pending(UserFactory(), mentor), pending(UserFactory(), mentor)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(mentorship_id: int) -> None:
        try:
            barrier.wait()
            requests.request_accept(mentor=mentor, mentorship_id=mentorship_id)
            outcomes.append("accepted")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(m.pk,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["accepted", "refused"]
    assert Mentorship.objects.filter(status="active").count() == 1
    assert Profile.objects.get(user=mentor).active_mentees == 1


class TestSweep:
    def test_reminder_then_expiry_tell_the_right_people_once(self, mentor, mentee):
        mentorship = pending(mentee, mentor)
        created = mentorship.created_at
        assert requests.requests_sweep(now=created + timedelta(days=5)) == (0, 0)
        assert requests.requests_sweep(now=created + timedelta(days=11, hours=1)) == (1, 0)
        assert requests.requests_sweep(now=created + timedelta(days=12)) == (0, 0)
        assert kinds(mentor).count("request_reminder") == 1
        assert requests.requests_sweep(now=created + timedelta(days=14, seconds=1)) == (0, 1)
        assert Mentorship.objects.get().status == "expired"
        assert "request_expired" in kinds(mentor) and "request_expired" in kinds(mentee)
        assert requests.requests_sweep(now=created + timedelta(days=20)) == (0, 0)

    def test_three_expiries_in_a_row_pause_the_mentor_until_she_reopens(self, mentor):
        mentor.profile.mentor_capacity = 5
        mentor.profile.save()
        for _ in range(3):
            pending(UserFactory(), mentor)
        requests.requests_sweep(now=timezone.now() + timedelta(days=15))
        mentor.profile.refresh_from_db()
        assert mentor.profile.paused_at is not None and "mentor_paused" in kinds(mentor)
        with pytest.raises(ValidationError):
            pending(UserFactory(), mentor)
        from community.services import profile_update
        profile_update(viewer=mentor, member=mentor, values={"accepting_mentees": True})
        mentor.profile.refresh_from_db()
        assert mentor.profile.paused_at is None
        pending(UserFactory(), mentor)  # the old expiries no longer count

    def test_an_answer_resets_the_count(self, mentor):
        mentor.profile.mentor_capacity = 5
        mentor.profile.save()
        for _ in range(2):
            pending(UserFactory(), mentor)
        with time_machine.travel(timezone.now() + timedelta(days=15)):
            requests.requests_sweep()
            answered = pending(UserFactory(), mentor)
            requests.request_decline(mentor=mentor, mentorship_id=answered.pk)
            pending(UserFactory(), mentor)
        with time_machine.travel(timezone.now() + timedelta(days=30)):
            assert requests.requests_sweep() == (0, 1)
        mentor.profile.refresh_from_db()
        assert mentor.profile.paused_at is None


class TestRelationship:
    def test_agreement_needs_both_confirmations_and_a_change_asks_again(self, mentor, mentee):
        m = active(mentee, mentor)
        agreement = relationship.agreement_save(user=mentor, mentorship=m, goals="Negotiate",
                                                cadence="weekly", duration_months=6)
        assert not agreement.confirmed and "agreement_proposed" in kinds(mentee)
        agreement = relationship.agreement_confirm(user=mentee, mentorship=m)
        assert agreement.confirmed
        agreement = relationship.agreement_save(user=mentee, mentorship=m, goals="Negotiate",
                                                cadence="monthly", duration_months=6)
        assert agreement.mentee_confirmed_at and not agreement.mentor_confirmed_at
        with pytest.raises(ValidationError):
            relationship.agreement_save(user=mentee, mentorship=m, goals="x", cadence="daily",
                                        duration_months=99)

    def test_goals_milestones_and_progress(self, mentor, mentee):
        m = active(mentee, mentor)
        goal = relationship.goal_add(user=mentee, mentorship=m, title="Negotiate my salary")
        one = relationship.milestone_add(user=mentee, goal=goal, title="Research ranges")
        two = relationship.milestone_add(user=mentor, goal=goal, title="Rehearse")
        relationship.milestone_set_done(user=mentee, milestone=one, done=True)
        assert Goal.objects.get().achieved_at is None
        relationship.milestone_set_done(user=mentee, milestone=two, done=True)
        assert Goal.objects.get().achieved_at is not None
        relationship.milestone_set_done(user=mentee, milestone=two, done=False)
        assert Goal.objects.get().achieved_at is None

    def test_outsiders_and_admins_cannot_touch_the_work(self, mentor, mentee):
        m = active(mentee, mentor)
        for outsider in (UserFactory(), AdminFactory()):
            with pytest.raises(PermissionDenied):
                relationship.goal_add(user=outsider, mentorship=m, title="x")
            with pytest.raises(PermissionDenied):
                relationship.note_save(user=outsider, mentorship=m, text="x")
        BlockFactory(blocker=mentee, blocked=mentor)
        with pytest.raises(PermissionDenied):
            relationship.goal_add(user=mentor, mentorship=m, title="x")

    def test_sessions_are_logged_in_the_past_only(self, mentor, mentee):
        m = active(mentee, mentor)
        session = relationship.session_log(user=mentor, mentorship=m, held_on=date.today(),
                                           minutes=45, topics="CV review")
        assert session.pk
        with pytest.raises(ValidationError):
            relationship.session_log(user=mentor, mentorship=m,
                                     held_on=date.today() + timedelta(days=2), minutes=45,
                                     topics="x")
        with pytest.raises(ValidationError):
            relationship.session_log(user=mentor, mentorship=m, held_on=date.today(),
                                     minutes=1, topics="x")

    def test_ending_frees_the_place_and_tells_the_other(self, mentor, mentee):
        m = active(mentee, mentor)
        with pytest.raises(ValidationError):
            relationship.mentorship_end(user=mentee, mentorship=m, outcome="blame")
        m = relationship.mentorship_end(user=mentee, mentorship=m, outcome="not_a_fit",
                                        reason="Schedules never matched")
        assert m.status == "ended" and m.end_reason == "Schedules never matched"
        assert "mentorship_ended" in kinds(mentor)
        mentor.profile.refresh_from_db()
        assert mentor.profile.active_mentees == 0
        pending(mentee, mentor)  # the pair may start again later

    def test_ending_can_archive_the_room_at_the_same_time(
            self, mentor, mentee, django_capture_on_commit_callbacks):
        m = active(mentee, mentor)
        with django_capture_on_commit_callbacks(execute=True):
            relationship.mentorship_end(user=mentee, mentorship=m, outcome="goals_met",
                                        archive_room=True)
        m.room.refresh_from_db()
        assert m.room.is_archived

    def test_ending_without_archiving_leaves_the_room_open(self, mentor, mentee):
        m = active(mentee, mentor)
        relationship.mentorship_end(user=mentor, mentorship=m, outcome="goals_met")
        m.room.refresh_from_db()
        assert not m.room.is_archived

    def test_who_may_not_archive_the_room_ends_nothing(self, mentor, mentee):
        m = active(mentee, mentor)
        Membership.objects.filter(room=m.room, user=mentee).update(role=Membership.Role.MEMBER)
        with pytest.raises(PermissionDenied):
            relationship.mentorship_end(user=mentee, mentorship=m, outcome="goals_met",
                                        archive_room=True)
        m.refresh_from_db()
        m.room.refresh_from_db()
        assert m.status == "active" and not m.room.is_archived


class TestCohorts:
    def test_a_mentor_creates_her_cohort_and_owns_the_room(self, mentor):
        mentees = [UserFactory(), UserFactory()]
        room = cohorts.cohort_create(actor=mentor, mentor=mentor, mentees=mentees, name="Data")
        assert room.kind == Room.Kind.GROUP
        assert Membership.objects.get(room=room, user=mentor).role == Membership.Role.OWNER
        assert Membership.objects.filter(room=room).count() == 3

    def test_an_admin_creates_one_for_a_mentor_without_joining(self, mentor):
        admin = AdminFactory()
        room = cohorts.cohort_create(actor=admin, mentor=mentor, mentees=[UserFactory()],
                                     name="Cloud")
        assert not Membership.objects.filter(room=room, user=admin).exists()

    def test_members_cannot_and_mentors_only_for_themselves(self, mentor):
        with pytest.raises(PermissionDenied):
            cohorts.cohort_create(actor=UserFactory(), mentor=mentor, mentees=[UserFactory()],
                                  name="x")
        with pytest.raises(PermissionDenied):
            cohorts.cohort_create(actor=MentorFactory(), mentor=mentor, mentees=[UserFactory()],
                                  name="x")

    def test_blocked_mentees_are_refused_and_nothing_is_created(self, mentor):
        blocked = UserFactory(name="Bo")
        BlockFactory(blocker=blocked, blocked=mentor)
        with pytest.raises(ValidationError, match="Bo"):
            cohorts.cohort_create(actor=mentor, mentor=mentor, mentees=[blocked, UserFactory()],
                                  name="x")
        assert not Room.objects.exists()
