"""The home page's next steps for a new mentee, a mentor and an admin; quiet mentorships."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from community.next_steps import next_steps_for
from mentoring import dashboard
from mentoring.services import relationship
from tests.community.factories import (
    AdminFactory,
    ApplicationFactory,
    MentorFactory,
    UserFactory,
)
from tests.mentoring.factories import active, pending

pytestmark = pytest.mark.django_db


def keys(user):
    return [step.key for step in next_steps_for(user)]


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def quiet_pair(days: int = 40):
    """An active mentorship accepted `days` ago, nothing since."""
    with time_machine.travel(timezone.now() - timedelta(days=days)):
        return active(UserFactory(name="Léa Quiet"), MentorFactory(name="Nadia Quiet"))


class TestMentee:
    def test_a_new_mentee_is_sent_to_find_a_mentor(self, client):
        page = home(client, UserFactory())
        assert 'id="next-find-mentor"' in page
        assert f'href="{reverse("find_mentor")}"' in page

    def test_once_she_asked_she_sees_her_request_instead(self, client):
        mentee = UserFactory()
        mentorship = pending(mentee, MentorFactory(name="Nadia"))
        assert keys(mentee) == ["request-sent"]
        page = home(client, mentee)
        assert "Nadia has your request" in page
        assert reverse("mentorship_detail", args=[mentorship.pk]) in page

    def test_an_agreement_proposed_to_her_waits_until_she_confirms(self, client):
        mentee, mentor = UserFactory(), MentorFactory(name="Nadia Haddad")
        mentorship = active(mentee, mentor)
        relationship.agreement_save(user=mentor, mentorship=mentorship,
                                    goals="Prepare my promotion case", cadence="weekly",
                                    duration_months=6)
        assert keys(mentee) == ["agreement"] and keys(mentor) == []
        page = home(client, mentee)
        assert "The agreement with Nadia Haddad waits for your confirmation." in page
        assert reverse("mentorship_detail", args=[mentorship.pk]) in page
        relationship.agreement_confirm(user=mentee, mentorship=mentorship)
        assert keys(mentee) == []

    def test_with_a_mentor_nothing_to_find(self):
        mentee = UserFactory()
        active(mentee, MentorFactory())
        assert keys(mentee) == []


class TestMentor:
    def test_her_waiting_requests_with_their_count(self, client):
        mentor = MentorFactory(capacity=5)
        pending(UserFactory(), mentor)
        pending(UserFactory(), mentor)
        [step] = next_steps_for(mentor)
        assert step.key == "requests" and step.count == 2
        page = home(client, mentor)
        assert "2 mentees are waiting for your answer." in page
        assert f'href="{reverse("mentoring")}#requests-waiting"' in page
        mentoring_page = client.get(reverse("mentoring")).content.decode()
        assert 'id="requests-waiting"' in mentoring_page

    def test_no_requests_no_step(self):
        assert keys(MentorFactory()) == []


class TestAdmin:
    def test_pending_applications_and_quiet_pairs_with_links(self, client):
        admin = AdminFactory()
        ApplicationFactory()
        quiet_pair()
        assert keys(admin)[:2] == ["applications", "inactive"]
        page = home(client, admin)
        assert "1 mentor application waits for a decision." in page
        assert f'href="{reverse("applications_queue")}"' in page
        assert "1 active mentorship has shown no activity for 30 days." in page
        assert f'href="{reverse("programme_dashboard")}#inactive"' in page

    def test_all_caught_up(self, client):
        admin = AdminFactory()
        assert "Nothing waits for you." in home(client, admin)


class TestInactivePairs:
    def test_accepted_long_ago_and_nothing_since(self):
        pair = quiet_pair()
        active(UserFactory(), MentorFactory())  # accepted today
        assert [p.mentorship for p in dashboard.inactive_pairs()] == [pair]

    def test_a_session_a_goal_or_a_milestone_is_a_sign_of_life(self):
        by_session, by_goal, by_milestone = quiet_pair(), quiet_pair(), quiet_pair()
        relationship.session_log(user=by_session.mentee, mentorship=by_session,
                                 held_on=timezone.localdate() - timedelta(days=2),
                                 minutes=45, topics="CV")
        relationship.goal_add(user=by_goal.mentee, mentorship=by_goal, title="A talk")
        with time_machine.travel(timezone.now() - timedelta(days=35)):
            goal = relationship.goal_add(user=by_milestone.mentee, mentorship=by_milestone,
                                         title="A job")
            milestone = relationship.milestone_add(user=by_milestone.mentee, goal=goal,
                                                   title="CV")
        relationship.milestone_set_done(user=by_milestone.mentee, milestone=milestone,
                                        done=True)
        assert dashboard.inactive_pairs() == []

    def test_ended_pairs_are_not_counted(self):
        pair = quiet_pair()
        relationship.mentorship_end(user=pair.mentee, mentorship=pair, outcome="goals_met",
                                    reason="")
        assert dashboard.inactive_pairs() == []

    def test_the_dashboard_lists_them_by_name(self, client):
        quiet_pair()
        client.force_login(AdminFactory())
        page = client.get(reverse("programme_dashboard")).content.decode()
        assert 'id="inactive"' in page
        assert "Léa Quiet" in page and "Nadia Quiet" in page
