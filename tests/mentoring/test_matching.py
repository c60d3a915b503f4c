"""Recommendations: quality on a generated community, exclusions, explanations."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from community.models import User
from mentoring import matching
from mentoring.models import MatchWeights, Mentorship
from tests.community.factories import (
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)
from tests.mentoring.generated import community_generate

pytestmark = pytest.mark.django_db


def test_planted_mentor_is_in_the_top_three_for_nine_mentees_in_ten():
    generated = community_generate(members=500, planted=40, seed=11)
    hits = 0
    for mentee_id, mentor_id in generated.planted:
        top = matching.mentors_for(User.objects.get(pk=mentee_id), limit=3)
        hits += mentor_id in [r.user.pk for r in top]
    assert hits / len(generated.planted) >= 0.9, f"{hits} of {len(generated.planted)}"


def test_planted_mentee_is_found_from_the_mentor_side_too():
    generated = community_generate(members=300, planted=20, seed=5)
    hits = 0
    for mentee_id, mentor_id in generated.planted:
        top = matching.mentees_for(User.objects.get(pk=mentor_id), limit=5)
        hits += mentee_id in [r.user.pk for r in top]
    assert hits / len(generated.planted) >= 0.8


@pytest.fixture
def negotiation():
    return TopicFactory(name="Negotiation", name_fr="Négociation")


@pytest.fixture
def mentee(negotiation):
    return profile_fill(UserFactory(name="Léa"), wants_topics=[negotiation], languages=["fr"],
                    time_zone="America/Toronto", years_experience=2,
                    wants_to_develop="salary negotiation and public speaking")


def test_explains_why_in_english_and_french(mentee, negotiation):
    profile_fill(MentorFactory(name="Nadia"), expertise=[negotiation], languages=["fr", "en"],
             time_zone="America/Halifax", years_experience=15,
             can_offer="Coaching on public speaking")
    [rec] = matching.mentors_for(mentee)
    text = " / ".join(rec.reasons)
    assert "She offers Negotiation, which you want to develop" in text
    assert "You both speak French" in text
    assert "1 hour apart" in text
    with translation.override("fr"):
        [rec] = matching.mentors_for(mentee)
    text = " / ".join(rec.reasons)
    assert "Elle offre Négociation, que vous voulez développer" in text
    assert "Vous parlez toutes deux français" in text


def test_excludes_full_paused_closed_blocked_and_connected_mentors(mentee, negotiation):
    def mentor(name, **fields):
        return profile_fill(MentorFactory(name=name), expertise=[negotiation], **fields)

    mentor("Full", active_mentees=2)
    mentor("Paused", paused_at=timezone.now())
    mentor("Closed", accepting_mentees=False)
    blocked = mentor("Blocked")
    BlockFactory(blocker=blocked, blocked=mentee)
    asked = mentor("Asked")
    Mentorship.objects.create(mentor=asked, mentee=mentee, note="hi",
                              expires_at=timezone.now())
    mentor("Free")
    assert [r.user.name for r in matching.mentors_for(mentee)] == ["Free"]


def test_mentors_near_capacity_rank_lower_and_weights_change_the_order(mentee, negotiation):
    busy = profile_fill(MentorFactory(name="Busy", capacity=4), expertise=[negotiation],
                    active_mentees=3)
    free = profile_fill(MentorFactory(name="Free", capacity=4), expertise=[negotiation])
    assert [r.user for r in matching.mentors_for(mentee)] == [free, busy]
    profile_fill(busy, languages=["fr"])
    weights = MatchWeights.current()
    weights.capacity = 0
    weights.save()
    assert [r.user for r in matching.mentors_for(mentee)] == [busy, free]
