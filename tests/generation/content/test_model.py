"""The content data model: JSON round trips and review transitions."""
from __future__ import annotations

import json

from generation.base import Triple
from generation.content.model import (KINDS, TRANSITIONS, Choice, Diagram, ItemMeta, ItemState, LearningPath,
                                      Lesson, Objective, Paragraph, PathStep, Quiz, QuizItem, item_from_dict)


def _samples():
    q = QuizItem(type="matching", stem="Match", pairs=[("a", "b"), ("c", "d")], concept="urn:c",
                 choices=[Choice("x", True, "yes", "urn:x")], triples=[Triple("urn:a", "urn:p", "lit")])
    return [
        Lesson(iri="urn:l", title="L", scope="urn:c", objectives=[Objective("Define c", "remember")],
               prerequisites=[PathStep("urn:p", "P", "needed by c", ["urn:c"])],
               paragraphs=[Paragraph("t", triples=[Triple("urn:a", "urn:p", "urn:b")])],
               worked_example=Paragraph("ex", kind="example"), check_questions=[q],
               meta=ItemMeta(version=3, state=ItemState.APPROVED, author="ana")),
        Quiz(iri="urn:q", title="Q", scope="urn:c", items=[q], rejected_ambiguous=2),
        Diagram(iri="urn:d", title="D", diagram_kind="concept_map", scope="urn:c", nodes=[("urn:c", "C")],
                edges=[("urn:a", "requires", "urn:c")]),
        LearningPath(iri="urn:p", target="urn:c", steps=[PathStep("urn:c", "C", "the target")]),
    ]


def test_every_item_round_trips_through_json():
    for item in _samples():
        data = json.loads(json.dumps(item.to_dict()))
        back = item_from_dict(item.kind, data)
        assert back == item and type(back) is KINDS[item.kind]
    assert json.loads(json.dumps(_samples()[0].to_dict()))["meta"]["state"] == "approved"


def test_transitions():
    assert ItemState.DRAFT.can_become(ItemState.APPROVED)
    assert not ItemState.APPROVED.can_become(ItemState.IN_REVIEW)
    assert not ItemState.REJECTED.can_become(ItemState.REJECTED)
    assert set(TRANSITIONS) == set(ItemState)
