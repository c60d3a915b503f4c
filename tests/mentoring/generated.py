"""A generated community for the matching quality test and benchmark.

Random members and mentors drawn from a shared vocabulary, plus planted pairs: a mentee
and a mentor made for each other (her wanted topics are what the mentor offers, same
language, time zone, city and industry, a useful experience gap). Rows are bulk-created:
5,000 members take a few seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from community.models import Profile, Role, Topic, User
from community.search import keywords

ZONES = ["America/Toronto", "America/Vancouver", "Europe/Paris", "Africa/Lagos", "Asia/Kolkata",
         "Asia/Tokyo", "America/Sao_Paulo", "Europe/London", "Australia/Sydney", "Asia/Dubai"]
CITIES = ["Montréal", "Toronto", "Paris", "Lagos", "Bangalore", "Tokyo", "São Paulo", "London",
          "Sydney", "Dubai"]
INDUSTRIES = ["Banking", "Health", "Retail", "Energy", "Gaming", "Public sector", "Telecom",
              "Education"]
LANGUAGES = ["en", "fr", "es", "pt", "ar", "hi", "ja", "de"]
WORDS = [f"{stem}{suffix}" for stem in (
    "cloud", "kotlin", "pricing", "hiring", "roadmap", "privacy", "kubernetes", "compiler",
    "design", "research", "budget", "speaking", "writing", "patent", "startup", "security",
    "analytics", "testing", "frontend", "backend") for suffix in ("", "ops", "craft")]


@dataclass
class Generated:
    planted: list[tuple[int, int]]  # (mentee id, mentor id)
    members: int


def community_generate(*, members: int, planted: int, seed: int = 7) -> Generated:
    """Create `members` people (a fifth of them mentors) including `planted` ideal pairs."""
    rng = random.Random(seed)
    topics = Topic.objects.bulk_create(
        [Topic(kind=Topic.Kind.EXPERTISE, name=f"Field {i}") for i in range(25)]
        + [Topic(kind=Topic.Kind.SKILL, name=f"Skill {i}") for i in range(25)])
    topic_ids = [t.pk for t in topics]
    specs = []  # (role, fields, offers, wants)
    n_mentors = members // 5
    for i in range(members - 2 * planted):
        is_mentor = i < n_mentors - planted
        specs.append(_random_spec(rng, is_mentor, topic_ids))
    pairs_at = []
    for _ in range(planted):
        mentee, mentor = _planted_specs(rng, topic_ids)
        pairs_at.append((len(specs), len(specs) + 1))
        specs.extend([mentee, mentor])
    users = User.objects.bulk_create([
        User(email=f"gen{i}@example.org", name=f"Generated {i}", role=role, password="!")
        for i, (role, _fields, _offers, _wants) in enumerate(specs)])
    profiles = Profile.objects.bulk_create([
        Profile(user=user, **fields, want_words=" ".join(keywords(fields["wants_to_develop"])),
                offer_words=" ".join(keywords(fields["headline"] + " " + fields["can_offer"])))
        for user, (_role, fields, _offers, _wants) in zip(users, specs, strict=True)])
    rows_offer, rows_want = [], []
    expertise = set(topic_ids[:25])
    for profile, (_role, _fields, offers, wants) in zip(profiles, specs, strict=True):
        for topic in offers:
            model = Profile.expertise.through if topic in expertise else Profile.skills.through
            rows_offer.append(model(profile_id=profile.pk, topic_id=topic))
        rows_want.extend(Profile.wants_topics.through(profile_id=profile.pk, topic_id=t)
                         for t in wants)
    for model in (Profile.expertise.through, Profile.skills.through):
        model.objects.bulk_create([r for r in rows_offer if isinstance(r, model)])
    Profile.wants_topics.through.objects.bulk_create(rows_want)
    return Generated(planted=[(users[a].pk, users[b].pk) for a, b in pairs_at], members=len(users))


def _words(rng: random.Random, n: int) -> list[str]:
    return rng.sample(WORDS, n)


def _random_spec(rng: random.Random, is_mentor: bool, topic_ids: list[int]) -> tuple:
    fields = {
        "headline": " ".join(_words(rng, 2)), "industry": rng.choice(INDUSTRIES),
        "city": rng.choice(CITIES), "time_zone": rng.choice(ZONES),
        "languages": rng.sample(LANGUAGES, rng.randint(1, 2)),
        "years_experience": rng.randint(8, 30) if is_mentor else rng.randint(0, 8),
        "wants_to_develop": "" if is_mentor else " ".join(_words(rng, 4)),
        "can_offer": " ".join(_words(rng, 5)) if is_mentor else "",
    }
    if is_mentor:
        capacity = rng.randint(1, 4)
        fields.update(mentor_capacity=capacity, active_mentees=rng.randint(0, capacity - 1),
                      answer_hours=rng.choice([None, 6.0, 30.0, 100.0]))
        return Role.MENTOR, fields, set(rng.sample(topic_ids, rng.randint(3, 5))), set()
    return Role.MEMBER, fields, set(rng.sample(topic_ids, 2)), set(rng.sample(topic_ids, 3))


def _planted_specs(rng: random.Random, topic_ids: list[int]) -> tuple[tuple, tuple]:
    wants = set(rng.sample(topic_ids, 3))
    want_words = _words(rng, 4)
    zone_city = rng.randrange(len(ZONES))
    common = {"industry": rng.choice(INDUSTRIES), "city": CITIES[zone_city],
              "time_zone": ZONES[zone_city]}
    language = rng.choice(LANGUAGES)
    mentee_years = rng.randint(0, 5)
    mentee = (Role.MEMBER, {
        **common, "headline": " ".join(_words(rng, 2)), "languages": [language],
        "years_experience": mentee_years, "wants_to_develop": " ".join(want_words),
        "can_offer": ""}, set(rng.sample(topic_ids, 2)), wants)
    extra = rng.choice([t for t in topic_ids if t not in wants])
    mentor = (Role.MENTOR, {
        **common, "headline": " ".join(_words(rng, 2)), "languages": [language, "en"],
        "years_experience": mentee_years + rng.randint(8, 15), "wants_to_develop": "",
        "can_offer": " ".join(want_words[:3] + _words(rng, 2)), "mentor_capacity": 3,
        "active_mentees": rng.randint(0, 2), "answer_hours": rng.choice([None, 6.0, 30.0])},
        wants | {extra}, set())
    return mentee, mentor
