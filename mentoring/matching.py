"""Recommendations: who fits whom, scored from what two profiles have in common, and why.

What she wants to develop comes first. It is read from the topics she picked and from her
own words: `community.matchtext` finds topics in free text by name or synonym, in English
and French, and `relevance` weights the words two texts share by how rare they are (TF-IDF).
Every other factor is a number between 0 and 1 multiplied by its weight (`MatchWeights`,
tuned by the admins); the same city or industry counts only as far as the mentor offers
what she wants, so it can never lift a mentor who offers nothing she asked for.

Some things are not weighed but ruled out: a mentor who is full, paused or closed to
requests, members on either side of a block, a pair with an open request or mentorship,
and a mentor who speaks none of her languages (unless she said any language is fine).
Candidates are loaded in a handful of bulk queries and scored in Python
(benchmarks/matching.py). `explain` turns the factors into sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import F, Q

from community.models import Block, Role, User
from mentoring import explain, relevance
from mentoring.models import MatchWeights, Mentorship
from mentoring.people import Person, allowed, apart, excluded, load, speaks_with


@dataclass
class Recommendation:
    user: User
    score: float
    reasons: list[str]
    why: list = field(default_factory=list)  # explain.Reason, each with what it states


# --- Factors (each between 0 and 1) ----------------------------------------------------

def _overlap(wanted: set[int], offered: set[int]) -> float:
    if not wanted or not offered:
        return 0.0
    shared = len(wanted & offered)
    return shared / math.sqrt(len(wanted) * min(len(offered), 3 * len(wanted)))


def _experience(mentee_years: int | None, mentor_years: int | None) -> float:
    if mentee_years is None or mentor_years is None:
        return 0.3
    gap = mentor_years - mentee_years
    if gap <= 0:
        return 0.0
    if gap < 3:
        return gap / 3
    return 1.0 if gap <= 20 else 0.8


def _time_zone(hours: float | None) -> float:
    """Fully up to two hours apart (a shared working day), then falling fast: about half
    at three hours, a quarter at five, nothing from seven."""
    if hours is None:
        return 0.3
    return 1.0 if hours <= 2 else max(0.0, 1 - math.sqrt((hours - 2) / 5))


def _responsiveness(hours: float | None) -> float:
    if hours is None:
        return 0.5
    return 1.0 if hours <= 24 else 0.7 if hours <= 72 else 0.4 if hours <= 168 else 0.1


def factors(mentee: Person, mentor: Person, words: float | None = None) -> dict[str, float]:
    """Each factor of one pair, between 0 and 1. `words` is the TF-IDF similarity of her
    wants with his offers, computed in bulk by the caller (alone, it is fitted on the pair).
    """
    if words is None:
        words = relevance.similarities(mentee.want_words, [mentor.offer_words])[0][0]
    topics = min(1.0, _overlap(set(mentee.wants), set(mentor.offers)))
    keywords = min(1.0, max(0.0, words))
    wanted = max(topics, keywords)  # how much of what she wants he offers
    return {
        "topics": topics,
        "keywords": keywords,
        "industry": wanted * float(bool(mentee.industry) and mentee.industry == mentor.industry),
        "languages": float(bool(mentee.languages & mentor.languages)),
        "time_zone": _time_zone(apart(mentee, mentor)),
        "city": wanted * float(bool(mentee.city) and mentee.city == mentor.city),
        "experience": _experience(mentee.years, mentor.years),
        "capacity": (max(0, mentor.capacity - mentor.active) / mentor.capacity
                     if mentor.capacity else 0.0),
        "responsiveness": _responsiveness(mentor.answer_hours),
    }


def score(values: dict[str, float], weights: MatchWeights) -> float:
    return sum(getattr(weights, name) * value for name, value in values.items())


def _rank_key(values: dict[str, float], total: float, uid: int) -> tuple[int, float, int]:
    """Mentors offering something she wants come before any who offer nothing she wants,
    whatever else they share."""
    return (0 if values["topics"] or values["keywords"] else 1, -total, uid)


# --- Entry points -----------------------------------------------------------------------

def _ranked(candidates: dict[int, Person], me: Person, viewer_is_mentee: bool,
            limit: int, weights: MatchWeights | None = None) -> list[Recommendation]:
    if weights is None:
        weights = MatchWeights.current()
    people = list(candidates.values())
    if viewer_is_mentee:
        people = [p for p in people if allowed(me, p)]
        words, weighting = relevance.similarities(me.want_words, [p.offer_words for p in people])
    else:
        people = [p for p in people if allowed(p, me)]
        words, weighting = relevance.similarities(me.offer_words, [p.want_words for p in people])
    scored = []
    for person, similarity in zip(people, words, strict=True):
        mentee, mentor = (me, person) if viewer_is_mentee else (person, me)
        values = factors(mentee, mentor, similarity)
        total = score(values, weights)
        scored.append((_rank_key(values, total, person.id), total, person, values))
    scored.sort(key=lambda row: row[0])
    top = scored[:limit]
    users = User.objects.select_related("profile").in_bulk([row[2].id for row in top])
    chosen = [row[2] for row in top]
    wording = explain.wording([me, *chosen], {
        t for p in chosen for t in (me.wants.keys() & p.offers.keys() if viewer_is_mentee
                                    else p.wants.keys() & me.offers.keys())})
    result = []
    for _key, total, person, values in top:
        mentee, mentor = (me, person) if viewer_is_mentee else (person, me)
        why = explain.reasons(viewer_is_mentee, mentee, mentor, values, weights, wording,
                              weighting)
        result.append(Recommendation(user=users[person.id], score=round(total, 3),
                                     reasons=[r.text for r in why], why=why))
    return result


def mentors_for(mentee: User, *, limit: int = 10,
                weights: MatchWeights | None = None) -> list[Recommendation]:
    """The mentors `mentee` could ask now, best first, each with why (with `weights`, the
    admins' preview of unsaved weights; by default the saved ones)."""
    me = load(Q(user=mentee)).get(mentee.pk)
    if me is None:
        return []
    mentors = (Q(user__is_active=True, user__is_bot=False, user__role=Role.MENTOR,
                 accepting_mentees=True,
                 paused_at__isnull=True, active_mentees__lt=F("mentor_capacity"))
               & ~Q(user_id__in=excluded(mentee)))
    if not me.any_language:
        mentors &= speaks_with(me)
    candidates = load(mentors, wants=False)
    return _ranked(candidates, me, True, limit, weights)


def mentees_for(mentor: User, *, limit: int = 10) -> list[Recommendation]:
    """Members who would gain most from `mentor`, best first, each with why (a member
    with a mentor already may have a second, as a mentee may ask several)."""
    me = load(Q(user=mentor)).get(mentor.pk)
    if me is None:
        return []
    # Members who share her language, said any is fine, or listed none.
    candidates = load(Q(user__is_active=True, user__role=Role.MEMBER, user__is_bot=False)
                      & (speaks_with(me) | Q(any_language=True) | Q(languages=[]))
                      & ~Q(user_id__in=excluded(mentor)), offers=False)
    return _ranked(candidates, me, False, limit)


def pair_why(viewer: User, other: User) -> list[explain.Reason]:
    """Why `viewer` and `other` fit, for a profile page (mentee viewing a mentor or back)."""
    people = load(Q(user_id__in=[viewer.pk, other.pk]))
    if viewer.pk not in people or other.pk not in people:
        return []
    viewer_is_mentee = other.is_mentor and not viewer.is_mentor
    mentee, mentor = ((people[viewer.pk], people[other.pk]) if viewer_is_mentee
                      else (people[other.pk], people[viewer.pk]))
    words, weighting = relevance.similarities(mentee.want_words, [mentor.offer_words])
    wording = explain.wording([mentee, mentor], mentee.wants.keys() & mentor.offers.keys())
    return explain.reasons(viewer_is_mentee, mentee, mentor,
                           factors(mentee, mentor, words[0]), MatchWeights.current(),
                           wording, weighting)


def pair_reasons(viewer: User, other: User) -> list[str]:
    return [reason.text for reason in pair_why(viewer, other)]


# --- A whole pool, for matching rounds ---------------------------------------------------

@dataclass
class Pool:
    """Every mentee of a round against every mentor, scored with one set of weights.

    `scores[i][j]` is the fit of `mentees[i]` with `mentors[j]`, or None where the pair may
    not be proposed: a block either way, an open mentorship already, no shared language, or
    he offers nothing of what she asked for.
    """

    mentees: list[Person]
    mentors: list[Person]
    scores: list[list[float | None]]
    weights: MatchWeights
    words: list[list[float]] = field(default_factory=list)  # TF-IDF similarity per pair
    weighting: relevance.Weighting | None = None

    def factors(self, i: int, j: int) -> dict[str, float]:
        return factors(self.mentees[i], self.mentors[j], self.words[i][j])

    def why(self, i: int, j: int, *, viewer_is_mentee: bool = False,
            organiser: bool = False) -> list[explain.Reason]:
        mentee, mentor = self.mentees[i], self.mentors[j]
        wording = explain.wording([mentee, mentor], mentee.wants.keys() & mentor.offers.keys())
        return explain.reasons(viewer_is_mentee, mentee, mentor, self.factors(i, j),
                               self.weights, wording, self.weighting, organiser=organiser)

    def reasons(self, i: int, j: int, *, viewer_is_mentee: bool = False,
                organiser: bool = False) -> list[str]:
        """Why `mentees[i]` and `mentors[j]` fit, in the active language: to one of them,
        or (`organiser`) about both, by name."""
        return [reason.text for reason in self.why(i, j, viewer_is_mentee=viewer_is_mentee,
                                                   organiser=organiser)]


def pairs_factors(pairs: list[tuple[int, int]]
                  ) -> dict[tuple[int, int], tuple[Person, Person, float]]:
    """(mentee, mentor) -> both people and their words' similarity, for pairs that exist
    (a dashboard's mentorships): words are weighted over the mentors concerned, as a pool
    would, without scoring every mentee against every mentor. Members who left are
    absent."""
    mentees = load(Q(user_id__in={a for a, _b in pairs}, user__is_active=True), offers=False)
    mentors = load(Q(user_id__in={b for _a, b in pairs}, user__is_active=True), wants=False)
    kept = [(a, b) for a, b in pairs if a in mentees and b in mentors]
    columns = {mentor_id: j for j, mentor_id in enumerate(mentors)}
    weighting = relevance.Weighting.fit([m.offer_words for m in mentors.values()])
    words = (weighting.pair_similarities([mentees[a].want_words for a, _b in kept],
                                         [columns[b] for _a, b in kept]).tolist()
             if weighting else [0.0] * len(kept))
    return {(a, b): (mentees[a], mentors[b], similarity)
            for (a, b), similarity in zip(kept, words, strict=True)}


def _pairs_excluded(ids: set[int]) -> set[tuple[int, int]]:
    """Pairs among `ids` never proposed: blocks either way and open mentorships."""
    pairs: set[tuple[int, int]] = set()
    for first, second in Block.objects.filter(
            blocker_id__in=ids, blocked_id__in=ids).values_list("blocker_id", "blocked_id"):
        pairs.update(((first, second), (second, first)))
    for mentor, mentee in Mentorship.objects.filter(
            mentor_id__in=ids, mentee_id__in=ids, status__in=Mentorship.OPEN).values_list(
            "mentor_id", "mentee_id"):
        pairs.update(((mentor, mentee), (mentee, mentor)))
    return pairs


def pool(mentee_ids: list[int], mentor_ids: list[int],
         weights: MatchWeights | None = None) -> Pool:
    """Score every pair of `mentee_ids` x `mentor_ids` (members who left are dropped)."""
    weights = weights or MatchWeights.current()
    mentees = list(load(Q(user_id__in=mentee_ids, user__is_active=True), offers=False).values())
    mentors = list(load(Q(user_id__in=mentor_ids, user__is_active=True), wants=False).values())
    never = _pairs_excluded({p.id for p in mentees} | {p.id for p in mentors})
    weighting = relevance.Weighting.fit([m.offer_words for m in mentors]) if mentors else None
    words = (weighting.similarities([m.want_words for m in mentees]).tolist()
             if weighting and mentees else [[0.0] * len(mentors) for _m in mentees])
    rows: list[list[float | None]] = []
    for i, mentee in enumerate(mentees):
        row: list[float | None] = []
        for j, mentor in enumerate(mentors):
            if (mentee.id == mentor.id or (mentee.id, mentor.id) in never
                    or not allowed(mentee, mentor)):
                row.append(None)
                continue
            values = factors(mentee, mentor, words[i][j])
            if (mentee.wants or mentee.want_words) and not (
                    values["topics"] or values["keywords"]):
                row.append(None)  # he offers nothing she asked for: better the waitlist
                continue
            row.append(score(values, weights))
        rows.append(row)
    return Pool(mentees=mentees, mentors=mentors, scores=rows, weights=weights, words=words,
                weighting=weighting)
