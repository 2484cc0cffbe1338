"""The importer's side of concept matching: concept labels found in module text, stems and
objectives (``kgs:mentions``, ``kgs:firstUsedIn``, ``kgs:assesses``, ``kgs:teaches``) with
the project's one matcher, :class:`kg.labels.LabelMatcher`."""
from __future__ import annotations

from collections import Counter

from kg.labels import LabelMatcher


class ConceptMatcher:
    """Finds concept labels in text with the project's one matcher,
    :class:`kg.labels.LabelMatcher` (whole words, case-insensitive, longest match first,
    plurals and singulars), keyed by whatever the importer uses for a concept.

    >>> m = ConceptMatcher({"confirmation bias": "cb", "bias": "b", "mean": "m"})
    >>> sorted(m.find("Confirmation bias is a bias; the MEANS of it."))
    ['b', 'cb', 'm']
    >>> m.find("biased meaning")
    set()
    """

    def __init__(self, labels: dict[str, object]):
        by_key: dict[object, list[str]] = {}
        for label, key in labels.items():
            by_key.setdefault(key, []).append(label)
        self._m = LabelMatcher(by_key)

    def find(self, text: str) -> set:
        return set(self.count(text))

    def count(self, text: str) -> Counter:
        """How many times each concept occurs in ``text`` (longest match first)."""
        return Counter(m.concept for m in self._m.find(text))


def concept_matcher(labels: dict[str, object]) -> ConceptMatcher:
    """The matcher the importer uses for mentions, first use and ``kgs:assesses``."""
    return ConceptMatcher(labels)
