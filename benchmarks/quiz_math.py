"""Quiz benchmark, math part (issue 19): what sympy-computed math items
(``generation.content.math_items``) add to the default learner quizzes of the calculus and
statistics books.

The same sections as ``benchmarks/quiz.py`` (``--sections`` per book, evenly spread), and
as many "math sections" (whose title or concepts ask for a math kind,
``math_items.kinds_for``, evenly spread), each quizzed twice with 10 items and the lexical similarity: once with the default learner kinds
less ``math`` ("before") and once with the defaults ("after"). Per book and run: generated
items, math items, ``quiz_above_recall_share``, ``quiz_flaw_rate``,
``quiz_verified_key_share`` (``benchmarks.quiz.verify``: a math key recomputed from its stem)
and math candidates dropped by reason; then every math item of the math sections' "after" run (stem, key,
options, each option's feedback), to be read.

    python benchmarks/quiz_math.py [--books calculus,statistics] [--sections 12]

Writes ``benchmarks/results/quiz_math.json``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SHARED, table, write_results  # noqa: E402
from benchmarks.quiz import BOOKS, _sections, run_book  # noqa: E402


def _math_items(store, sections: list[str]) -> list[dict]:
    from generation.content.builder import Builder
    from generation.content.quiz import build_quiz, item_kind
    b = Builder(store, similarity_kind="lexical")
    out = []
    for s in sections:
        try:
            q = build_quiz(b, s, n=10)
        except Exception:   # a scope with nothing to ask: counted by run_book
            continue
        for it in q.items:
            if it.source == "generated" and item_kind(it) == "math":
                out.append({"section": b.view.section(s).label, "stem": it.stem, "key": it.answer,
                            "options": [[c.text, c.correct, c.feedback] for c in it.choices],
                            "concept": it.concept, "evidence": [e.text for e in it.evidence]})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--books", default="calculus,statistics")
    ap.add_argument("--sections", type=int, default=12)
    args = ap.parse_args(argv)
    import generation.content.quiz as quiz
    from generation.content.graph import GraphView
    from generation.content.math_items import kinds_for
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore

    def log(msg):
        print(msg, file=sys.stderr, flush=True)
    default = quiz.LEARNER_TYPES
    results, rows, t0 = {}, [], time.perf_counter()
    for key in [k for k in args.books.split(",") if k in BOOKS]:
        path = SHARED / "data" / "curricula" / BOOKS[key]
        if not path.exists():
            log(f"{path} missing: {key} skipped")
            continue
        store = EmbeddedStore(None)
        import_sources(store, [path])
        secs = _sections(store, GraphView(store))
        step = max(1, len(secs) // max(1, args.sections))
        v = GraphView(store)
        spread = secs[::step][:args.sections]
        topical = [s for s in secs if kinds_for("; ".join([v.section(s).label] + [v.label(c) for c in v.taught_in(s)]))]
        topical = topical[::max(1, len(topical) // max(1, args.sections))][:args.sections]
        runs = {}
        for sample, chosen in (("", spread), (" math sections", topical)):
            for run, types in (("before", tuple(t for t in default if t != "math")), ("after", default)):
                quiz.LEARNER_TYPES = types        # the default kinds build_quiz reads
                try:
                    r = runs[run + sample] = run_book(f"{key} ({run}{sample})", store, chosen, log)
                    r["math_items"] = r["items_per_kind"].get("math", 0)
                finally:
                    quiz.LEARNER_TYPES = default
        runs["items"] = _math_items(store, topical)
        store.close()
        results[key] = runs
        for run in ("before", "after", "before math sections", "after math sections"):
            r = runs[run]
            rows.append([key, run, r["sections"], r["generated"], r["math_items"], r["quiz_above_recall_share"],
                         r["quiz_above_recall_share_all"], r["quiz_flaw_rate"], r["quiz_verified_key_share"],
                         r["quiz_s_median"]])
    print(table(rows, ["book", "run", "sections", "generated", "math items", "above recall (objectives ask)",
                       "above recall (all)", "flaw rate", "verified keys", "quiz s (median)"]))
    metrics = {}
    for k, r in results.items():
        for run in ("before", "after", "before math sections", "after math sections"):
            for f in ("math_items", "generated", "quiz_above_recall_share", "quiz_above_recall_share_all",
                      "quiz_flaw_rate", "quiz_verified_key_share"):
                metrics[f"{f}_{k}_{run.replace(' ', '_')}"] = r[run][f]
        metrics[f"math_dropped_{k}"] = {d: n for d, n in r["after math sections"]["dropped_by_reason"].items()
                                        if d.startswith("math")}
    out = write_results("quiz_math", metrics, {"books": results, "total_s": round(time.perf_counter() - t0, 1),
                                               "load_average": round(os.getloadavg()[0], 1)})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
