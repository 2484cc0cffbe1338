"""The learning path API: from what a learner knows to a target concept, the shortest
teaching order that respects every prerequisite.

"Shortest" is exact here: the concepts to learn are the target's transitive prerequisites
that the learner does not know yet, and every one of them is needed (the target requires
it, directly or through another needed concept), so no shorter list respects the
prerequisites. Knowing a concept counts as knowing its own prerequisites too (a learner
who knows *loop* is not sent back to *value*); pass ``assume_closure=False`` to teach
every unknown prerequisite regardless.

The order is a topological order of the needed concepts (Kahn's algorithm), ties broken
by the curriculum's reading order (the chapter and section that define each concept) and
then by label, so a path reads like the book where the book allows it. Each step says why
it is there: which later steps (or the target) need it. A prerequisite cycle among the
needed concepts raises :class:`kg.errors.PrerequisiteCycle` naming it.

>>> from generation.content.graph import topo_order
>>> topo_order(["loop", "value", "variable"], {"loop": {"variable"}, "variable": {"value"}})
['value', 'variable', 'loop']
"""
from __future__ import annotations

from typing import Iterable

from generation.content.model import ItemMeta, LearningPath, PathStep
from generation.content.repository import item_iri
from generation.template import listing

__all__ = ["learning_path", "needed_concepts"]


def needed_concepts(view, known: Iterable[str], target: str, *, assume_closure: bool = True) -> set[str]:
    """The concepts to learn for ``target`` (itself included unless known)."""
    known = set(map(str, known))
    if assume_closure:
        for k in list(known):
            known |= view.ancestors(k)
    if target in known:
        return set()
    need = {target}
    todo = [target]
    while todo:
        n = todo.pop()
        for p in view.requires.get(n, ()):
            if p not in known and p not in need:
                need.add(p)
                todo.append(p)
    return need


def learning_path(view, known: Iterable[str], target: str, *, assume_closure: bool = True) -> LearningPath:
    """The teaching order from ``known`` to ``target`` (see the module docstring).

    ``view`` is a :class:`generation.content.graph.GraphView` (or a Builder's ``view``).
    """
    view = getattr(view, "view", view)
    target = str(target)
    view.concept(target)                 # NodeNotFound for an unknown target
    known = sorted(dict.fromkeys(map(str, known)))
    for k in known:
        view.concept(k)
    need = needed_concepts(view, known, target, assume_closure=assume_closure)
    order = view.teaching_order(need)
    steps = []
    for c in order:
        users = sorted((u for u in view.required_by.get(c, ()) if u in need), key=lambda u: order.index(u))
        if c == target:
            reason = "the target"
        else:
            direct = [view.concept(u) for u in users]
            reason = f"needed by {listing(direct)}" + (" (the target)" if target in users and len(users) == 1 else "")
        steps.append(PathStep(c, view.label(c), reason, needed_by=users))
    variant = "known:" + ",".join(known)
    title = f"Learning path to {view.label(target)}"
    return LearningPath(iri=item_iri("path", target, variant), target=target, title=title, known=known,
                        steps=steps, meta=ItemMeta(generator="graph", template="path"))
