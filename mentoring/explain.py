"""Why two people fit, in plain sentences that are always true.

Each `Reason` is built from the data that scored it and keeps what it states (`facts`: the
topics and where each side has them, the words quoted and the field they come from, the
minutes between their clocks...), so a test can check every sentence against the profiles.
Words are quoted as she wrote them, never as stems, and never a stop word. A topic found in
her free text is quoted with the words that named it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from community import languages, matchtext
from community.models import Profile, Topic
from community.search import OFFER_FIELDS, field_text
from mentoring.models import MatchWeights
from mentoring.people import Person, apart
from mentoring.relevance import Weighting

PICKED_OFFERS = ("expertise", "skills")
MOST = 6  # sentences shown


@dataclass(frozen=True)
class Reason:
    factor: str  # the factor that scored it (a MatchWeights field)
    text: str  # in the active language
    facts: dict[str, Any]  # what the sentence states, for checking against the data


@dataclass
class Wording:
    """What explanations name, loaded once for a whole page of recommendations."""

    topics: dict[int, str]  # topic id -> name in the active language
    texts: dict[int, dict[str, str]]  # user id -> free-text field -> her text


def wording(people: list[Person], topic_ids: set[int]) -> Wording:
    """Two queries for any number of recommendations: topic names and profile texts (the
    words each wrote for the topics found in her text are filled in on `people`)."""
    topics = {t.pk: str(t) for t in Topic.objects.filter(pk__in=topic_ids)}
    texts: dict[int, dict[str, str]] = {}
    by_id = {p.id: p for p in people}
    for profile in Profile.objects.filter(user_id__in=list(by_id)).only(
            "user_id", "wants_to_develop", "want_found", "offer_found", *OFFER_FIELDS):
        texts[profile.user_id] = {name: field_text(profile, name)
                                  for name in ("wants_to_develop", *OFFER_FIELDS)}
        person = by_id[profile.user_id]
        for found, quotes in ((profile.want_found, person.want_quotes),
                              (profile.offer_found, person.offer_quotes)):
            for topic, (_source, quote) in (found or {}).items():
                quotes[int(topic)] = quote
    return Wording(topics=topics, texts=texts)


def _her(field: str) -> str:
    return {"can_offer": _("what she can offer"), "headline": _("her headline"),
            "tags": _("her tags")}[field]


def _your(field: str) -> str:
    return {"can_offer": _("what you can offer"), "headline": _("your headline"),
            "tags": _("your tags")}[field]


def _theirs(field: str, name: str) -> str:
    """The mentor's field, for an organiser reading about two other people."""
    return {"can_offer": _("what %(name)s can offer"), "headline": _("%(name)s’s headline"),
            "tags": _("%(name)s’s tags")}[field] % {"name": name}


def _listed(items: list[str]) -> str:
    """"a, b and c" in the active language."""
    return str(get_text_list(items, _("and")))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quote(source: str, quotes: dict[int, str], topic: int) -> str | None:
    """The words she wrote for `topic`, when the sentence says it comes from her text."""
    return None if source in (*PICKED_OFFERS, "wants_topics") else quotes.get(topic)


def _topic_sentences(viewer_is_mentee: bool, mentee: Person, mentor: Person,
                     names: dict[int, str], organiser: bool = False
                     ) -> list[tuple[str, dict[str, Any]]]:
    """At most two sentences about shared topics, each naming where both sides have it."""
    shared = sorted((t for t in mentee.wants.keys() & mentor.offers.keys() if t in names),
                    key=lambda t: names[t])
    picked = [t for t in shared if mentee.wants[t] == "wants_topics"
              and mentor.offers[t] in PICKED_OFFERS]
    said: list[tuple[str, dict[str, Any]]] = []

    def facts(topics: list[int]) -> dict[str, Any]:
        return {"topics": {t: {"mentee": mentee.wants[t], "mentor": mentor.offers[t],
                               "mentee_quote": _quote(mentee.wants[t], mentee.want_quotes, t),
                               "mentor_quote": _quote(mentor.offers[t], mentor.offer_quotes, t)}
                           for t in topics}}

    who = {"mentee": mentee.name, "mentor": mentor.name}
    if picked:
        listed = _listed([names[t] for t in picked[:3]])
        said.append((_("%(mentor)s offers %(topics)s, which %(mentee)s wants to develop") % {
                        "topics": listed, **who} if organiser else
                     _("She offers %(topics)s, which you want to develop") % {"topics": listed}
                     if viewer_is_mentee else
                     _("She wants to develop %(topics)s, which you offer") % {"topics": listed},
                     facts(picked[:3])))
    for topic in [t for t in shared if t not in picked]:
        if len(said) >= 2:
            break
        name = names[topic]
        mine = _quote(mentee.wants[topic], mentee.want_quotes, topic)
        theirs = _quote(mentor.offers[topic], mentor.offer_quotes, topic)
        field = mentor.offers[topic]
        if organiser:
            if theirs is None:
                text = _("%(mentee)s wrote “%(mine)s”: %(mentor)s offers %(topic)s") % {
                    "mine": mine, "topic": name, **who}
            elif mine is None:
                text = _("%(mentee)s wants to develop %(topic)s, and %(field)s says "
                         "“%(hers)s”") % {"topic": name, "field": _theirs(field, mentor.name),
                                         "hers": theirs, **who}
            else:
                text = _("%(mentee)s wrote “%(mine)s”, and %(field)s says “%(hers)s” "
                         "(%(topic)s)") % {"mine": mine, "field": _theirs(field, mentor.name),
                                           "hers": theirs, "topic": name, **who}
        elif viewer_is_mentee:
            if theirs is None:
                text = _("You wrote “%(mine)s”: she offers %(topic)s") % {
                    "mine": mine, "topic": name}
            elif mine is None:
                text = _("%(field)s mentions “%(hers)s” (%(topic)s), which you want to "
                         "develop") % {"field": _capital(_her(field)), "hers": theirs,
                                       "topic": name}
            else:
                text = _("You wrote “%(mine)s”, and %(field)s says “%(hers)s” (%(topic)s)") % {
                    "mine": mine, "field": _her(field), "hers": theirs, "topic": name}
        elif theirs is None:
            text = _("She wrote “%(hers)s”: you offer %(topic)s") % {
                "hers": mine, "topic": name}
        elif mine is None:
            text = _("She wants to develop %(topic)s, and %(field)s says “%(mine)s”") % {
                "topic": name, "field": _your(field), "mine": theirs}
        else:
            text = _("She wrote “%(hers)s”, and %(field)s says “%(mine)s” (%(topic)s)") % {
                "hers": mine, "field": _your(field), "mine": theirs, "topic": name}
        said.append((text, facts([topic])))
    return said


def _word_sentence(viewer_is_mentee: bool, mentee: Person, mentor: Person, wording: Wording,
                   weighting: Weighting | None, quoted: set[str], organiser: bool = False
                   ) -> tuple[str, dict[str, Any]] | None:
    """The rarest words both texts share, from the mentor's field sharing the most, quoted
    as written on the viewer's other side; words already quoted for a topic are left out."""
    wanted = set(mentee.want_words.split())
    texts = wording.texts.get(mentor.id, {})
    best: tuple[int, str, list[matchtext.Token]] | None = None
    for name in OFFER_FIELDS:
        tokens = matchtext.tokens(texts.get(name, ""))
        count = len({s for t in tokens for s in t.stems} & wanted)
        if count and (best is None or count > best[0]):
            best = (count, name, tokens)
    if best is None:
        return None
    _count, field, offer_tokens = best
    offered = {s for t in offer_tokens for s in t.stems}
    # Quoted from the side the sentence names first: her field for a mentee reading it,
    # the mentee's text for a mentor.
    source_text = (texts.get(field, "") if viewer_is_mentee or organiser else
                   wording.texts.get(mentee.id, {}).get("wants_to_develop", ""))
    source = matchtext.tokens(source_text)
    ranked: dict[str, float] = {}
    for token in source:
        common = token.stems & wanted & offered
        if not common or token.stems & quoted:
            continue
        rarity = max(weighting.rarity(s) for s in common) if weighting else 1.0
        key = token.written.casefold()
        ranked[key] = max(ranked.get(key, 0.0), rarity)
    if not ranked:
        return None
    written = {t.written.casefold(): t.written for t in source}
    words = [written[k] for k in sorted(ranked, key=lambda k: (-ranked[k], k))[:3]]
    listed = _listed(_phrases(source_text, source, {w.casefold() for w in words}))
    if organiser:
        return (_("What %(mentee)s wants to develop and %(field)s both mention %(words)s") % {
            "mentee": mentee.name, "field": _theirs(field, mentor.name), "words": listed},
            {"words": words, "mentor_field": field, "written_in": "mentor"})
    text = (_("%(field)s and what you want to develop both mention %(words)s") % {
        "field": _capital(_her(field)), "words": listed} if viewer_is_mentee else
        _("What she wants to develop and %(field)s both mention %(words)s") % {
        "field": _your(field), "words": listed})
    return text, {"words": words, "mentor_field": field,
                  "written_in": "mentor" if viewer_is_mentee else "mentee"}


def _phrases(text: str, tokens: list[matchtext.Token], chosen: set[str]) -> list[str]:
    """The chosen words in the order she wrote them, neighbours kept together as she wrote
    them ("public speaking", not "public and speaking"); each phrase once."""
    phrases: list[str] = []
    start = end = None
    for token in tokens:
        if token.written.casefold() not in chosen:
            if start is not None:
                phrases.append(text[start:end])
            start = end = None
            continue
        if start is not None and text[end:token.start].strip() == "":
            end = token.end
        else:
            if start is not None:
                phrases.append(text[start:end])
            start, end = token.start, token.end
    if start is not None:
        phrases.append(text[start:end])
    once: dict[str, str] = {}
    for phrase in phrases:
        once.setdefault(phrase.casefold(), phrase)
    return list(once.values())


def _apart_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if minutes == 0:
        return _("Same local time")
    if hours == 0:
        return ngettext("%(n)s minute apart", "%(n)s minutes apart", rest) % {"n": rest}
    if rest == 0:
        return ngettext("%(n)s hour apart", "%(n)s hours apart", hours) % {"n": hours}
    if rest == 30:
        return _("%(n)s½ hours apart") % {"n": hours}
    return _("%(hours)s h %(minutes)02d apart") % {"hours": hours, "minutes": rest}


def reasons(viewer_is_mentee: bool, mentee: Person, mentor: Person,
            values: dict[str, float], weights: MatchWeights, wording: Wording,
            weighting: Weighting | None = None, *, organiser: bool = False) -> list[Reason]:
    """The sentences for the factors that counted most, in the active language: to the
    mentee, to the mentor, or (`organiser`) about both, by name, to an admin."""
    said: list[tuple[float, Reason]] = []

    def say(name: str, text: str, facts: dict[str, Any], share: float = 1.0) -> None:
        said.append((getattr(weights, name) * values[name] * share,
                     Reason(factor=name, text=text, facts=facts)))

    topic_sentences = _topic_sentences(viewer_is_mentee, mentee, mentor, wording.topics,
                                       organiser)
    quoted: set[str] = set()
    for text, facts in topic_sentences:
        say("topics", text, facts, share=1.0 / len(topic_sentences))
        for topic_id, topic in facts["topics"].items():
            # A word already said, as a topic's name or a quote, is not said again.
            for said_words in (topic["mentee_quote"], topic["mentor_quote"],
                               wording.topics.get(topic_id)):
                quoted.update(s for t in matchtext.tokens(said_words or "") for s in t.stems)
    if values["keywords"]:
        words = _word_sentence(viewer_is_mentee, mentee, mentor, wording, weighting, quoted,
                               organiser)
        if words:
            say("keywords", *words)
    shared_languages = sorted(mentee.languages & mentor.languages)
    if shared_languages:
        names = _listed([str(languages.NAMES.get(code, code)) for code in shared_languages[:2]])
        if (get_language() or "").startswith("fr"):
            names = names.lower()  # "vous parlez toutes deux français"
        say("languages", (_("Both speak %(languages)s") if organiser else
                          _("You both speak %(languages)s")) % {"languages": names},
            {"languages": shared_languages[:2]})
    hours = apart(mentee, mentor)
    if hours is not None and hours <= 3:
        minutes = round(hours * 60)
        say("time_zone", _apart_text(minutes), {"minutes": minutes})
    if values["city"]:
        say("city", _("Both in %(city)s") % {"city": mentor.shown_city},
            {"city": mentor.shown_city})
    if values["industry"]:
        say("industry", _("Both work in %(industry)s") % {"industry": mentor.shown_industry},
            {"industry": mentor.shown_industry})
    if values["experience"] >= 0.99 and mentor.years is not None and mentee.years is not None:
        gap = mentor.years - mentee.years
        say("experience", ngettext("%(mentor)s has %(n)s more year of experience",
                                   "%(mentor)s has %(n)s more years of experience", gap)
            % {"n": gap, "mentor": mentor.name} if organiser else
            ngettext("%(n)s year more experience than you",
                     "%(n)s years more experience than you", gap) % {"n": gap}
            if viewer_is_mentee else
            ngettext("You have %(n)s more year of experience",
                     "You have %(n)s more years of experience", gap) % {"n": gap},
            {"years": gap})
    if organiser and mentor.answer_hours is not None and mentor.answer_hours <= 72:
        within = 24 if mentor.answer_hours <= 24 else 72
        say("responsiveness", (_("%(mentor)s usually answers within a day") if within == 24
                               else _("%(mentor)s usually answers within three days"))
            % {"mentor": mentor.name}, {"within_hours": within})
    elif viewer_is_mentee:
        places = mentor.capacity - mentor.active
        if places > 0:
            say("capacity", ngettext("%(n)s place left", "%(n)s places left", places)
                % {"n": places}, {"places": places})
        if mentor.answer_hours is not None and mentor.answer_hours <= 72:
            within = 24 if mentor.answer_hours <= 24 else 72
            say("responsiveness", _("Usually answers within a day") if within == 24
                else _("Usually answers within three days"), {"within_hours": within})
    said.sort(key=lambda pair: -pair[0])
    chosen = [reason for weight, reason in said[:MOST] if weight > 0]
    if not shared_languages and mentee.languages and mentor.languages:
        # Only when she said any language is fine: it must not come as a surprise.
        other = mentee if not viewer_is_mentee and not organiser else mentor
        codes = sorted(other.languages)[:3]
        names = _listed([str(languages.NAMES.get(code, code)) for code in codes])
        if (get_language() or "").startswith("fr"):
            names = names.lower()
        text = (_("No language in common: %(name)s speaks %(languages)s") % {
                    "name": other.name, "languages": names} if organiser else
                _("No language in common: she speaks %(languages)s") % {"languages": names})
        chosen = [*chosen[:MOST - 1], Reason(factor="languages", text=text, facts={
            "not_shared": True, "languages": codes,
            "whose": "mentee" if other is mentee else "mentor"})]
    return chosen
