"""How well recommendations find the planted pairs of a generated community, next to a
plain TF-IDF baseline over the same candidates.

`measure(generated)` returns, for "cohort" and "baseline", one line per group of planted
mentees (all, picked topics, free text only, French only, mentor offers in text only):
how often the planted mentor is first, in the top 3, in the top 10, and on the mentor side
how often the planted mentee is in the mentor's top 5. `misses` lists the planted mentees
Cohort did not rank first, with what the mentor it put first wrote.

The baseline ranks, for each planted mentee, the mentors `eligible_mentors` allows (the
same rules as recommendations: an open mentor with a free place, no block either way, no
open mentorship, a language in common unless she accepts any) by cosine similarity of
TF-IDF vectors: the mentee's wants_to_develop and wanted topics' names (English and
French), against the mentor's headline, can_offer, tags and offered topics' names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Q
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

from community.models import Block, Profile, Role, User
from mentoring import matching
from mentoring.models import Mentorship
from tests.mentoring.generated import Generated, Planted

GROUPS = ("all", "picked", "free_text", "french", "offer_in_text")


def _in_group(pair: Planted, group: str) -> bool:
    return (group == "all" or pair.kind == group
            or (group == "offer_in_text" and pair.offer_in_text))


# --- Eligibility, written apart from mentoring.matching ---------------------------------

def eligible_mentors(mentee: User) -> set[int]:
    """Mentors `mentee` may be recommended: active, open, a free place, no block either
    way, no open mentorship with her, a language in common unless she accepts any."""
    profile = Profile.objects.get(user=mentee)
    blocked = {pk for pair in Block.objects.filter(Q(blocker=mentee) | Q(blocked=mentee))
               .values_list("blocker_id", "blocked_id") for pk in pair}
    connected = set(Mentorship.objects.filter(mentee=mentee, status__in=Mentorship.OPEN)
                    .values_list("mentor_id", flat=True))
    rows = Profile.objects.filter(
        user__is_active=True, user__role=Role.MENTOR, accepting_mentees=True,
        paused_at__isnull=True, active_mentees__lt=F("mentor_capacity"),
    ).exclude(user=mentee).values_list("user_id", "languages")
    mine = set(profile.languages or ())
    return {uid for uid, langs in rows
            if uid not in blocked and uid not in connected
            and (profile.any_language or mine & set(langs or ()))}


def why_not(mentee: User, mentor_id: int) -> str:
    """Why `mentor_id` may not be recommended to `mentee` ("" when she may)."""
    me = Profile.objects.get(user=mentee)
    her = Profile.objects.select_related("user").get(user_id=mentor_id)
    reasons = []
    if not her.user.is_active or her.user.role != Role.MENTOR:
        reasons.append("not an active mentor")
    if not me.any_language and not set(me.languages or ()) & set(her.languages or ()):
        reasons.append(f"no language in common ({me.languages} / {her.languages})")
    if her.active_mentees >= her.mentor_capacity:
        reasons.append("full")
    if her.paused_at is not None:
        reasons.append("paused")
    if not her.accepting_mentees:
        reasons.append("closed to requests")
    if Block.objects.filter(Q(blocker=mentee, blocked_id=mentor_id)
                            | Q(blocker_id=mentor_id, blocked=mentee)).exists():
        reasons.append("blocked")
    if Mentorship.objects.filter(mentee=mentee, mentor_id=mentor_id,
                                 status__in=Mentorship.OPEN).exists():
        reasons.append("open mentorship")
    return ", ".join(reasons)


def eligible_mentees(mentor: User) -> set[int]:
    """Members `mentor` may be shown: active members, no block either way, no open
    mentorship with her, a language in common unless the member accepts any."""
    profile = Profile.objects.get(user=mentor)
    blocked = {pk for pair in Block.objects.filter(Q(blocker=mentor) | Q(blocked=mentor))
               .values_list("blocker_id", "blocked_id") for pk in pair}
    connected = set(Mentorship.objects.filter(mentor=mentor, status__in=Mentorship.OPEN)
                    .values_list("mentee_id", flat=True))
    mine = set(profile.languages or ())
    rows = Profile.objects.filter(user__is_active=True, user__role=Role.MEMBER).values_list(
        "user_id", "languages", "any_language")
    return {uid for uid, langs, any_language in rows
            if uid not in blocked and uid not in connected
            and (any_language or mine & set(langs or ()))}


# --- The TF-IDF baseline ----------------------------------------------------------------

def _names(topics: object) -> list[str]:
    return [n for t in topics for n in (t.name, t.name_fr) if n]  # type: ignore[attr-defined]


class Baseline:
    """TF-IDF vectors of every profile's want text and offer text, one vocabulary."""

    def __init__(self) -> None:
        profiles = list(Profile.objects.prefetch_related("expertise", "skills", "wants_topics"))
        self.want_text = {p.user_id: " ".join([p.wants_to_develop, *_names(p.wants_topics.all())])
                          for p in profiles}
        self.offer_text = {p.user_id: " ".join([p.headline, p.can_offer, *(p.tags or []),
                                                *_names(p.expertise.all()),
                                                *_names(p.skills.all())])
                           for p in profiles}
        self.vectorizer = TfidfVectorizer(strip_accents="unicode", sublinear_tf=True)
        self.vectorizer.fit([*self.want_text.values(), *self.offer_text.values()])

    def rank(self, query: str, candidates: dict[int, str]) -> list[int]:
        """Candidate ids, most similar to `query` first (ties: lower id first)."""
        ids = sorted(candidates)
        if not ids:
            return []
        matrix = self.vectorizer.transform([candidates[i] for i in ids])
        scores = linear_kernel(self.vectorizer.transform([query]), matrix)[0]
        return [uid for _s, uid in sorted(zip(-scores, ids, strict=True))]

    def mentors_for(self, mentee: User) -> list[int]:
        ids = eligible_mentors(mentee)
        return self.rank(self.want_text[mentee.pk], {i: self.offer_text[i] for i in ids})

    def mentees_for(self, mentor: User) -> list[int]:
        ids = eligible_mentees(mentor)
        return self.rank(self.offer_text[mentor.pk], {i: self.want_text[i] for i in ids})


# --- Measuring --------------------------------------------------------------------------

@dataclass
class Line:
    count: int = 0
    first: int = 0
    top3: int = 0
    top10: int = 0
    mentor_top5: int = 0

    def add(self, position: int | None, mentor_position: int | None) -> None:
        self.count += 1
        self.first += position == 1
        self.top3 += position is not None and position <= 3
        self.top10 += position is not None and position <= 10
        self.mentor_top5 += mentor_position is not None and mentor_position <= 5

    def rates(self) -> dict[str, float]:
        def rate(n: int) -> float:
            return round(n / self.count, 3) if self.count else 0.0
        return {"count": self.count, "first": rate(self.first), "top3": rate(self.top3),
                "top10": rate(self.top10), "mentor_top5": rate(self.mentor_top5)}


@dataclass
class Miss:
    kind: str
    topic: str
    mentee_text: str
    position: int | None  # of the planted mentor in Cohort's top 10
    top_mentor: str  # what the mentor Cohort put first wrote and picked
    top_reasons: list[str] = field(default_factory=list)
    top_is_decoy: str = ""
    mentee_where: str = ""  # her time zone, city, industry, languages


@dataclass
class MentorMiss:
    kind: str
    topic: str
    mentee_text: str
    position: int | None  # of the planted mentee in her mentor's top 10
    mentor: str
    top_mentee: str  # what the member Cohort put first wrote and picked
    top_reasons: list[str] = field(default_factory=list)


def _where(user_id: int) -> str:
    p = Profile.objects.get(user_id=user_id)
    return f"{p.time_zone} {p.city}, {p.industry}, {'/'.join(p.languages)}"


def _describe_mentee(user_id: int) -> str:
    p = Profile.objects.prefetch_related("wants_topics").get(user_id=user_id)
    topics = ", ".join(t.name for t in p.wants_topics.all())
    return (f"wants_to_develop {p.wants_to_develop!r}; topics [{topics}]; "
            f"{p.time_zone} {p.city}, {'/'.join(p.languages)}")


def _position(ids: list[int], wanted: int) -> int | None:
    return ids.index(wanted) + 1 if wanted in ids else None


def _describe(user_id: int) -> str:
    p = Profile.objects.prefetch_related("expertise", "skills").get(user_id=user_id)
    topics = ", ".join(t.name for t in [*p.expertise.all(), *p.skills.all()])
    return (f"headline {p.headline!r}; can_offer {p.can_offer!r}; topics [{topics}]; "
            f"{p.time_zone} {p.city}, {'/'.join(p.languages)}")


def measure(generated: Generated) -> dict:
    """Quality lines for Cohort and the baseline, the counts, and Cohort's misses."""
    baseline = Baseline()
    lines = {name: {g: Line() for g in GROUPS} for name in ("cohort", "baseline")}
    misses: list[Miss] = []
    mentor_misses: list[MentorMiss] = []
    users = User.objects.in_bulk([pk for pair in generated.planted for pk in pair])
    for pair in generated.pairs:
        mentee, mentor = users[pair.mentee_id], users[pair.mentor_id]
        recs = matching.mentors_for(mentee, limit=10)
        ours = _position([r.user.pk for r in recs], mentor.pk)
        back = matching.mentees_for(mentor, limit=10)
        ours_back = _position([r.user.pk for r in back], mentee.pk)
        theirs = _position(baseline.mentors_for(mentee)[:10], mentor.pk)
        theirs_back = _position(baseline.mentees_for(mentor)[:10], mentee.pk)
        for group in GROUPS:
            if _in_group(pair, group):
                lines["cohort"][group].add(ours, ours_back)
                lines["baseline"][group].add(theirs, theirs_back)
        if ours != 1:
            top = recs[0] if recs else None
            decoy = next((k for k, pk in pair.decoys.items() if top and pk == top.user.pk), "")
            misses.append(Miss(
                kind=pair.kind + (" (mentor offers in text)" if pair.offer_in_text else ""),
                topic=pair.topic, mentee_text=pair.mentee_text, position=ours,
                top_mentor=_describe(top.user.pk) if top else "(no recommendation)",
                top_reasons=top.reasons if top else [], top_is_decoy=decoy,
                mentee_where=_where(pair.mentee_id)))
        if ours_back is None or ours_back > 5:
            top = back[0] if back else None
            mentor_misses.append(MentorMiss(
                kind=pair.kind, topic=pair.topic, mentee_text=pair.mentee_text,
                position=ours_back, mentor=_describe(mentor.pk),
                top_mentee=_describe_mentee(top.user.pk) if top else "(no recommendation)",
                top_reasons=top.reasons if top else []))
    return {
        "cohort": {g: line.rates() for g, line in lines["cohort"].items()},
        "baseline": {g: line.rates() for g, line in lines["baseline"].items()},
        "members": generated.members, "mentors": generated.mentors,
        "planted": len(generated.pairs),
        "decoys": sum(len(p.decoys) for p in generated.pairs),
        "misses": misses,
        "mentor_misses": mentor_misses,
    }


def table(result: dict) -> str:
    """The result as a plain-text table."""
    out = [f"{result['members']} members, {result['mentors']} mentors, {result['planted']} "
           f"planted pairs, {result['decoys']} decoys",
           f"{'group':14} {'n':>3}   {'first':>13} {'top 3':>13} {'top 10':>13} "
           f"{'mentor top 5':>13}   (cohort / baseline)"]
    for group in GROUPS:
        ours, theirs = result["cohort"][group], result["baseline"][group]
        cells = [f"{ours[m]:5.0%} / {theirs[m]:4.0%}"
                 for m in ("first", "top3", "top10", "mentor_top5")]
        out.append(f"{group:14} {ours['count']:>3}   " + " ".join(f"{c:>13}" for c in cells))
    return "\n".join(out)
