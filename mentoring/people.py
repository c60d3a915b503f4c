"""The people matching compares, loaded in a handful of bulk queries, and who may be
recommended to whom at all."""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from community import permissions as community_permissions
from community.models import Profile, User
from mentoring.models import Mentorship


@dataclass(slots=True)
class Person:
    """What matching needs from one profile, loaded in bulk."""

    id: int
    name: str
    industry: str  # case-folded for comparing
    city: str
    time_zone: str
    languages: frozenset[str]
    years: int | None
    want_words: str  # stems, space-separated (community.matchtext.terms)
    offer_words: str
    any_language: bool = False
    utc_offset: float | None = None  # hours, today
    shown_industry: str = ""  # as she wrote them, for explanations
    shown_city: str = ""
    capacity: int = 0
    active: int = 0
    answer_hours: float | None = None
    # topic id -> where it comes from: "expertise" or "skills" (picked) or the free-text
    # field that names it ("can_offer", "headline", "tags"); wants: "wants_topics" or
    # "wants_to_develop". Quotes keep the words she wrote for topics found in her text.
    offers: dict[int, str] = field(default_factory=dict)
    wants: dict[int, str] = field(default_factory=dict)
    offer_quotes: dict[int, str] = field(default_factory=dict)
    want_quotes: dict[int, str] = field(default_factory=dict)


@lru_cache(maxsize=1024)
def _utc_offset_hours(zone: str, day: str) -> float | None:
    try:
        now = datetime.fromisoformat(day).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    offset = now.utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else None


def apart(first: Person, second: Person) -> float | None:
    """Hours between their clocks today (None if a time zone is unknown)."""
    if first.utc_offset is None or second.utc_offset is None:
        return None
    gap = abs(first.utc_offset - second.utc_offset) % 24  # +14 and -11: 1 hour, not -1
    return min(gap, 24 - gap)


@lru_cache(maxsize=4096)
def _codes(text: str | None) -> frozenset[str]:
    return frozenset(json.loads(text)) if text else frozenset()


def load(users: Q, *, offers: bool = True, wants: bool = True) -> dict[int, Person]:
    """People matching `users` (a filter on Profile), with the topic sets asked for.

    Scoring compares what the mentee wants with what the mentor offers, so candidates
    need only one of the two sets: loading just that halves the rows read.
    """
    day = timezone.now().date().isoformat()
    # Languages as the JSON text: most members share a handful of combinations, so parsing
    # each distinct text once (`_codes`) saves thousands of JSON decodings per page.
    rows = Profile.objects.filter(users).annotate(
        languages_text=Cast("languages", TextField())).values_list(
        "user_id", "user__name", "industry", "city", "time_zone", "languages_text",
        "years_experience", "want_words", "offer_words", "mentor_capacity", "active_mentees",
        "answer_hours", "pk", "any_language", "want_found_ids", "offer_found_ids")
    people: dict[int, Person] = {}
    by_profile: dict[int, Person] = {}
    for (uid, name, industry, city, tz, langs, years, want, offer, capacity, active,
         hours, pk, any_language, want_found, offer_found) in rows:
        person = Person(
            id=uid, name=name, industry=industry.strip().casefold(),
            city=city.strip().casefold(), time_zone=tz, languages=_codes(langs),
            years=years, want_words=want, offer_words=offer, any_language=any_language,
            shown_industry=industry.strip(), shown_city=city.strip(),
            capacity=capacity, active=active, answer_hours=hours,
            utc_offset=_utc_offset_hours(tz, day) if tz else None)
        if offers:
            for item in offer_found.split():
                topic, _sep, source = item.partition(":")
                person.offers[int(topic)] = source
        if wants:
            for item in want_found.split():
                topic, _sep, source = item.partition(":")
                person.wants[int(topic)] = source
        people[uid] = person
        by_profile[pk] = person
    if not by_profile:
        return people
    # A subquery, not a list of thousands of ids: the database joins, Python does not.
    # A picked topic is said as picked, even when her text names it too.
    profiles = Profile.objects.filter(users).values("pk")
    tables = ([(Profile.expertise.through, "offers", "expertise"),
               (Profile.skills.through, "offers", "skills")] if offers else []) + (
        [(Profile.wants_topics.through, "wants", "wants_topics")] if wants else [])
    for through, attr, source in tables:
        links = through._default_manager.filter(profile_id__in=profiles)
        for profile_id, topic_id in links.values_list("profile_id", "topic_id"):
            person = by_profile[profile_id]
            if getattr(person, attr).get(topic_id) not in ("expertise", "skills"):
                getattr(person, attr)[topic_id] = source
    return people


def speaks_with(person: Person) -> Q:
    """Profiles sharing a language with `person`, everyone if she listed none (a first cut
    in the database; the JSON text holds each code in quotes)."""
    if not person.languages:
        return Q()
    shared = Q(pk__in=[])
    for code in person.languages:
        shared |= Q(languages__icontains=f'"{code}"')
    return shared


def excluded(viewer: User) -> set[int]:
    """Members never recommended to `viewer`: herself, blocks either way, open pairs."""
    excluded = {viewer.pk} | community_permissions.blocked_either_way(int(viewer.pk))
    for mentor, mentee in Mentorship.objects.filter(
            Q(mentor=viewer) | Q(mentee=viewer), status__in=Mentorship.OPEN).values_list(
            "mentor_id", "mentee_id"):
        excluded.update((mentor, mentee))
    return excluded


def allowed(mentee: Person, mentor: Person) -> bool:
    """The rule no weight can change: once she has said which languages she speaks, a
    mentor must share one (a mentor who said none is not known to), unless she said any
    language is fine. A mentee who listed none is not ruled out on languages she never
    gave."""
    return (not mentee.languages or mentee.any_language
            or bool(mentee.languages & mentor.languages))
