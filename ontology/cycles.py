"""Cycle detection and topological order for the prerequisite relation (``kgs:requires``),
shared by the importers (through ``kg.cycles``), the reasoner, curricular analytics, the
learning paths of generated content and the studio's prerequisite DAG.

A prerequisite cycle makes a curriculum unteachable, so an import that would create one
is refused with the cycle listed.

>>> find_cycle([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
['a', 'b', 'c', 'a']
>>> find_cycle([("a", "b"), ("a", "c"), ("b", "c")]) is None
True
"""
from __future__ import annotations

import heapq
from typing import Callable, Hashable, Iterable, Mapping, TypeVar

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


def topological_order(nodes: Iterable[N], requires: Mapping[N, Iterable[N]],
                      key: Callable[[N], object] | None = None) -> list[N]:
    """``nodes`` ordered so that each comes after everything it requires (``requires[n]``,
    counted only inside ``nodes``); among the nodes ready at a step the smallest ``key``
    (default: the node) comes first. Kahn's algorithm with a heap.

    On a cycle the order stops short: it holds the nodes that could be placed, so
    ``len(order) < len(set(nodes))`` tells the caller there is one (``find_cycle`` names it).

    >>> topological_order(["c", "b", "a"], {"c": {"b"}, "b": {"a"}})
    ['a', 'b', 'c']
    >>> topological_order(["x", "a", "b"], {"a": {"b"}, "b": {"a"}})
    ['x']
    """
    nodes = list(dict.fromkeys(nodes))
    inside = set(nodes)
    key = key or (lambda n: n)
    need = {n: {p for p in requires.get(n, ()) if p in inside and p != n} for n in nodes}
    users: dict[N, list[N]] = {n: [] for n in nodes}
    for n, ps in need.items():
        for p in ps:
            users[p].append(n)
    heap = [(key(n), i, n) for i, n in enumerate(nodes) if not need[n]]
    heapq.heapify(heap)
    position = {n: i for i, n in enumerate(nodes)}
    out: list[N] = []
    while heap:
        _k, _i, n = heapq.heappop(heap)
        out.append(n)
        for u in users[n]:
            need[u].discard(n)
            if not need[u]:
                heapq.heappush(heap, (key(u), position[u], u))
    return out
