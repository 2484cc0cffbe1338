"""Cycle detection for the prerequisite relation (``kgs:requires``), shared by the
importers (through ``kg.cycles``) and the reasoner.

A prerequisite cycle makes a curriculum unteachable, so an import that would create one
is refused with the cycle listed.

>>> find_cycle([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
['a', 'b', 'c', 'a']
>>> find_cycle([("a", "b"), ("a", "c"), ("b", "c")]) is None
True
"""
from __future__ import annotations

from typing import Hashable, Iterable, TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycle(edges: Iterable[tuple[N, N]]) -> list[N] | None:
    """One directed cycle (first node repeated at the end), or None. Iterative DFS."""
    adj: dict[N, list[N]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, [])
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in adj}
    for root in sorted(adj, key=str):
        if colour[root] != WHITE:
            continue
        path: list[N] = [root]
        stack = [iter(sorted(adj[root], key=str))]
        colour[root] = GREY
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = BLACK
                stack.pop()
                continue
            if colour[nxt] == GREY:
                return path[path.index(nxt):] + [nxt]
            if colour[nxt] == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                stack.append(iter(sorted(adj[nxt], key=str)))
    return None
