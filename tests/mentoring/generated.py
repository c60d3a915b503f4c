"""A generated community for the matching quality harness and the timing benchmark.

Topics are the default vocabulary (with its synonyms). About 800 members: background
people with realistic profiles (varied topics, free text in English or French, cities,
industries, time zones including half-hour ones, languages), plus planted pairs. A planted
mentee has exactly ONE mentor who meets all of: she offers what the mentee wants (a picked
topic, or only in her own words), they share a language, their time zones are at most two
hours apart and she has a free place. Around each planted mentee are decoys that fail one
of these: same topic but no language in common, same topic but full / paused / closed /
blocked / already in an open mentorship with her, same city + industry + time zone but
nothing she wants, same topic 8+ hours away, a related but different topic
(`phrases.RELATED`: a Salary negotiation mentee gets a Negotiation mentor) in her zone.
Background people never compete with a planted pair: a background mentor who could reach
a planted mentee (shared language, within 3 hours) does not offer her topic, and a
background member near a planted mentor does not want what that mentor offers (so on the
mentor side too, the planted mentee is the one member who fits on every count).
`Generated.offers` / `.wants` record every topic each person offers or wants, picked or
written, so a test can check that each planted pair is the only full fit.

Mentee kinds: "picked" (wants_topics set, short text), "free_text" (no topic, a natural
English sentence), "french" (languages ["fr"], a French sentence). Independently a quarter
of planted mentors offer the topic only in their own words (`offer_in_text`): it is in
her can_offer text, never among her picked topics.

What people write comes from a phrase set: `phrases` by default, the set the vocabulary's
synonyms were extended on, or `phrases="holdout"` (`phrases_holdout`), written apart from
them for an honest measure. Only the wording changes: decoys, zones and languages do not.

Rows are bulk-created; search texts are then built by `community.search.profiles_reindex`,
as the app does after an import. Deterministic per seed (the time zone gaps are today's).
"""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta
from types import ModuleType

from django.utils import timezone

from community import default_vocabulary
from community.models import Block, Profile, Role, Topic, User
from community.search import profiles_reindex
from mentoring.models import Mentorship
from tests.mentoring import phrases, phrases_holdout

ZONES: dict[str, list[str]] = {
    "America/Vancouver": ["Vancouver", "Seattle"],
    "America/Mexico_City": ["Mexico City", "Guadalajara"],
    "America/Toronto": ["Toronto", "Montréal", "Ottawa"],
    "America/Halifax": ["Halifax"],
    "America/St_Johns": ["St. John's"],
    "America/Sao_Paulo": ["São Paulo", "Rio de Janeiro"],
    "Europe/London": ["London", "Manchester"],
    "Africa/Dakar": ["Dakar"],
    "Europe/Paris": ["Paris", "Lyon"],
    "Africa/Lagos": ["Lagos"],
    "Africa/Nairobi": ["Nairobi"],
    "Asia/Dubai": ["Dubai"],
    "Asia/Kolkata": ["Bangalore", "Mumbai"],
    "Asia/Kathmandu": ["Kathmandu"],
    "Asia/Singapore": ["Singapore"],
    "Asia/Tokyo": ["Tokyo"],
    "Australia/Sydney": ["Sydney", "Melbourne"],
}
FRENCH_ZONES = ["America/Toronto", "Europe/Paris", "Africa/Dakar", "America/Halifax"]
INDUSTRIES = ["Banking", "Health", "Retail", "Energy", "Gaming", "Public sector", "Telecom",
              "Education", "Insurance", "Media", "Logistics", "Non-profit"]
INDUSTRIES_FR = {"Banking": "bancaire", "Health": "de la santé", "Retail": "du commerce",
                 "Energy": "de l'énergie", "Gaming": "du jeu vidéo", "Public sector": "public",
                 "Telecom": "des télécoms", "Education": "de l'éducation",
                 "Insurance": "de l'assurance", "Media": "des médias",
                 "Logistics": "de la logistique", "Non-profit": "associatif"}
OTHER_LANGUAGES = ["es", "pt", "ar", "hi", "ja", "de", "sw", "zh-hans"]
MENTEE_KINDS = ("picked", "free_text", "french")
DECOY_KINDS = ("no_language", "full", "paused", "closed", "blocked", "open_mentorship",
               "local", "far", "related")
# Planted around every mentee; one of the others rotates (background mentors add more of
# those: many share no language with a given mentee, some are full, paused or closed).
DECOYS_ALWAYS = ("local", "far", "related")
DECOYS_ROTATING = ("no_language", "full", "paused", "closed", "blocked", "open_mentorship")
INELIGIBLE = {"full", "paused", "closed", "blocked", "open_mentorship"}


@dataclass
class Planted:
    mentee_id: int
    mentor_id: int
    kind: str  # one of MENTEE_KINDS
    offer_in_text: bool  # the mentor offers the topic only in her own words
    topic: str
    mentee_text: str
    decoys: dict[str, int] = field(default_factory=dict)  # decoy kind -> mentor id


@dataclass
class Generated:
    planted: list[tuple[int, int]]  # (mentee id, mentor id)
    members: int
    pairs: list[Planted] = field(default_factory=list, repr=False)
    mentors: int = 0
    offers: dict[int, set[str]] = field(default_factory=dict, repr=False)  # id -> topics
    wants: dict[int, set[str]] = field(default_factory=dict, repr=False)


@dataclass
class Spec:
    """One person before she is saved."""

    role: str
    fields: dict
    offers: set[str] = field(default_factory=set)  # topic names she offers (picked or written)
    picked: set[str] = field(default_factory=set)  # of which picked as topics
    wants: set[str] = field(default_factory=set)  # topic names she wants (picked or written)
    wants_picked: set[str] = field(default_factory=set)
    tag: str = ""  # "planted-mentee-3", "decoy-3-far", ...

    @property
    def eligible(self) -> bool:
        f = self.fields
        return (self.role == Role.MENTOR and f.get("accepting_mentees", True)
                and f.get("paused_at") is None
                and f.get("active_mentees", 0) < f.get("mentor_capacity", 0))


def _hours(offset: timedelta | None) -> float:
    return offset.total_seconds() / 3600 if offset is not None else 0.0


class _Clock:
    """UTC offsets of today, in hours (matching compares today's offsets too)."""

    def __init__(self) -> None:
        now = timezone.now().replace(tzinfo=None)
        self.offsets = {z: _hours(zoneinfo.ZoneInfo(z).utcoffset(now)) for z in ZONES}

    def apart(self, first: str, second: str) -> float:
        gap = abs(self.offsets[first] - self.offsets[second])
        return min(gap, 24 - gap)

    def near(self, zone: str, hours: float) -> list[str]:
        return [z for z in ZONES if self.apart(zone, z) <= hours]

    def far(self, zone: str, hours: float) -> list[str]:
        return [z for z in ZONES if self.apart(zone, z) >= hours]


# What members write: the set the vocabulary was tuned on, or one written apart from it.
PHRASE_SETS = {"default": phrases, "holdout": phrases_holdout}


def community_generate(*, members: int = 800, planted: int = 50, seed: int = 7,
                       phrases: str = "default") -> Generated:
    """Create about `members` people including `planted` pairs and their decoys, writing
    their texts from the phrase set named `phrases` (`PHRASE_SETS`)."""
    return _Builder(random.Random(seed), _Clock(), PHRASE_SETS[phrases]).build(members, planted)


def _fill(frame: str, x: str) -> str:
    """`frame` with `x` in place of {x}, or capitalised in place of {X}."""
    return frame.replace("{X}", x[:1].upper() + x[1:]).format(x=x)


class _Builder:
    def __init__(self, rng: random.Random, clock: _Clock, bank: ModuleType) -> None:
        self.rng = rng
        self.phrases = bank
        self.clock = clock
        self.topics = [t.name for t in default_vocabulary.TOPICS]
        self.specs: list[Spec] = []
        self.mentees: list[Spec] = []  # planted mentees, by pair index
        self.mentors: list[Spec] = []  # planted mentors

    # --- text --------------------------------------------------------------------------

    def _want_en(self, topic: str, city: str, industry: str) -> str:
        rng = self.rng
        frame = rng.choice(self.phrases.WANT_FRAMES_EN)
        text = _fill(frame, rng.choice(self.phrases.WANT_EN[topic]))
        filler = rng.choice(self.phrases.FILLER_EN).format(city=city, industry=industry)
        return f"{filler} {text}".strip() if rng.random() < 0.4 else f"{text} {filler}".strip()

    def _want_fr(self, topic: str, city: str, industry: str) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            frame = rng.choice(self.phrases.WANT_FRAMES_FR_VERB)
            text = _fill(frame, rng.choice(self.phrases.WANT_FR_VERB[topic]))
        else:
            frame = rng.choice(self.phrases.WANT_FRAMES_FR_NOUN)
            text = _fill(frame, rng.choice(self.phrases.WANT_FR_NOUN[topic]))
        filler = rng.choice(self.phrases.FILLER_FR).format(
            city=city, industry=INDUSTRIES_FR.get(industry, industry))
        return f"{text} {filler}".strip()

    def _offer(self, topics: list[str], french: bool) -> str:
        rng = self.rng
        if not topics:
            return ""
        bank, frames = ((self.phrases.OFFER_FR, self.phrases.OFFER_FRAMES_FR) if french
                        else (self.phrases.OFFER_EN, self.phrases.OFFER_FRAMES_EN))
        parts = [rng.choice(bank[t]) for t in topics]
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + (
            " et " if french else " and ") + parts[-1]
        return _fill(rng.choice(frames), joined)

    # --- people ------------------------------------------------------------------------

    def _place(self, zone: str | None = None, french: bool = False) -> dict:
        zone = zone or (self.rng.choice(FRENCH_ZONES) if french else self.rng.choice(list(ZONES)))
        return {"time_zone": zone, "city": self.rng.choice(ZONES[zone]),
                "industry": self.rng.choice(INDUSTRIES)}

    def _languages(self, french: bool = False) -> list[str]:
        rng = self.rng
        if french:
            return ["fr"] if rng.random() < 0.6 else ["fr", "en"]
        first = "en" if rng.random() < 0.8 else rng.choice(OTHER_LANGUAGES)
        langs = [first]
        if rng.random() < 0.35:
            langs.append(rng.choice([c for c in ["en", "fr", *OTHER_LANGUAGES] if c != first]))
        return langs

    def _mentor(self, offers: list[str], place: dict, languages: list[str], *,
                picked: set[str] | None = None, french_text: bool = False,
                headline_topic: str | None = None) -> Spec:
        rng = self.rng
        picked = set(offers) if picked is None else picked
        title_topic = headline_topic or rng.choice(offers)
        headline = rng.choice(self.phrases.TITLES[title_topic])
        if rng.random() < 0.5:
            headline += f", {place['industry'].lower()}"
        written = [t for t in offers if t not in picked or rng.random() < 0.6]
        can_offer = self._offer(written, french_text)
        if rng.random() < 0.3:
            can_offer += " " + rng.choice([
                "Mentoring for 5 years.", "Twenty years in the industry.",
                "Happy to review CVs too.", "Ask me anything."])
        capacity = rng.randint(1, 4)
        fields = {
            **place, "headline": headline, "can_offer": can_offer.strip(),
            "languages": languages, "years_experience": rng.randint(10, 30),
            "wants_to_develop": "", "mentor_capacity": capacity,
            "active_mentees": rng.randint(0, capacity - 1),
            "answer_hours": rng.choice([None, 6.0, 30.0, 100.0]),
            "tags": rng.sample(self.phrases.NEUTRAL_TAGS, rng.randint(0, 2)),
        }
        return Spec(Role.MENTOR, fields, offers=set(offers), picked=picked & set(offers))

    def _member(self, wants: list[str], place: dict, languages: list[str], kind: str) -> Spec:
        rng = self.rng
        city, industry = place["city"], place["industry"]
        if kind == "french":
            text = " ".join(self._want_fr(t, city, industry) for t in wants)
            wants_picked: set[str] = set()
        elif kind == "free_text":
            text = " ".join(self._want_en(t, city, industry) for t in wants)
            wants_picked = set()
        else:  # picked: topics chosen, a short note
            wants_picked = set(wants)
            about = rng.choice(self.phrases.WANT_EN[rng.choice(wants)]) if wants else ""
            text = rng.choice(["", "", "Open to anything.", "Mostly for my next review.",
                               rng.choice(self.phrases.FILLER_EN).format(
                                   city=city, industry=industry),
                               f"Mostly {about}.", f"Especially {about}, for my new role."])
        fields = {
            **place, "headline": rng.choice(self.phrases.MEMBER_TITLES), "can_offer": "",
            "languages": languages, "years_experience": rng.randint(0, 6),
            "wants_to_develop": text.strip(), "mentor_capacity": 0,
        }
        return Spec(Role.MEMBER, fields, wants=set(wants), wants_picked=wants_picked)

    # --- planted pairs and decoys ------------------------------------------------------

    def _reaches(self, mentor: Spec, mentee: Spec, hours: float = 3) -> bool:
        """Could this mentor be a real candidate for this mentee (topic aside)?"""
        return ((mentee.fields.get("any_language", False)
                 or bool(set(mentor.fields["languages"]) & set(mentee.fields["languages"])))
                and self.clock.apart(mentor.fields["time_zone"], mentee.fields["time_zone"])
                <= hours)

    def _competes(self, mentor: Spec, skip: int | None = None) -> bool:
        """Would this eligible mentor fully fit a planted mentee other than `skip`?"""
        return mentor.eligible and any(
            k != skip and self.mentees[k].wants & mentor.offers and self._reaches(mentor, m)
            for k, m in enumerate(self.mentees))

    def _pair(self, k: int) -> tuple[Spec, Spec, str, bool]:
        rng = self.rng
        # About half write free text only, a quarter pick topics, a quarter write French.
        kind = MENTEE_KINDS[k % 3] if k % 5 else "free_text"
        offer_in_text = rng.random() < 0.25
        for _attempt in range(50):
            topic = rng.choice(self.topics)
            french = kind == "french"
            place = self._place(french=french)
            languages = ["fr"] if french else self._languages()
            mentee = self._member([topic], place, languages, kind)
            mentor_zone = rng.choice(self.clock.near(place["time_zone"], 1.5))
            shared = rng.choice(languages)
            mentor_langs = list(dict.fromkeys([shared, *rng.sample(["en", "fr", "es"], 1)]))
            mentor_place = (dict(place) if rng.random() < 0.3
                            else self._place(mentor_zone))
            extra = rng.choice([t for t in self.topics
                                if t != topic and t != self.phrases.RELATED[topic]])
            mentor = self._mentor(
                [topic, extra], mentor_place, mentor_langs,
                picked={extra} if offer_in_text else {topic, extra},
                french_text=("fr" in mentor_langs and rng.random() < 0.5 and french),
                headline_topic=topic if rng.random() < 0.5 else extra)
            mentor.fields["active_mentees"] = min(mentor.fields["active_mentees"],
                                                  mentor.fields["mentor_capacity"] - 1)
            # No other planted pair may reach into this one, either way.
            self.mentees.append(mentee)
            clash = self._competes(mentor, skip=k) or any(
                self._reaches(other, mentee) and mentee.wants & other.offers
                for other in self.mentors) or any(
                self._reaches(mentor, m) and m.wants & mentor.offers
                for m in self.mentees[:-1])
            self.mentees.pop()
            if not clash:
                return mentee, mentor, kind, offer_in_text
        raise RuntimeError("could not place a planted pair; lower `planted`")

    def _decoy(self, k: int, kind: str) -> Spec | None:
        rng = self.rng
        mentee = self.mentees[k]
        [topic] = mentee.wants
        zone = mentee.fields["time_zone"]
        langs = mentee.fields["languages"]
        for _attempt in range(20):
            offers = [topic] + ([rng.choice(self.topics)] if rng.random() < 0.5 else [])
            offers = list(dict.fromkeys(offers))
            place = self._place(rng.choice(self.clock.near(zone, 1)))
            languages = list(langs)
            if kind == "no_language":
                pool = [c for c in ["en", "fr", *OTHER_LANGUAGES] if c not in langs]
                languages = rng.sample(pool, rng.randint(1, 2))
            elif kind == "local":
                place = {k2: mentee.fields[k2] for k2 in ("time_zone", "city", "industry")}
                banned = {topic, self.phrases.RELATED[topic]}
                offers = rng.sample([t for t in self.topics if t not in banned], 2)
            elif kind == "far":
                place = self._place(rng.choice(self.clock.far(zone, 8)))
            elif kind == "related":
                offers = [self.phrases.RELATED[topic]]
            spec = self._mentor(offers, place, languages,
                                picked=set(offers) if rng.random() < 0.7 else set(),
                                french_text="fr" in languages and rng.random() < 0.4)
            if kind not in ("local", "related"):
                spec.fields["headline"] = rng.choice(self.phrases.TITLES[topic])
            if kind == "full":
                spec.fields["active_mentees"] = spec.fields["mentor_capacity"]
            elif kind == "paused":
                spec.fields["paused_at"] = timezone.now() - timedelta(days=3)
            elif kind == "closed":
                spec.fields["accepting_mentees"] = False
            spec.tag = f"decoy-{k}-{kind}"
            if not self._competes(spec, skip=k if kind in ("blocked", "open_mentorship")
                                  else None):
                return spec
        return None

    def _background_mentor(self) -> Spec:
        rng = self.rng
        french = rng.random() < 0.2
        for _attempt in range(20):
            place = self._place(french=french)
            languages = self._languages(french)
            draft = Spec(Role.MENTOR, {**place, "languages": languages})
            banned = {t for m in self.mentees if self._reaches(draft, m) for t in m.wants}
            offers = [t for t in rng.sample(self.topics, rng.randint(1, 3)) if t not in banned]
            if offers:
                break
        picked = {t for t in offers if rng.random() < 0.75}
        spec = self._mentor(offers, place, languages, picked=picked,
                            french_text=french and rng.random() < 0.6)
        roll = rng.random()
        if roll < 0.08:
            spec.fields["active_mentees"] = spec.fields["mentor_capacity"]
        elif roll < 0.12:
            spec.fields["paused_at"] = timezone.now() - timedelta(days=10)
        elif roll < 0.15:
            spec.fields["accepting_mentees"] = False
        return spec

    def _background_member(self) -> Spec:
        rng = self.rng
        roll = rng.random()
        kind = "french" if roll < 0.15 else "free_text" if roll < 0.5 else "picked"
        any_language = rng.random() < 0.05
        for _attempt in range(20):
            place = self._place(french=kind == "french")
            languages = self._languages(kind == "french")
            draft = Spec(Role.MEMBER, {**place, "languages": languages,
                                       "any_language": any_language})
            banned = {t for m in self.mentors if self._reaches(m, draft) for t in m.offers}
            wants = [t for t in rng.sample(self.topics, rng.randint(1, 2)) if t not in banned]
            if wants:
                break
        if rng.random() < 0.05:  # a profile she never filled in
            wants, kind = [], "picked"
        spec = self._member(wants, place, languages, kind)
        spec.fields["any_language"] = any_language
        return spec

    # --- saving -------------------------------------------------------------------------

    def build(self, members: int, planted: int) -> Generated:
        rng = self.rng
        kinds, in_text = [], []
        for k in range(planted):
            mentee, mentor, kind, offer_in_text = self._pair(k)
            mentee.tag, mentor.tag = f"planted-mentee-{k}", f"planted-mentor-{k}"
            self.mentees.append(mentee)
            self.mentors.append(mentor)
            kinds.append(kind)
            in_text.append(offer_in_text)
        decoys: list[tuple[int, str, Spec]] = []
        for k in range(planted):
            rotating = [DECOYS_ROTATING[(k + i) % len(DECOYS_ROTATING)] for i in range(1)]
            for kind in (*DECOYS_ALWAYS, *rotating):
                spec = self._decoy(k, kind)
                if spec is not None:
                    decoys.append((k, kind, spec))
        fixed = 2 * planted + len(decoys)
        n_mentors = max(members // 5 - planted - len(decoys), members // 20)
        background = [self._background_mentor() for _ in range(n_mentors)]
        background += [self._background_member()
                       for _ in range(max(0, members - fixed - n_mentors))]
        rng.shuffle(background)
        specs = [*self.mentees, *self.mentors, *(s for _k, _kind, s in decoys), *background]
        users = User.objects.bulk_create([
            User(email=f"gen{i}@example.org", name=f"Generated {i}", role=spec.role,
                 password="!")
            for i, spec in enumerate(specs)])
        topics = self._topics()
        profiles = Profile.objects.bulk_create([
            Profile(user=user, **spec.fields) for user, spec in zip(users, specs, strict=True)])
        rows: dict[type, list] = {Profile.expertise.through: [], Profile.skills.through: [],
                                  Profile.wants_topics.through: []}
        for profile, spec in zip(profiles, specs, strict=True):
            for name in spec.picked:
                topic = topics[name]
                model = (Profile.expertise.through if topic.kind == Topic.Kind.EXPERTISE
                         else Profile.skills.through)
                rows[model].append(model(profile_id=profile.pk, topic_id=topic.pk))
            for name in spec.wants_picked:
                rows[Profile.wants_topics.through].append(Profile.wants_topics.through(
                    profile_id=profile.pk, topic_id=topics[name].pk))
        for model, batch in rows.items():
            model.objects.bulk_create(batch)
        mentee_user = users[:planted]
        pairs = [Planted(mentee_id=users[k].pk, mentor_id=users[planted + k].pk,
                         kind=kinds[k], offer_in_text=in_text[k],
                         topic=next(iter(self.mentees[k].wants)),
                         mentee_text=self.mentees[k].fields["wants_to_develop"])
                 for k in range(planted)]
        blocks, mentorships = [], []
        for offset, (k, kind, _spec) in enumerate(decoys):
            decoy = users[2 * planted + offset]
            pairs[k].decoys[kind] = decoy.pk
            if kind == "blocked":
                first, second = ((decoy, mentee_user[k]) if rng.random() < 0.5
                                 else (mentee_user[k], decoy))
                blocks.append(Block(blocker=first, blocked=second))
            elif kind == "open_mentorship":
                mentorships.append(Mentorship(
                    mentor=decoy, mentee=mentee_user[k], note="Would you mentor me?",
                    status=rng.choice([Mentorship.Status.PENDING, Mentorship.Status.ACTIVE]),
                    expires_at=timezone.now() + timedelta(days=7)))
        Block.objects.bulk_create(blocks)
        Mentorship.objects.bulk_create(mentorships)
        profiles_reindex()
        return Generated(planted=[(p.mentee_id, p.mentor_id) for p in pairs],
                         members=len(users), pairs=pairs,
                         mentors=sum(s.role == Role.MENTOR for s in specs),
                         offers={u.pk: s.offers for u, s in zip(users, specs, strict=True)
                                 if s.offers},
                         wants={u.pk: s.wants for u, s in zip(users, specs, strict=True)
                                if s.wants})

    def _topics(self) -> dict[str, Topic]:
        existing = {t.name: t for t in Topic.objects.all()}
        new = [Topic(kind=d.kind, name=d.name, name_fr=d.name_fr, synonyms=list(d.synonyms),
                     synonyms_fr=list(d.synonyms_fr))
               for d in default_vocabulary.TOPICS if d.name not in existing]
        for topic in Topic.objects.bulk_create(new):
            existing[topic.name] = topic
        return existing

