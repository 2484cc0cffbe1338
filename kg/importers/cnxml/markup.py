"""Namespaces and the small element helpers every part of the CNXML importer uses, and
which parts of a module are questions, summaries or objectives rather than body text."""
from __future__ import annotations

import re


CNXML = "http://cnx.rice.edu/cnxml"
COLLXML = "http://cnx.rice.edu/collxml"
MDML = "http://cnx.rice.edu/mdml"
MATHML = "http://www.w3.org/1998/Math/MathML"
C = "{%s}" % CNXML
COL = "{%s}" % COLLXML
MD = "{%s}" % MDML


def _local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _ns(el) -> str:
    tag = el.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _classes(el) -> set[str]:
    """Class tokens (the books have classes with leading and trailing spaces)."""
    return set((el.get("class") or "").split())


def _squash(text: str) -> str:
    return " ".join(text.split())


_QUESTION_KINDS = {
    "review-questions": "review_questions",
    "critical-thinking": "critical_thinking",
    "personal-application": "personal_application",
    "practice": "practice",
    "free-response": "homework",
    "try": "try_it",
    "bring-together-exercises": "bring_together_exercises",
    "bring-together-homework": "bring_together_homework",
    "section-exercises": "section_exercises",
    "review-exercises": "review_exercises",
    "checkpoint": "checkpoint_exercises",
}
_EXCLUDED_FROM_TEXT = set(_QUESTION_KINDS) | {"summary", "references", "learning-objectives"}


def _in_excluded(el, *, self_too: bool = True) -> bool:
    """Inside a question, summary, references or objectives section/note, or an exercise."""
    chain = [el, *el.iterancestors()] if self_too else list(el.iterancestors())
    for anc in chain:
        name = _local(anc)
        if name == "exercise" and anc is not el:
            return True
        if name in ("section", "note", "exercise") and _classes(anc) & _EXCLUDED_FROM_TEXT:
            return True
    return False


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())
