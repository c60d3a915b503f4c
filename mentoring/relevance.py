"""How much two free texts share, weighted by how rare each shared word is (TF-IDF).

"kubernetes" shared by two profiles says much more than "team" shared by half the
community. The weights come from the candidates being ranked (a mentee's possible mentors,
or a round's mentors), so they follow the community's own vocabulary. Texts arrive as the
stems `community.matchtext.terms` stored on each profile, separated by spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


def _split(text: str) -> list[str]:
    return text.split()


@dataclass
class Weighting:
    """TF-IDF fitted on one set of documents (each a string of stems)."""

    vectorizer: TfidfVectorizer
    documents: object  # the documents' sparse matrix, one row each, rows of unit length

    @classmethod
    def fit(cls, documents: list[str]) -> Weighting | None:
        """None when no document has a word (nothing can be shared)."""
        # Imported here: scikit-learn takes about a second to import, which every server
        # process and management command would pay at start for a page few open.
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=_split, sublinear_tf=True, lowercase=False)
        try:
            matrix = vectorizer.fit_transform(documents)
        except ValueError:  # an empty vocabulary
            return None
        return cls(vectorizer, matrix)

    def similarities(self, queries: list[str]) -> np.ndarray:
        """Cosine similarity of each query with each document: shape (queries, documents),
        each between 0 and 1."""
        vectors = self.vectorizer.transform(queries)
        return np.asarray((vectors @ self.documents.T).toarray())  # type: ignore[attr-defined]

    def pair_similarities(self, queries: list[str], rows: list[int]) -> np.ndarray:
        """Cosine similarity of each query with one document each (`rows[k]` for
        `queries[k]`), without comparing every query with every document."""
        if not queries:
            return np.zeros(0)
        vectors = self.vectorizer.transform(queries)
        documents = self.documents[rows]  # type: ignore[index]
        return np.asarray(vectors.multiply(documents).sum(axis=1)).ravel()

    def rarity(self, term: str) -> float:
        """How rare `term` is among the documents (its inverse document frequency; 0 when
        no document has it)."""
        index = self.vectorizer.vocabulary_.get(term)
        return 0.0 if index is None else float(self.vectorizer.idf_[index])


def similarities(query: str, documents: list[str]) -> tuple[list[float], Weighting | None]:
    """How much `query` shares with each document, and the weighting used."""
    weighting = Weighting.fit(documents)
    if weighting is None or not query.strip():
        return [0.0] * len(documents), weighting
    return [float(v) for v in weighting.similarities([query])[0]], weighting
