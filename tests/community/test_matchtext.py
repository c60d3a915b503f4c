"""Topics found in free text: what members mean, not what their words share a stem with."""

from __future__ import annotations

import pytest

from community import matchtext
from community.default_vocabulary import TOPICS

pytestmark = pytest.mark.pure

VOCABULARY = matchtext.Vocabulary.build(
    (i, [t.name, t.name_fr, *t.synonyms, *t.synonyms_fr]) for i, t in enumerate(TOPICS))
NAMES = [t.name for t in TOPICS]


def found(text: str) -> dict[str, str]:
    return {NAMES[i]: quote for i, quote in matchtext.topics_in(text, VOCABULARY).items()}


@pytest.mark.parametrize(("text", "expected"), [
    ("Je veux apprendre à négocier mon salaire",
     {"Salary negotiation": "négocier mon salaire", "Negotiation": "négocier"}),
    ("I'd like to get better at presenting to executives", {"Public speaking": "presenting"}),
    ("prendre la parole en réunion", {"Public speaking": "prendre la parole"}),
    ("I want to become a developer", {"Software engineering": "developer"}),
    ("Comment gérer une équipe à distance ?", {"Team management": "gérer une équipe"}),
    ("I'm a new manager", {"Team management": "new manager"}),
    ("ne\u0301gocier", {"Negotiation": "ne\u0301gocier"}),  # accents pasted as marks
])
def test_finds_the_topics_she_means(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "I want to develop my confidence",  # not "developer"
    "Je veux développer ma confiance",
    "je veux donner un coup de main",  # not « données »
    "programmer une réunion",  # to schedule, not to code
    "job security",
    "sécurité au travail",
    "engineer, payments platform",  # "platform engineer", but across two clauses
    "own a dog",
])
def test_does_not_read_a_topic_into_ordinary_words(text):
    assert found(text) == {}


def test_an_acronym_in_capitals_is_a_word_of_its_own():
    assert found("I want to move into AI") == {"Machine learning": "AI"}
    assert found("Je veux travailler en IA") == {"Machine learning": "IA"}
    assert found("J'ai envie d'apprendre") == {}  # « ai » the verb, not AI
