"""Recommendations: who fits whom, scored from what two profiles have in common, and why.

Every factor is a number between 0 and 1 multiplied by its weight (`MatchWeights`, tuned
by the admins). A recommendation keeps the factors that counted, so the page can say why
in the reader's language. Candidates are loaded in a handful of bulk queries and scored
in Python: a community of 5,000 members takes tens of milliseconds (benchmarks/matching.py).

Mentors that are full, paused or closed to requests, members on either side of a block and
pairs that already have a request or a mentorship are never recommended. A mentor's free
places count, so requests spread across mentors instead of piling onto the most popular.
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from community import languages, search
from community.models import Block, Profile, Role, Topic, User
from mentoring.models import MatchWeights, Mentorship


@dataclass
class Person:
    """What matching needs from one profile, loaded in bulk."""

    id: int
    name: str
    industry: str  # case-folded for comparing
    city: str
    time_zone: str
    languages: frozenset[str]
    years: int | None
    want_words: frozenset[str]
    offer_words: frozenset[str]
    utc_offset: float | None = None  # hours, today
    shown_industry: str = ""  # as she wrote them, for explanations
    shown_city: str = ""
    capacity: int = 0
    active: int = 0
    answer_hours: float | None = None
    offers: set[int] = field(default_factory=set)  # expertise and skill topic ids
    wants: set[int] = field(default_factory=set)  # topics she wants to develop


@dataclass
class Recommendation:
    user: User
    score: float
    reasons: list[str]


@lru_cache(maxsize=1024)
def _utc_offset_hours(zone: str, day: str) -> float | None:
    try:
        now = datetime.fromisoformat(day).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    offset = now.utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else None


def _apart(first: Person, second: Person) -> float | None:
    if first.utc_offset is None or second.utc_offset is None:
        return None
    gap = abs(first.utc_offset - second.utc_offset)
    return min(gap, 24 - gap)


def _load(users: Q, *, offers: bool = True, wants: bool = True) -> dict[int, Person]:
    """People matching `users` (a filter on Profile), with the topic sets asked for.

    Scoring compares what the mentee wants with what the mentor offers, so candidates
    need only one of the two sets: loading just that halves the rows read.
    """
    day = timezone.now().date().isoformat()
    rows = Profile.objects.filter(users).values_list(
        "user_id", "user__name", "industry", "city", "time_zone", "languages",
        "years_experience", "want_words", "offer_words", "mentor_capacity", "active_mentees",
        "answer_hours", "pk")
    people: dict[int, Person] = {}
    by_profile: dict[int, Person] = {}
    for (uid, name, industry, city, tz, langs, years, want, offer, capacity, active,
         hours, pk) in rows:
        person = Person(
            id=uid, name=name, industry=industry.strip().casefold(),
            city=city.strip().casefold(), time_zone=tz, languages=frozenset(langs or ()),
            years=years, want_words=frozenset(want.split()), offer_words=frozenset(offer.split()),
            shown_industry=industry.strip(), shown_city=city.strip(),
            capacity=capacity, active=active, answer_hours=hours,
            utc_offset=_utc_offset_hours(tz, day) if tz else None)
        people[uid] = person
        by_profile[pk] = person
    if not by_profile:
        return people
    # A subquery, not a list of thousands of ids: the database joins, Python does not.
    profiles = Profile.objects.filter(users).values("pk")
    tables = ([(Profile.expertise.through, "offers"), (Profile.skills.through, "offers")]
              if offers else []) + ([(Profile.wants_topics.through, "wants")] if wants else [])
    for through, attr in tables:
        links = through._default_manager.filter(profile_id__in=profiles)
        for profile_id, topic_id in links.values_list("profile_id", "topic_id"):
            getattr(by_profile[profile_id], attr).add(topic_id)
    return people


def _excluded(viewer: User) -> set[int]:
    """Members never recommended to `viewer`: herself, blocks either way, open pairs."""
    excluded = {viewer.pk}
    for blocker, blocked in Block.objects.filter(
            Q(blocker=viewer) | Q(blocked=viewer)).values_list("blocker_id", "blocked_id"):
        excluded.update((blocker, blocked))
    for mentor, mentee in Mentorship.objects.filter(
            Q(mentor=viewer) | Q(mentee=viewer), status__in=Mentorship.OPEN).values_list(
            "mentor_id", "mentee_id"):
        excluded.update((mentor, mentee))
    return excluded


# --- Factors (each between 0 and 1) ----------------------------------------------------

def _overlap(wanted: frozenset[str] | set[int], offered: frozenset[str] | set[int]) -> float:
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
    return 0.3 if hours is None else max(0.0, 1 - hours / 8)


def _responsiveness(hours: float | None) -> float:
    if hours is None:
        return 0.5
    return 1.0 if hours <= 24 else 0.7 if hours <= 72 else 0.4 if hours <= 168 else 0.1


def factors(mentee: Person, mentor: Person) -> dict[str, float]:
    """Each factor of one pair, between 0 and 1."""
    return {
        "topics": min(1.0, _overlap(mentee.wants, mentor.offers)),
        "keywords": min(1.0, _overlap(mentee.want_words, mentor.offer_words)),
        "industry": float(bool(mentee.industry) and mentee.industry == mentor.industry),
        "languages": float(bool(mentee.languages & mentor.languages)),
        "time_zone": _time_zone(_apart(mentee, mentor)),
        "city": float(bool(mentee.city) and mentee.city == mentor.city),
        "experience": _experience(mentee.years, mentor.years),
        "capacity": (max(0, mentor.capacity - mentor.active) / mentor.capacity
                     if mentor.capacity else 0.0),
        "responsiveness": _responsiveness(mentor.answer_hours),
    }


def score(values: dict[str, float], weights: MatchWeights) -> float:
    return sum(getattr(weights, name) * value for name, value in values.items())


# --- Explanations ----------------------------------------------------------------------

@dataclass
class Wording:
    """What explanations name, loaded once for a whole page of recommendations."""

    topics: dict[int, str]  # topic id -> name in the active language
    written: dict[int, dict[str, str]]  # user id -> stem -> the word as she wrote it


def _wording(people: list[Person], topic_ids: set[int]) -> Wording:
    """Two queries for any number of recommendations: topic names, and profile texts so
    that a shared stem ("negotiat") is shown as written ("negotiation")."""
    topics = {t.pk: str(t) for t in Topic.objects.filter(pk__in=topic_ids)}
    written: dict[int, dict[str, str]] = {}
    rows = Profile.objects.filter(user_id__in=[p.id for p in people]).values_list(
        "user_id", "headline", "can_offer", "tags", "wants_to_develop")
    for user_id, headline, offer, tags, want in rows:
        found: dict[str, str] = {}
        for word in search.words(" ".join([headline, offer, *(tags or []), want])):
            found.setdefault(search.stem(word), word)
        written[user_id] = found
    return Wording(topics=topics, written=written)


def reasons(viewer_is_mentee: bool, mentee: Person, mentor: Person,
            values: dict[str, float], weights: MatchWeights, wording: Wording) -> list[str]:
    """Plain sentences for the factors that counted most, in the active language."""
    said: list[tuple[float, str]] = []

    def say(name: str, text: str) -> None:
        said.append((getattr(weights, name) * values[name], text))

    shared_topics = mentee.wants & mentor.offers
    if shared_topics:
        topics = ", ".join(sorted(wording.topics[t] for t in shared_topics
                                  if t in wording.topics)[:3])
        say("topics", _("She offers %(topics)s, which you want to develop") % {"topics": topics}
            if viewer_is_mentee else
            _("She wants to develop %(topics)s, which you offer") % {"topics": topics})
    shared_words = mentee.want_words & mentor.offer_words
    if shared_words:
        source = wording.written.get(mentor.id if viewer_is_mentee else mentee.id, {})
        words = ", ".join(sorted(source.get(stem, stem) for stem in shared_words)[:3])
        say("keywords", _("What she offers mentions %(words)s") % {"words": words}
            if viewer_is_mentee else
            _("What she wants to develop mentions %(words)s") % {"words": words})
    shared_languages = sorted(mentee.languages & mentor.languages)
    if shared_languages:
        names = ", ".join(str(languages.NAMES.get(code, code)) for code in shared_languages[:2])
        if (get_language() or "").startswith("fr"):
            names = names.lower()  # "vous parlez toutes deux français"
        say("languages", _("You both speak %(languages)s") % {"languages": names})
    hours = _apart(mentee, mentor)
    if hours is not None and hours <= 3:
        whole = round(hours)
        say("time_zone", _("Same time zone") if whole == 0 else
            ngettext("%(n)s hour apart", "%(n)s hours apart", whole) % {"n": whole})
    if values["city"]:
        say("city", _("Both in %(city)s") % {"city": mentor.shown_city})
    if values["industry"]:
        say("industry", _("Both work in %(industry)s") % {"industry": mentor.shown_industry})
    if values["experience"] >= 0.99 and mentor.years is not None and mentee.years is not None:
        gap = mentor.years - mentee.years
        say("experience", ngettext("%(n)s year more experience than you",
                                   "%(n)s years more experience than you", gap) % {"n": gap}
            if viewer_is_mentee else
            ngettext("You have %(n)s more year of experience",
                     "You have %(n)s more years of experience", gap) % {"n": gap})
    if viewer_is_mentee:
        places = mentor.capacity - mentor.active
        if places > 0:
            say("capacity", ngettext("%(n)s place left", "%(n)s places left", places)
                % {"n": places})
        if mentor.answer_hours is not None and mentor.answer_hours <= 72:
            say("responsiveness", _("Usually answers within a day")
                if mentor.answer_hours <= 24 else _("Usually answers within three days"))
    said.sort(key=lambda pair: -pair[0])
    return [text for weight, text in said[:6] if weight > 0]


# --- Entry points -----------------------------------------------------------------------

def _ranked(viewer: User, candidates: dict[int, Person], me: Person, viewer_is_mentee: bool,
            limit: int, weights: MatchWeights | None = None) -> list[Recommendation]:
    if weights is None:
        weights = MatchWeights.current()
    scored = []
    for person in candidates.values():
        mentee, mentor = (me, person) if viewer_is_mentee else (person, me)
        values = factors(mentee, mentor)
        scored.append((score(values, weights), person.id, values))
    scored.sort(key=lambda row: (-row[0], row[1]))
    top = scored[:limit]
    users = User.objects.select_related("profile").in_bulk([uid for _score, uid, _values in top])
    chosen = [candidates[uid] for _score, uid, _values in top]
    shared = (me.wants if viewer_is_mentee else me.offers)
    topic_ids = {t for p in chosen for t in (p.offers if viewer_is_mentee else p.wants)} & shared
    wording = _wording(chosen, topic_ids)
    result = []
    for (total, uid, values), person in zip(top, chosen, strict=True):
        mentee, mentor = (me, person) if viewer_is_mentee else (person, me)
        result.append(Recommendation(
            user=users[uid], score=round(total, 3),
            reasons=reasons(viewer_is_mentee, mentee, mentor, values, weights, wording)))
    return result


def mentors_for(mentee: User, *, limit: int = 10,
                weights: MatchWeights | None = None) -> list[Recommendation]:
    """The mentors `mentee` could ask now, best first, each with why (with `weights`, the
    admins' preview of unsaved weights; by default the saved ones)."""
    me = _load(Q(user=mentee)).get(mentee.pk)
    if me is None:
        return []
    excluded = _excluded(mentee)
    candidates = _load(
        Q(user__is_active=True, user__role=Role.MENTOR, accepting_mentees=True,
          paused_at__isnull=True, active_mentees__lt=F("mentor_capacity"))
        & ~Q(user_id__in=excluded), wants=False)
    return _ranked(mentee, candidates, me, True, limit, weights)


def mentees_for(mentor: User, *, limit: int = 10) -> list[Recommendation]:
    """Members who would gain most from `mentor`, best first, each with why."""
    me = _load(Q(user=mentor)).get(mentor.pk)
    if me is None:
        return []
    excluded = _excluded(mentor)
    candidates = _load(Q(user__is_active=True, user__role=Role.MEMBER) & ~Q(user_id__in=excluded),
                       offers=False)
    return _ranked(mentor, candidates, me, False, limit)


def pair_reasons(viewer: User, other: User) -> list[str]:
    """Why `viewer` and `other` fit, for a profile page (mentee viewing a mentor or back)."""
    people = _load(Q(user_id__in=[viewer.pk, other.pk]))
    if viewer.pk not in people or other.pk not in people:
        return []
    viewer_is_mentee = other.is_mentor and not viewer.is_mentor
    mentee, mentor = ((people[viewer.pk], people[other.pk]) if viewer_is_mentee
                      else (people[other.pk], people[viewer.pk]))
    wording = _wording([mentee, mentor], mentee.wants & mentor.offers)
    return reasons(viewer_is_mentee, mentee, mentor, factors(mentee, mentor),
                   MatchWeights.current(), wording)



# --- A whole pool, for matching rounds ---------------------------------------------------

@dataclass
class Pool:
    """Every mentee of a round against every mentor, scored with one set of weights.

    `scores[i][j]` is the fit of `mentees[i]` with `mentors[j]`, or None where the pair may
    not be proposed (a block either way, an open mentorship already, no shared language).
    """

    mentees: list[Person]
    mentors: list[Person]
    scores: list[list[float | None]]
    weights: MatchWeights

    def reasons(self, i: int, j: int, *, viewer_is_mentee: bool = False) -> list[str]:
        """Why `mentees[i]` and `mentors[j]` fit, in the active language."""
        mentee, mentor = self.mentees[i], self.mentors[j]
        wording = _wording([mentee, mentor], mentee.wants & mentor.offers)
        return reasons(viewer_is_mentee, mentee, mentor, factors(mentee, mentor),
                       self.weights, wording)


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
    mentees = _load(Q(user_id__in=mentee_ids, user__is_active=True), offers=False)
    mentors = _load(Q(user_id__in=mentor_ids, user__is_active=True), wants=False)
    excluded = _pairs_excluded(set(mentees) | set(mentors))
    rows: list[list[float | None]] = []
    for mentee in mentees.values():
        row: list[float | None] = []
        for mentor in mentors.values():
            if mentee.id == mentor.id or (mentee.id, mentor.id) in excluded:
                row.append(None)
                continue
            row.append(score(factors(mentee, mentor), weights))
        rows.append(row)
    return Pool(mentees=list(mentees.values()), mentors=list(mentors.values()), scores=rows,
                weights=weights)
