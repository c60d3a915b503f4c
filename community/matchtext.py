"""Free text as matching reads it: stems in English and French, stop words out, and the
topics it names, by name or synonym, in either language.

A member writes "je veux apprendre à négocier mon salaire" or "help negotiating my next
offer"; matching must see Salary negotiation and Negotiation in them. Each word is stemmed
by both Snowball stemmers (PyStemmer), with and without its accents, so that an English
word in a French sentence, or "negocier" typed without its accent, still meets its topic.
Topic names and synonyms are read the same way; a topic is found when all the stems of one
of its phrases occur close together in the text. What was found keeps the words as she
wrote them, so that explanations quote her and never a stem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_STEMMERS = (Stemmer.Stemmer("english"), Stemmer.Stemmer("french"))
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]{}«»\"“”\n/|]")
# Accents typed as separate marks (text pasted in NFD) stay inside their word.
_WORD = re.compile(r"[^\W_](?:[\w\u0300-\u036f+#.'’-]*[\w\u0300-\u036f+#])?", re.UNICODE)

def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Grammar words of both languages, accents removed: never matched on, never quoted.
GRAMMAR = _word_set("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further get getting got had has have having he her here hers herself him himself his how i
if in into is it its itself just me more most my myself no nor not now of off on once only
or our ours ourselves out over she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself
yourselves i'd i'm i've let lets let's au aux avec ce ces cet cette dans de des du elle
elles en et est etre eux il ils je la le les leur leurs lui ma mais me meme mes moi mon ne
nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une
vos votre vous c d j l m n s t y ete etais etait sont suis es sommes etes ai as avons avez
ont avais avait plus tres comme ca cela ceci sans sous chez vers entre depuis
""")

# What every mentee writes around what she wants ("I would like to learn", "j'aimerais
# améliorer"): part of a topic's phrase ("new manager") but never a keyword on its own.
FILLER = _word_set("""
one ones really want wants wanted wanting like liked would love learn learning learned
improve improving improved better best help helping helped need needs needed looking look
become becoming grow growing get gets getting way ways things thing someone something lot
lots much many well good great new next skill skills able especially also work working year
years time times day days make making go going know knowing understand understanding bien
aussi fait faire veux veut voudrais aimerais aime souhaite souhaiterais apprendre ameliorer
mieux aider aide besoin devenir progresser competence competences chose choses beaucoup peu
tout tous toute toutes autre autres travail travailler an ans annee annees savoir comprendre
nouveau nouvelle people person everyone anything everything stuff part step steps kind
gens personne personnes quelqu quelque etape etapes partie
""")

STOP_WORDS = GRAMMAR | FILLER


ELIDED = frozenset(("c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu"))


def normalise(text: str) -> str:
    """Lower case without accents: "Négociation" -> "negociation" (search uses it too)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# A one-word topic phrase is matched on the word itself, plurals aside, never on a stem:
# "developer" must not find "develop my confidence", nor « données » find « donner ».
_WHOLE = "="


def light(plain: str) -> str:
    """A normalised word without its plural ending: "companies" -> "company"."""
    if len(plain) > 4 and plain.endswith("ies"):
        return plain[:-3] + "y"
    if len(plain) > 3 and plain[-1] in "sx":
        return plain[:-1]
    return plain


@lru_cache(maxsize=50_000)
def stems(word: str) -> frozenset[str]:
    """Every stem one word may stand for (lower case, any accents): English and French
    Snowball stems of the word as written and without its accents, accents removed."""
    lower = word.casefold()
    plain = normalise(lower)
    found = {plain, _WHOLE + light(plain)}
    for stemmer in _STEMMERS:
        found.add(normalise(stemmer.stemWord(lower)))
        found.add(stemmer.stemWord(plain))
    return frozenset(s for s in found if s)


@dataclass(frozen=True)
class Token:
    written: str  # as she wrote it
    start: int  # where it starts in the text
    end: int
    stems: frozenset[str]
    clause: int = 0  # punctuation between words starts a new clause: a phrase stays in one


def tokens(text: str, *, filler: bool = False) -> list[Token]:
    """The meaningful words of `text`, in order: grammar words, single letters and (unless
    `filler`) the filler around what she wants are dropped."""
    found = []
    clause, after = 0, 0
    for match in _WORD.finditer(text):
        if _CLAUSE_BREAK.search(text, after, match.start()):
            clause += 1
        after = match.end()
        word = match.group().replace("’", "'").strip("'.-")
        # "j'aimerais", "l'équipe": the elided article is not a word of its own here.
        head, apostrophe, rest = word.partition("'")
        if apostrophe and rest and normalise(head) in ELIDED:
            word = rest
        plain = normalise(word)
        # An acronym in capitals ("AI", "IT", « IA ») is a word of its own, not "ai" or "it".
        acronym = len(plain) >= 2 and word.isupper()
        if len(plain) < 2 or (not acronym and (
                plain in GRAMMAR or (not filler and plain in FILLER))):
            continue
        found.append(Token(word, match.start(), match.end(), stems(word), clause))
    return found


def terms(text: str) -> list[str]:
    """The stems matching compares for `text`, without repeats, in order."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        for stem in sorted(token.stems):
            if not stem.startswith(_WHOLE):
                seen.setdefault(stem, None)
    return list(seen)


@lru_cache(maxsize=4096)
def phrase_stems(phrase: str) -> tuple[frozenset[str], ...]:
    """A topic name or synonym as a sequence of stem sets (empty if only stop words); a
    single word is looked for as itself (plurals aside), not by its stems."""
    shape = tuple(token.stems for token in tokens(phrase, filler=True))
    if len(shape) == 1:
        return (frozenset(s for s in shape[0] if s.startswith(_WHOLE)),)
    return shape


@dataclass(frozen=True)
class Vocabulary:
    """Every topic's phrases (names and synonyms, both languages), ready to look for."""

    phrases: tuple[tuple[int, tuple[frozenset[str], ...]], ...]  # (topic id, stems)

    @classmethod
    def build(cls, topics: Iterable[tuple[int, Iterable[str]]]) -> Vocabulary:
        entries = []
        for topic_id, names in topics:
            for name in names:
                shape = phrase_stems(name)
                if shape:
                    entries.append((topic_id, shape))
        # Longest phrases first, so "salary negotiation" is found before "negotiation".
        entries.sort(key=lambda entry: -len(entry[1]))
        return cls(tuple(entries))


def _find(shape: tuple[frozenset[str], ...], words: list[Token]) -> tuple[int, int] | None:
    """The first span of `words` (first and last index) holding every part of `shape`,
    each part in a different word, within a window of len(shape) + 2 words and within one
    clause ("engineer, payments platform" is not "platform engineer")."""
    window = len(shape) + 2
    for first, token in enumerate(words):
        if not token.stems & shape[0]:
            continue
        used = {first}
        last = first
        for part in shape[1:]:
            hit = next((i for i in range(max(0, first - window + 1),
                                         min(len(words), first + window))
                        if i not in used and words[i].clause == token.clause
                        and words[i].stems & part), None)
            if hit is None:
                break
            used.add(hit)
            last = max(last, hit)
        else:
            return min(used), last
    return None


def topics_in(text: str, vocabulary: Vocabulary) -> dict[int, str]:
    """Topics `text` names, each with the words of the text that named it, as written."""
    words = tokens(text, filler=True)
    if not words:
        return {}
    found: dict[int, str] = {}
    for topic_id, shape in vocabulary.phrases:
        if topic_id in found:
            continue
        span = _find(shape, words)
        if span is not None:
            found[topic_id] = text[words[span[0]].start:words[span[1]].end]
    return found
