"""Who may do what with a mentorship: mentee, mentor, outsider, blocked member, admin."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from mentoring import permissions as p
from mentoring.models import Mentorship
from tests.community.factories import (
    PASSWORD,
    AdminFactory,
    BlockFactory,
    MentorFactory,
    UserFactory,
)
from tests.mentoring.factories import active, pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {"mentor": MentorFactory(), "mentee": UserFactory(), "outsider": UserFactory(),
            "admin": AdminFactory()}


def test_requesting(people):
    mentor, mentee = people["mentor"], people["mentee"]
    assert p.can_request(mentee, mentor)
    assert p.can_request(people["admin"], mentor)  # an admin may look for a mentor too
    assert not p.can_request(mentor, mentor)
    assert not p.can_request(mentee, people["outsider"])  # not a mentor
    BlockFactory(blocker=mentee, blocked=mentor)
    assert not p.can_request(mentee, mentor)


@pytest.mark.parametrize("who,view,answer,withdraw", [
    ("mentor", True, True, False), ("mentee", True, False, True),
    ("outsider", False, False, False), ("admin", False, False, False)])
def test_a_pending_request(people, who, view, answer, withdraw):
    m = pending(people["mentee"], people["mentor"])
    user = people[who]
    assert p.can_view_mentorship(user, m) is view
    assert p.can_answer(user, m) is answer
    assert p.can_withdraw(user, m) is withdraw
    assert (m in p.mentorships_visible_to(user)) is view
    if not view:
        with pytest.raises(Http404):
            p.access_mentorship(user, m.pk)


def test_a_block_stops_answers_and_work_but_not_the_end(people):
    mentor, mentee = people["mentor"], people["mentee"]
    asked = pending(mentee, mentor)
    BlockFactory(blocker=mentor, blocked=mentee)
    assert not p.can_answer(mentor, asked)
    m = Mentorship.objects.create(mentor=mentor, mentee=UserFactory(), note="x",
                                  status="active", expires_at=timezone.now())
    BlockFactory(blocker=m.mentee, blocked=mentor)
    assert not p.can_work_on(mentor, m) and p.can_end(mentor, m) and p.can_end(m.mentee, m)


def test_work_and_end_only_while_active(people):
    m = active(people["mentee"], people["mentor"])
    for who in ("mentor", "mentee"):
        assert p.can_work_on(people[who], m) and p.can_end(people[who], m)
    for who in ("outsider", "admin"):
        assert not p.can_work_on(people[who], m) and not p.can_end(people[who], m)
    m.status = Mentorship.Status.ENDED
    assert not p.can_work_on(people["mentee"], m) and p.can_view_mentorship(people["mentee"], m)


def test_cohorts_and_dashboard(people):
    assert p.can_create_cohort(people["mentor"]) and p.can_create_cohort(people["admin"])
    assert not p.can_create_cohort(people["mentee"])
    assert p.can_lead_cohort(people["admin"], people["mentor"])
    assert not p.can_lead_cohort(MentorFactory(), people["mentor"])
    assert p.can_view_dashboard(people["admin"])
    assert not any(p.can_view_dashboard(people[w]) for w in ("mentor", "mentee", "outsider"))
    people["admin"].is_active = False
    assert not p.can_view_dashboard(people["admin"])


def test_admin_sees_statuses_and_weights_but_no_note(client, people):
    m = pending(people["mentee"], people["mentor"], note="My very private note")
    client.login(email=people["admin"].email, password=PASSWORD)
    page = client.get(reverse("admin:mentoring_mentorship_change", args=[m.pk]))
    assert page.status_code == 200 and "My very private note" not in page.content.decode()
    weights = client.get(reverse("admin:mentoring_matchweights_changelist"))
    assert weights.status_code == 200
    response = client.post(reverse("admin:mentoring_matchweights_change", args=[1]), {
        "topics": 5, "keywords": 2, "industry": 1, "languages": 1.5, "time_zone": 1,
        "city": 0.5, "experience": 1, "capacity": 0, "responsiveness": 0.5})
    assert response.status_code == 302
    from mentoring.models import MatchWeights
    assert MatchWeights.current().capacity == 0
    client.logout()
    client.login(email=people["mentor"].email, password=PASSWORD)
    assert client.get(reverse("admin:mentoring_matchweights_changelist")).status_code == 302


def test_tuning_matching_is_for_admins_only(people):
    from django.contrib.auth.models import AnonymousUser

    admin = people["admin"]
    assert p.can_tune_matching(admin)
    BlockFactory(blocker=people["mentee"], blocked=admin)  # a blocked admin keeps the right
    assert p.can_tune_matching(admin)
    assert not any(p.can_tune_matching(people[w]) for w in ("mentor", "mentee", "outsider"))
    BlockFactory(blocker=people["mentor"], blocked=people["outsider"])  # a blocked member
    assert not p.can_tune_matching(people["outsider"])
    assert not p.can_tune_matching(AnonymousUser())  # a non-member
    admin.is_active = False
    assert not p.can_tune_matching(admin)


def test_archiving_the_pairs_room_when_ending(people):
    mentor, mentee = people["mentor"], people["mentee"]
    assert not p.can_archive_room(mentee, pending(mentee, mentor))  # no room yet
    m = Mentorship.objects.get(mentor=mentor, mentee=mentee)
    m.status = Mentorship.Status.WITHDRAWN
    m.save()
    m = active(mentee, mentor)
    assert p.can_archive_room(mentee, m) and p.can_archive_room(mentor, m)
    assert not p.can_archive_room(people["outsider"], m)
    assert not p.can_archive_room(people["admin"], m)  # a pair's room is not a group's
    BlockFactory(blocker=mentee, blocked=mentor)
    assert p.can_archive_room(mentee, m)  # a block never keeps her from ending
