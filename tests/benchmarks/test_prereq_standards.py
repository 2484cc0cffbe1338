"""The standards benchmark's sceptic baseline and its scoring (benchmarks/prereq_standards.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from kg.importing import import_sources
from kg.progression_links import statement_codes
from tests.kg.test_progression_links import FIXTURE

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("prereq_standards", ROOT / "benchmarks" / "prereq_standards.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_nearest_baseline_ranks_each_statements_best_earlier_match(mem_store):
    bench = _bench()
    import_sources(mem_store, [FIXTURE], validate=False)
    rows = bench.nearest_baseline(mem_store, 100)
    codes = statement_codes(mem_store, {x for a, b, _ in rows for x in (a, b)})
    got = [(codes[a], codes[b]) for a, b, _ in rows]
    assert [c for _, _, c in rows] == sorted((c for _, _, c in rows), reverse=True)
    assert len({a for a, _ in got}) == len(got)                # one pair per later statement
    assert got[0] == ("3.NBT.2", "2.NBT.5") and ("4.MD.2", "1.MD.3") in got
    assert not {c for ab in got for c in ab} & {"1.C", "2.C", "NF-NBT", "2.NBT.5a"}
    assert bench.wilson(9, 10) == (0.6, 0.98) and bench.wilson(0, 0) == (0.0, 1.0)
