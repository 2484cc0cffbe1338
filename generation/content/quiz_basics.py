"""The few quiz primitives that more than one item builder needs: text normalised for
comparing stems, a seeded stable order, and an item's difficulty.

They live apart from :mod:`generation.content.quiz` so that item builders in their own
modules (:mod:`generation.content.math_items`) use them without importing the quiz
builder that calls them (no import circle)."""
from __future__ import annotations

import hashlib
import re

#: Difficulty of an item type before the concept's depth and the distractors' closeness.
BASE_DIFFICULTY = {"truefalse": 0.15, "matching": 0.3, "multichoice": 0.3, "cloze": 0.4,
                   "multiresponse": 0.45, "shortanswer": 0.5, "ordering": 0.55, "essay": 0.6,
                   "code": 0.5, "code_fix": 0.6, "contrast": 0.45, "example": 0.45, "classify": 0.45}


def norm(text: str) -> str:
    """Word characters only, case-folded, single-spaced: two stems that differ only in
    punctuation or case compare equal."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def stable(*parts) -> int:
    """A number fixed by ``parts`` (not by Python's per-process string hash), for seeded
    orders that are the same on every run and machine."""
    return int(hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def difficulty(view, max_depth: int, kind: str, concept: str, sims: list[float] | None = None) -> float:
    """``kind``'s base difficulty, raised by the concept's depth in the prerequisite graph
    (relative to the deepest, ``max_depth``) and by how close the distractors are (``sims``)."""
    d = BASE_DIFFICULTY[kind]
    if concept and concept in view.concepts:
        d += 0.25 * view.depth(concept) / max(1, max_depth)
    if sims:
        d += 0.2 * max(0.0, sum(sims) / len(sims))
    return round(min(1.0, max(0.0, d)), 3)
