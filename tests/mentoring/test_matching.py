"""Recommendations: exclusions, explanations, weights (quality: test_matching_quality.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from mentoring import matching
from mentoring.models import MatchWeights, Mentorship
from tests.community.factories import (
    BlockFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def negotiation():
    return TopicFactory(name="Negotiation", name_fr="Négociation")


@pytest.fixture
def mentee(negotiation):
    return profile_fill(UserFactory(name="Léa"), wants_topics=[negotiation], languages=["fr"],
                    time_zone="America/Toronto", years_experience=2,
                    wants_to_develop="salary negotiation and public speaking")


def test_explains_why_in_english_and_french(mentee, negotiation):
    profile_fill(MentorFactory(name="Nadia"), expertise=[negotiation], languages=["fr", "en"],
             time_zone="America/Halifax", years_experience=15,
             can_offer="Coaching on public speaking")
    [rec] = matching.mentors_for(mentee)
    text = " / ".join(rec.reasons)
    assert "She offers Negotiation, which you want to develop" in text
    assert "You both speak French" in text
    assert "1 hour apart" in text
    with translation.override("fr"):
        [rec] = matching.mentors_for(mentee)
    text = " / ".join(rec.reasons)
    assert "Elle propose : Négociation, que vous voulez développer" in text
    assert "Vous parlez toutes deux français" in text


def test_excludes_full_paused_closed_blocked_and_connected_mentors(mentee, negotiation):
    def mentor(name, **fields):
        fields.setdefault("languages", ["fr", "en"])
        return profile_fill(MentorFactory(name=name), expertise=[negotiation], **fields)

    mentor("Full", active_mentees=2)
    mentor("Paused", paused_at=timezone.now())
    mentor("Closed", accepting_mentees=False)
    blocked = mentor("Blocked")
    BlockFactory(blocker=blocked, blocked=mentee)
    asked = mentor("Asked")
    Mentorship.objects.create(mentor=asked, mentee=mentee, note="hi",
                              expires_at=timezone.now())
    mentor("English only", languages=["en"])
    mentor("Said no language", languages=[])
    mentor("Free")
    assert [r.user.name for r in matching.mentors_for(mentee)] == ["Free"]
    profile_fill(mentee, any_language=True)
    recommended = matching.mentors_for(mentee)
    assert [r.user.name for r in recommended] == ["Free", "English only", "Said no language"]
    # She accepted it, and is told: it does not come as a surprise.
    assert "No language in common: she speaks English" in recommended[1].reasons
    assert not any("No language in common" in r for r in recommended[0].reasons)


def test_mentors_near_capacity_rank_lower_and_weights_change_the_order(mentee, negotiation):
    busy = profile_fill(MentorFactory(name="Busy", capacity=4), expertise=[negotiation],
                        active_mentees=3, languages=["fr"], answer_hours=6)
    free = profile_fill(MentorFactory(name="Free", capacity=4), expertise=[negotiation],
                        languages=["fr"])
    assert [r.user for r in matching.mentors_for(mentee)] == [free, busy]
    weights = MatchWeights.current()
    weights.capacity = 0
    weights.save()
    assert [r.user for r in matching.mentors_for(mentee)] == [busy, free]


@pytest.fixture
def vocabulary():
    """The default topics, with their synonyms in both languages."""
    from community.default_vocabulary import TOPICS
    from community.models import Topic

    return {t.name: Topic.objects.create(kind=t.kind, name=t.name, name_fr=t.name_fr,
                                         synonyms=list(t.synonyms),
                                         synonyms_fr=list(t.synonyms_fr)) for t in TOPICS}


def test_french_free_text_meets_a_mentor_who_offers_the_topic_in_english(vocabulary):
    lea = profile_fill(UserFactory(name="Léa"), languages=["fr"],
                       wants_to_develop="Je veux apprendre à négocier mon salaire.")
    nadia = profile_fill(MentorFactory(name="Nadia"), languages=["fr", "en"],
                         skills=[vocabulary["Negotiation"]])
    profile_fill(MentorFactory(name="Olga"), languages=["fr"],
                 skills=[vocabulary["Public speaking"]])
    recommended = matching.mentors_for(lea)
    assert [r.user for r in recommended][:1] == [nadia]
    assert "You wrote “négocier”: she offers Negotiation" in recommended[0].reasons
    with translation.override("fr"):
        [first, *_rest] = matching.mentors_for(lea)
    assert "Vous avez écrit « négocier » : elle propose le thème Négociation" in first.reasons


def test_synonyms_join_phrases_that_share_no_word(vocabulary):
    ana = profile_fill(UserFactory(name="Ana"), languages=["en"],
                       wants_to_develop="I freeze when presenting to executives")
    speaker = profile_fill(MentorFactory(name="Speaker"), languages=["en"],
                           can_offer="Coaching on presentation skills and keynotes")
    profile_fill(MentorFactory(name="Executive"), languages=["en"],
                 can_offer="Former executive, happy to talk about anything")
    [first, *_rest] = matching.mentors_for(ana)
    assert first.user == speaker
    assert ("You wrote “presenting”, and what she can offer says “presentation skills” "
            "(Public speaking)") in first.reasons


def test_same_city_and_industry_never_outrank_what_she_wants(vocabulary):
    lea = profile_fill(UserFactory(name="Léa"), languages=["en"], city="Montréal",
                       industry="Banking", wants_topics=[vocabulary["Negotiation"]])
    offers = profile_fill(MentorFactory(name="Offers"), languages=["en"], city="Lagos",
                          skills=[vocabulary["Negotiation"]])
    profile_fill(MentorFactory(name="Neighbour"), languages=["en"], city="Montréal",
                 industry="Banking", time_zone="", skills=[vocabulary["Python"]])
    weights = MatchWeights.current()
    weights.city = weights.industry = 10
    weights.save()
    assert [r.user.name for r in matching.mentors_for(lea)] == ["Offers", "Neighbour"]
    assert matching.mentors_for(lea)[0].user == offers


@pytest.mark.parametrize(("mentee_zone", "mentor_zone", "said"), [
    ("Asia/Kolkata", "Asia/Kathmandu", "15 minutes apart"),
    ("America/Toronto", "America/New_York", "Same local time"),
    ("America/St_Johns", "America/Halifax", "30 minutes apart"),
    ("Asia/Kolkata", "Asia/Dubai", "1½ hours apart"),
    ("Asia/Kolkata", "Europe/Paris", None),  # 3½ or 4½ hours: more than 3, not said
    ("Pacific/Kiritimati", "Pacific/Pago_Pago", "1 hour apart"),  # +14 and -11: a day and 1 h
])
def test_time_zone_reasons_use_the_exact_offsets_of_today(
        vocabulary, mentee_zone, mentor_zone, said):
    lea = profile_fill(UserFactory(name="Léa"), languages=["en"], time_zone=mentee_zone,
                       wants_topics=[vocabulary["Negotiation"]])
    profile_fill(MentorFactory(name="Nadia"), languages=["en"], time_zone=mentor_zone,
                 skills=[vocabulary["Negotiation"]])
    [rec] = matching.mentors_for(lea)
    zone_reasons = [r for r in rec.why if r.factor == "time_zone"]
    assert [r.text for r in zone_reasons] == ([said] if said else [])


def test_accents_typed_as_separate_marks_still_name_the_topic(vocabulary):
    """Text pasted with decomposed accents (NFD) reads as written: « négocier » is one
    word, found as Negotiation and quoted with her own characters."""
    import unicodedata

    from community import matchtext
    from community.search import topic_vocabulary

    text = unicodedata.normalize("NFD", "Je veux apprendre à négocier mon salaire.")
    found = matchtext.topics_in(text, topic_vocabulary())
    assert found[vocabulary["Negotiation"].pk] == unicodedata.normalize("NFD", "négocier")
    assert "négocier" in [unicodedata.normalize("NFC", t.written)
                          for t in matchtext.tokens(text)]
