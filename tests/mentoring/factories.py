"""Builders of mentoring data for tests."""

from __future__ import annotations

from community.models import User
from mentoring.models import Mentorship
from mentoring.services.requests import request_accept, request_send


def pending(mentee: User, mentor: User, note: str = "Hello, would you mentor me?") -> Mentorship:
    return request_send(mentee=mentee, mentor=mentor, note=note)


def active(mentee: User, mentor: User) -> Mentorship:
    mentorship = pending(mentee, mentor)
    return request_accept(mentor=mentor, mentorship_id=mentorship.pk)


def pair_ended(*, city: bool = False, language: bool = True, outcome: str | None = None,
               left: bool = False) -> Mentorship:
    """A mentorship whose two profiles share a city and a language, or not (and always the
    topic she wants, so that a shared city counts); ended with `outcome` ("" for an ending
    from before outcomes were asked), or still active."""
    from community.models import Topic
    from mentoring.services.relationship import mentorship_end
    from tests.community.factories import MentorFactory, UserFactory, profile_fill

    topic, _created = Topic.objects.get_or_create(kind=Topic.Kind.SKILL, name="Negotiation")
    mentee = profile_fill(UserFactory(), city="Montréal", languages=["fr"],
                          wants_topics=[topic])
    mentor = profile_fill(MentorFactory(), city="Montréal" if city else "Paris",
                          languages=["fr"] if language else ["de"], skills=[topic])
    mentorship = active(mentee, mentor)
    if outcome is not None:
        mentorship_end(user=mentee, mentorship=mentorship, outcome=outcome or "goals_met")
        if outcome == "":
            Mentorship.objects.filter(pk=mentorship.pk).update(outcome="")
    if left:
        mentee.is_active = False
        mentee.save(update_fields=["is_active"])
    return mentorship
