"""An import is deterministic: the same sources give the same triples in any process.

Python randomises ``str`` hashes per process (``PYTHONHASHSEED``), so a ``set`` or
``frozenset`` of strings iterated where order matters (which of several definitions or
labels wins, which plural merges into which term) would give different literals from
one run to the next. The books are imported in two fresh interpreters with different
hash seeds and their sorted N-Quads (source graphs and evidence indexes) compared.

``orderbook`` is made for this: glossary terms defined twice with different meanings
(``Mean``/``mean``, ``z-score``/``Z score``, ``t test``/``t-test`` across modules), a
term and its plural as two concepts (``sample``/``samples``, ``data``/``datum``),
resources with several class tokens (keywords) and exercise sections with several
question classes. ``inlinebook`` covers the no-glossary path (inline terms merged by
their singular, ``Statement``/``statement``), ``minibook`` the rest of the importer.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "kg" / "fixtures" / "cnxml"
BOOKS = [FIXTURES / "orderbook", FIXTURES / "inlinebook", FIXTURES / "minibook"]

_DUMP = """
import sys
from kg.importing import import_sources
from kg.store.embedded import EmbeddedStore
store = EmbeddedStore(None)
import_sources(store, sys.argv[1:], validate=False)
sys.stdout.write("\\n".join(sorted(set(store.dump(fmt="nquads").decode("utf-8").splitlines()))))
"""


def dump_in_fresh_process(seed: str, books=BOOKS, root: Path = ROOT) -> list[str]:
    """Sorted N-Quads of ``books`` imported into an in-memory store by a new interpreter
    whose string hashes use ``seed``."""
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-c", _DUMP, *map(str, books)], cwd=root, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


def test_import_is_identical_across_hash_seeds():
    a = dump_in_fresh_process("1")
    b = dump_in_fresh_process("2")
    assert len(a) > 500
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    assert (only_a, only_b) == ([], []), f"{len(only_a)} quads differ, e.g. {only_a[:3]} vs {only_b[:3]}"
    # the preference is document order: the first glossary entry of a term names it and
    # gives its kgs:definition; a later one only adds a skos:definition
    concept = "<https://w3id.org/kgstudio/id/order-book/concept/"
    kgs = "<https://w3id.org/kgstudio/ns#"
    skos = "<http://www.w3.org/2004/02/skos/core#"
    graph = "<https://w3id.org/kgstudio/graph/source/order-book> ."
    for line in (f'{concept}mean> {skos}prefLabel> "Mean"@en {graph}',
                 f'{concept}mean> {kgs}definition> "the average (first)"@en {graph}',
                 f'{concept}mean> {skos}definition> "the arithmetic average (second)"@en {graph}',
                 f'{concept}z-score> {skos}prefLabel> "z-score"@en {graph}',
                 f'{concept}z-score> {kgs}definition> "standardized value (first)"@en {graph}',
                 f'{concept}t-test> {kgs}definition> "a test of means (first)"@en {graph}',
                 f'{concept}sample> {kgs}definition> "a subset of a population (first)"@en {graph}',
                 f'{concept}samples> {kgs}definition> "more than one sample (second)"@en {graph}'):
        assert line in a, line
    assert not any(f'{concept}mean> {kgs}definition> "the arithmetic' in x for x in a)
    keywords = sorted(x.split(f"{kgs}keyword> ")[1].split()[0] for x in a if "/resource/m20001-e1>" in x
                      and f"{kgs}keyword>" in x)
    assert keywords == ['"alpha"', '"beta"', '"mu"', '"zeta"']
