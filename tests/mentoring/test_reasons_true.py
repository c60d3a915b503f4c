"""Every reason of every recommendation in a generated community, checked against the data.

The checks read the profiles afresh and recompute what each sentence states: the topics
are where it says they are, a quoted word is written in the field it names and the other
side has it too, the minutes between clocks are today's, and so on.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest

from community import matchtext
from community.models import Profile, User
from community.search import field_text, topic_vocabulary
from mentoring import matching
from tests.mentoring.generated import community_generate

pytestmark = pytest.mark.django_db


def _offset_minutes(zone: str) -> int | None:
    if not zone:
        return None
    offset = datetime.now(zoneinfo.ZoneInfo(zone)).utcoffset()
    return None if offset is None else round(offset.total_seconds() / 60)


def _has_topic(profile: Profile, source: str, topic: int, quote: str | None,
               vocabulary: matchtext.Vocabulary) -> bool:
    if source in ("expertise", "skills", "wants_topics"):
        return getattr(profile, source).filter(pk=topic).exists()
    text = field_text(profile, source)
    return bool(quote) and quote in text and matchtext.topics_in(text, vocabulary).get(
        topic) == quote


def _stems(text: str) -> set[str]:
    return {s for token in matchtext.tokens(text) for s in token.stems}


def problems(reason, mentee: Profile, mentor: Profile,
             vocabulary: matchtext.Vocabulary) -> list[str]:
    """What is untrue in `reason` (empty when every fact holds)."""
    facts, wrong = reason.facts, []
    if reason.factor == "topics":
        for topic, where in facts["topics"].items():
            if not _has_topic(mentee, where["mentee"], topic, where["mentee_quote"],
                              vocabulary):
                wrong.append(f"mentee has no topic {topic} in {where['mentee']}")
            if not _has_topic(mentor, where["mentor"], topic, where["mentor_quote"],
                              vocabulary):
                wrong.append(f"mentor has no topic {topic} in {where['mentor']}")
            for quote in (where["mentee_quote"], where["mentor_quote"]):
                if quote and f"“{quote}”" not in reason.text:
                    wrong.append(f"{quote!r} not quoted")
    elif reason.factor == "keywords":
        offer_text = field_text(mentor, facts["mentor_field"])
        want_text = mentee.wants_to_develop
        written, other = ((offer_text, want_text) if facts["written_in"] == "mentor"
                          else (want_text, offer_text))
        written_words = {t.written for t in matchtext.tokens(written)}
        for word in facts["words"]:
            if word not in written_words:
                wrong.append(f"{word!r} is not written in {facts['written_in']}'s text")
            if not matchtext.stems(word) & _stems(other):
                wrong.append(f"{word!r} is not on the other side")
            if matchtext.normalise(word) in matchtext.STOP_WORDS:
                wrong.append(f"{word!r} is a stop word")
    elif reason.factor == "languages":
        if not set(facts["languages"]) <= set(mentee.languages) & set(mentor.languages):
            wrong.append(f"languages {facts['languages']} not shared")
    elif reason.factor == "time_zone":
        first, second = _offset_minutes(mentee.time_zone), _offset_minutes(mentor.time_zone)
        gap = None if first is None or second is None else abs(first - second) % 1440
        if gap is None or min(gap, 1440 - gap) != facts["minutes"]:
            wrong.append(f"{facts['minutes']} minutes, but the clocks are {gap} apart")
    elif reason.factor in ("city", "industry"):
        ours = getattr(mentee, reason.factor).strip().casefold()
        if not ours or ours != getattr(mentor, reason.factor).strip().casefold():
            wrong.append(f"{reason.factor} not shared")
    elif reason.factor == "experience" and (
            mentor.years_experience - mentee.years_experience != facts["years"]):
        wrong.append("wrong experience gap")
    elif reason.factor == "capacity" and (
            mentor.mentor_capacity - mentor.active_mentees != facts["places"]):
        wrong.append("wrong places left")
    elif reason.factor == "responsiveness" and (
            mentor.answer_hours is None or mentor.answer_hours > facts["within_hours"]):
        wrong.append("answers more slowly than said")
    return wrong


def test_every_reason_of_every_recommendation_is_true():
    generated = community_generate(members=400, planted=30, seed=23)
    vocabulary = topic_vocabulary()
    profiles = {p.user_id: p for p in Profile.objects.prefetch_related(
        "expertise", "skills", "wants_topics")}
    users = User.objects.in_bulk()
    found, checked = [], 0
    viewers = [(users[mentee], True) for mentee, _mentor in generated.planted] + [
        (users[mentor], False) for _mentee, mentor in generated.planted]
    viewers += [(u, True) for u in User.objects.filter(role="member")[:60]]
    for viewer, viewer_is_mentee in viewers:
        recommend = matching.mentors_for if viewer_is_mentee else matching.mentees_for
        for rec in recommend(viewer, limit=10):
            mentee, mentor = ((viewer, rec.user) if viewer_is_mentee else (rec.user, viewer))
            for reason in rec.why:
                checked += 1
                found += [f"{viewer.pk} / {rec.user.pk}: {reason.text}: {problem}"
                          for problem in problems(reason, profiles[mentee.pk],
                                                  profiles[mentor.pk], vocabulary)]
    assert checked > 1000
    assert found == []
