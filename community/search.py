"""Profile search: PostgreSQL full-text search where we run on it, a plain fallback elsewhere.

Each profile keeps three texts, by weight (A: name and headline; B: topics, tags, what she
wants to develop and can offer; C: bio, industry, city), refreshed by `profile_index`
whenever the profile changes. On PostgreSQL they also feed a stored `tsvector` built with
both the English and the French configurations over accent-free text, so "negociations"
finds "Négociation" and "mentoring" finds "mentor"; a GIN index keeps it fast. Elsewhere
every word of the query must start a word of one of the texts (accents and case ignored)
and the rank counts where. The city filter compares a stored accent-free, lower-case key
(`city_key`), so "Montreal" finds "Montréal" on both databases.
Contact details are never indexed: no search can reveal them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from community import matchtext, permissions
from community.matchtext import normalise
from community.models import Profile, Role, Topic, User

CONFIGS = ("english", "french")
WEIGHTS = {"a": 4, "b": 2, "c": 1}
MAX_TERMS = 8

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "i", "in",
    "is", "it", "its", "me", "my", "of", "on", "or", "our", "she", "so", "that", "the",
    "their", "to", "was", "we", "what", "which", "who", "will", "with", "you", "your", "how",
    "more", "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et",
    "est", "il", "je", "la", "le", "les", "leur", "lui", "ma", "mais", "me", "mes", "mon",
    "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa",
    "se", "ses", "son", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos",
    "votre", "vous", "plus",
))


def city_key(city: str) -> str:
    """The form of a city the filter compares, on every database: "  Montréal " and
    "MONTREAL" are both "montreal"."""
    return " ".join(normalise(city).split())[:80]


def stem(word: str) -> str:
    """A deliberately light stemmer shared by both languages: plurals and a few endings."""
    for ending in ("ments", "ment", "ings", "ing", "ions", "ion", "ies", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


def words(text: str) -> list[str]:
    """The meaningful words of `text`, normalised (no accents, lower case), not stemmed."""
    return [w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS and len(w) > 1]


def keywords(text: str) -> list[str]:
    """The meaningful words of `text`, normalised and stemmed, in order, without repeats."""
    return list(dict.fromkeys(stem(w) for w in words(text)))


def _topic_names(topics: list[Topic]) -> list[str]:
    return [name for t in topics for name in (t.name, t.name_fr) if name]


def profile_texts(profile: Profile) -> dict[str, str]:
    """The three weighted texts of one profile, as written (accents kept for PostgreSQL)."""
    topics = _topic_names(list(profile.expertise.all()) + list(profile.skills.all())
                          + list(profile.wants_topics.all()))
    return {
        "a": " ".join([profile.user.name, profile.headline]),
        "b": " ".join([*topics, *profile.tags, profile.wants_to_develop, profile.can_offer]),
        "c": " ".join([profile.bio, profile.industry, profile.city]),
    }


# The free-text fields matching reads, on each side, in the order explanations prefer.
WANT_FIELDS = ("wants_to_develop",)
OFFER_FIELDS = ("can_offer", "headline", "tags")


def field_text(profile: Profile, name: str) -> str:
    value = getattr(profile, name)
    return ", ".join(value) if name == "tags" else value


def topic_vocabulary() -> matchtext.Vocabulary:
    """Every topic members may pick, by its names and synonyms in both languages."""
    rows = Topic.objects.choosable().values_list("pk", "name", "name_fr", "synonyms",
                                                 "synonyms_fr")
    return matchtext.Vocabulary.build(
        (pk, [name, name_fr, *(synonyms or []), *(synonyms_fr or [])])
        for pk, name, name_fr, synonyms, synonyms_fr in rows)


def _found(profile: Profile, fields: tuple[str, ...],
           vocabulary: matchtext.Vocabulary) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in fields:
        for topic_id, quote in matchtext.topics_in(field_text(profile, name), vocabulary).items():
            found.setdefault(str(topic_id), [name, quote])
    return found


def match_words(profile: Profile, vocabulary: matchtext.Vocabulary | None = None
                ) -> dict[str, object]:
    """What matching compares, from her free text: the stems of what she wants to develop
    and of what she offers, and the topics each side names (with the words she used)."""
    vocabulary = vocabulary or topic_vocabulary()
    offer = " ".join(field_text(profile, name) for name in OFFER_FIELDS)
    want_found = _found(profile, WANT_FIELDS, vocabulary)
    offer_found = _found(profile, OFFER_FIELDS, vocabulary)
    return {"want_words": " ".join(matchtext.terms(profile.wants_to_develop)),
            "offer_words": " ".join(matchtext.terms(offer)),
            "want_found": want_found, "offer_found": offer_found,
            "want_found_ids": " ".join(f"{t}:{f}" for t, (f, _q) in want_found.items()),
            "offer_found_ids": " ".join(f"{t}:{f}" for t, (f, _q) in offer_found.items())}


def profile_index(profile: Profile, vocabulary: matchtext.Vocabulary | None = None) -> None:
    """Refresh the stored search texts (and the PostgreSQL vector) of one profile, and what
    matching reads from her free text (`vocabulary` saves rereading the topics)."""
    texts = profile_texts(profile)
    # Padded with spaces so that the fallback matches the start of words: " nego".
    values: dict[str, object] = {
        f"search_{key}": f" {' '.join(keywords(text))} " for key, text in texts.items()}
    values.update(match_words(profile, vocabulary))
    values["city_key"] = city_key(profile.city)
    if connection.vendor == "postgresql":
        vector: Any = None
        for key, text in texts.items():
            for config in CONFIGS:
                part = SearchVector(Value(normalise(text)), config=config, weight=key.upper())
                vector = part if vector is None else vector + part
        values["search_vector"] = vector
    Profile.objects.filter(pk=profile.pk).update(**values)


def profiles_reindex() -> int:
    """Rebuild every profile's search texts (after an upgrade or a bulk import)."""
    count = 0
    vocabulary = topic_vocabulary()
    profiles = Profile.objects.select_related("user").prefetch_related(
        "expertise", "skills", "wants_topics")
    for profile in profiles.iterator(chunk_size=500):
        profile_index(profile, vocabulary)
        count += 1
    return count


@dataclass(frozen=True)
class Filters:
    """Field filters of the people search; empty values filter nothing."""

    expertise: int | None = None
    skill: int | None = None
    industry: str = ""
    city: str = ""
    time_zone: str = ""
    language: str = ""
    role: str = ""
    open_to_mentees: bool = False


def _filtered(members: QuerySet[User], filters: Filters) -> QuerySet[User]:
    if filters.expertise:
        members = members.filter(profile__expertise=filters.expertise)
    if filters.skill:
        members = members.filter(profile__skills=filters.skill)
    if filters.industry:
        members = members.filter(profile__industry__iexact=filters.industry)
    if filters.city:
        members = members.filter(profile__city_key=city_key(filters.city))
    if filters.time_zone:
        members = members.filter(profile__time_zone=filters.time_zone)
    if filters.language:
        # JSON containment is not portable; the codes are short and quoted in the JSON text.
        members = members.filter(profile__languages__icontains=f'"{filters.language}"')
    if filters.role in (Role.MENTOR, Role.MEMBER, Role.ADMIN):
        members = members.filter(role=filters.role)
    if filters.open_to_mentees:
        members = members.filter(
            role=Role.MENTOR, profile__accepting_mentees=True, profile__paused_at__isnull=True,
            profile__active_mentees__lt=F("profile__mentor_capacity"))
    return members


def _keyword_search(members: QuerySet[User], query: str) -> QuerySet[User]:
    terms = keywords(query)[:MAX_TERMS]
    if not terms:
        return members.none()
    if connection.vendor == "postgresql":
        english, french = (SearchQuery(normalise(query), search_type="websearch", config=c)
                           for c in CONFIGS)
        search = english | french
        return members.filter(
            Q(profile__search_vector=search) | Q(name__icontains=query)
        ).annotate(
            rank=SearchRank(F("profile__search_vector"), search, normalization=Value(1))
            + Case(When(name__icontains=query, then=Value(1.0)), default=Value(0.0),
                   output_field=FloatField())
        ).order_by("-rank", Lower("name"), "pk")
    rank: Any = Value(0, output_field=IntegerField())
    for term in terms:
        matches = Q()
        for key, weight in WEIGHTS.items():
            field = f"profile__search_{key}__contains"
            matches |= Q(**{field: f" {term}"})
            rank = rank + Case(When(**{field: f" {term}"}, then=Value(weight)),
                               default=Value(0), output_field=IntegerField())
        members = members.filter(matches)
    return members.annotate(rank=rank).order_by("-rank", Lower("name"), "pk")


def profile_search(
    viewer: User, *, query: str = "", filters: Filters = Filters()
) -> QuerySet[User]:
    """Active members `viewer` may see that match, best first (by name without a query)."""
    members = permissions.profiles_visible_to(viewer).filter(is_active=True, is_bot=False)
    members = _filtered(members, filters)
    if query.strip():
        members = _keyword_search(members, query.strip()[:200])
    else:
        members = members.order_by(Lower("name"), "pk")
    return members.select_related("profile").prefetch_related("profile__expertise")
