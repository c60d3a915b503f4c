"""Recommendations never cross a block, either way, for the mentee and the mentor
(mentors_for already held one direction: tests/mentoring/test_matching.py)."""

from __future__ import annotations

import pytest

from mentoring import matching
from tests.community.factories import (
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    topic = TopicFactory(name="Negotiation")
    mentee = profile_fill(UserFactory(name="Léa"), wants_topics=[topic], languages=["en"])
    other_mentee = profile_fill(UserFactory(name="Zoé"), wants_topics=[topic], languages=["en"])
    mentor = profile_fill(MentorFactory(name="Nadia"), expertise=[topic], languages=["en"])
    other_mentor = profile_fill(MentorFactory(name="Maya"), expertise=[topic], languages=["en"])
    return mentee, other_mentee, mentor, other_mentor


@pytest.mark.parametrize("blocker", ["mentee", "mentor"])
def test_neither_is_recommended_to_the_other(people, blocker):
    mentee, _other_mentee, mentor, _other_mentor = people
    assert "Nadia" in [r.user.name for r in matching.mentors_for(mentee)]
    if blocker == "mentee":
        BlockFactory(blocker=mentee, blocked=mentor)
    else:
        BlockFactory(blocker=mentor, blocked=mentee)
    assert [r.user.name for r in matching.mentors_for(mentee)] == ["Maya"]
    assert [r.user.name for r in matching.mentees_for(mentor)] == ["Zoé"]
