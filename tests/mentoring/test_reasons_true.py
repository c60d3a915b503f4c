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


_FOUND: dict[str, dict[int, str]] = {}


def _has_topic(profile: Profile, source: str, topic: int, quote: str | None,
               vocabulary: matchtext.Vocabulary) -> bool:
    if source in ("expertise", "skills", "wants_topics"):
        return topic in {t.pk for t in getattr(profile, source).all()}  # prefetched
    text = field_text(profile, source)
    if text not in _FOUND:
        _FOUND[text] = matchtext.topics_in(text, vocabulary)
    return bool(quote) and quote in text and _FOUND[text].get(topic) == quote


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
    elif reason.factor == "languages" and facts.get("not_shared"):
        whose = mentee if facts["whose"] == "mentee" else mentor
        if set(mentee.languages) & set(mentor.languages) or not mentee.any_language:
            wrong.append("said to share no language, but they do or she did not accept it")
        if not set(facts["languages"]) <= set(whose.languages):
            wrong.append(f"{facts['whose']} does not speak {facts['languages']}")
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
    """The mentors of members and the mentees of mentors, in the community the quality test
    uses (800 members, seed 7): every planted mentee and mentor, and every third other
    member (the whole community took two minutes on a 2-core machine, in each of the
    suite's two configurations)."""
    generated = community_generate()
    planted = {pk for pair in generated.planted for pk in pair}
    vocabulary = topic_vocabulary()
    profiles = {p.user_id: p for p in Profile.objects.prefetch_related(
        "expertise", "skills", "wants_topics")}
    found, checked, viewers = [], 0, 0
    for viewer in User.objects.filter(is_active=True, role__in=["member", "mentor"]):
        if viewer.pk not in planted and viewer.pk % 3:
            continue
        viewer_is_mentee = viewer.role == "member"
        recommend = matching.mentors_for if viewer_is_mentee else matching.mentees_for
        viewers += 1
        for rec in recommend(viewer, limit=10):
            mentee, mentor = ((viewer, rec.user) if viewer_is_mentee else (rec.user, viewer))
            for reason in rec.why:
                checked += 1
                found += [f"{viewer.pk} / {rec.user.pk}: {reason.text}: {problem}"
                          for problem in problems(reason, profiles[mentee.pk],
                                                  profiles[mentor.pk], vocabulary)]
    assert viewers >= 300 and checked > 7_000
    # What an organiser reads about each planted pair in a matching round.
    pool = matching.pool([mentee for mentee, _m in generated.planted],
                         [mentor for _m, mentor in generated.planted])
    for i, mentee in enumerate(pool.mentees):
        for j, mentor in enumerate(pool.mentors):
            if pool.scores[i][j] is None:
                continue
            for reason in pool.why(i, j, organiser=True):
                checked += 1
                found += [f"round {mentee.id} / {mentor.id}: {reason.text}: {problem}"
                          for problem in problems(reason, profiles[mentee.id],
                                                  profiles[mentor.id], vocabulary)]
    assert found == []


def test_the_check_sees_an_untrue_reason():
    """The checker is not a rubber stamp: each kind of false statement is reported."""
    from mentoring.explain import Reason
    from tests.community.factories import MentorFactory, UserFactory, profile_fill

    lea = profile_fill(UserFactory(), time_zone="Asia/Kolkata", languages=["fr"],
                       wants_to_develop="negotiation", city="Paris")
    nadia = profile_fill(MentorFactory(), time_zone="Europe/Paris", languages=["en"],
                         can_offer="Public speaking", city="Lyon")
    vocabulary = topic_vocabulary()
    untrue = [
        Reason("time_zone", "Same local time", {"minutes": 0}),
        Reason("languages", "You both speak French", {"languages": ["fr"]}),
        Reason("city", "Both in Paris", {"city": "Paris"}),
        Reason("keywords", "…", {"words": ["negotiation"], "mentor_field": "can_offer",
                                 "written_in": "mentee"}),
    ]
    for reason in untrue:
        assert problems(reason, lea.profile, nadia.profile, vocabulary), reason
