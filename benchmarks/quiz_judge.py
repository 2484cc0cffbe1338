"""Blind judgement of quiz items (issue 19): generated items shuffled with the book's own
review questions, labels hidden from the judge.

``python benchmarks/quiz_judge.py prepare`` builds a default learner quiz (10 items,
distractors ranked as the product ranks them: ``--similarity``, rounds 1-2 used word overlap) on evenly spread sections of each workspace, keeps up to ``--n``
generated items and ``--n`` of the book's own questions, and writes them shuffled to
``results/quiz/judge_items_<book>.txt``; earlier rounds are kept in ``results/quiz/roundN/`` (id, the item as a learner sees it, the key and
each option's feedback: no source); which source each id has goes to
``results/quiz/judge_key_<book>.csv``, which the judge is not shown.

``python benchmarks/quiz_judge.py score`` reads the judge's ``judge_scores_<book>.csv``
(``id,score,key_right,distractors_plausible,comment``: score 0 discard / 1 keep with light
edits / 2 keep as is; key_right yes/no; distractors_plausible yes/no/na) and writes
``quiz_keep_rate`` (generated), ``quiz_keep_rate_book``, ``quiz_wrong_keys`` and
``distractor_plausible_rate`` into ``results/quiz.json``.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "results" / "quiz"
RESULTS = ROOT / "benchmarks" / "results" / "quiz.json"
WORKSPACES = {"psychology": "/tmp/kgstudio-genbench-ex/psychology", "calculus": "/tmp/kgstudio-genbench-ex/calculus",
              "demo": "/tmp/ws-demo"}


def shown(it) -> str:
    """The item as text: stem, options lettered, then key and feedback (for the judge)."""
    lines = [f"[{it.type}] {it.stem.strip()}"]
    letters = "abcdefgh"
    for i, c in enumerate(it.choices):
        lines.append(f"  {letters[i]}) {c.text}")
    for a, b in it.pairs:
        lines.append(f"  match: {a}  ->  {b}")
    for i, x in enumerate(it.order, 1):
        lines.append(f"  step {i}: {x}")
    key = ([letters[i] + ") " + c.text for i, c in enumerate(it.choices) if c.correct] or
           ([" | ".join(it.answers)] if it.answers else [it.answer]))
    lines.append("KEY: " + "; ".join(k for k in key if k))
    for i, c in enumerate(it.choices):
        if c.feedback:
            lines.append(f"  feedback {letters[i]}): {c.feedback}")
    if it.feedback:
        lines.append(f"  feedback: {it.feedback}")
    return "\n".join(lines)


@contextlib.contextmanager
def _book_store(book: str):
    """The book's benchmark workspace (trained teacher) where it exists, else the book imported
    into an in-memory store (distractors then ranked by MiniLM, as a fresh workspace does)."""
    from benchmarks.quiz import BOOKS, SHARED
    from kg.workspace import Workspace
    if book in WORKSPACES and Path(WORKSPACES[book]).exists():
        with Workspace(WORKSPACES[book]).open_store(read_only=True) as store:
            yield store
        return
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    path = demo_curriculum_path() if book == "demo" else SHARED / "data" / "curricula" / BOOKS[book]
    store = EmbeddedStore(None)
    try:
        import_sources(store, [path])
        yield store
    finally:
        store.close()


def prepare(args) -> None:
    from benchmarks.quiz import _sections
    from generation.content.builder import Builder
    from generation.content.quiz import QuizConfig, build_quiz, build_section_quiz
    from generation.content.quiz import item_kind
    from kg.errors import KGStudioError
    OUT.mkdir(parents=True, exist_ok=True)
    make = build_section_quiz if args.shape == "section" else build_quiz
    for book in args.books:
        gen, cur = [], []
        with _book_store(book) as store:
            b = Builder(store, similarity_kind=args.similarity)
            secs = _sections(store, b.view)
            step = max(1, len(secs) // 16)
            for s in secs[::step]:
                try:
                    quiz = make(b, s, QuizConfig(n=10, seed="judge"))
                except KGStudioError:
                    continue
                for it in quiz.items:
                    (cur if it.source == "curriculum" else gen).append(it)
        rng = random.Random(args.seed)
        gen = rng.sample(gen, min(args.n, len(gen)))
        cur = rng.sample(cur, min(args.n, len(cur)))
        rows = [("generated", it) for it in gen] + [("book", it) for it in cur]
        rng.shuffle(rows)
        with open(OUT / f"judge_items_{book}.txt", "w", encoding="utf-8") as f:
            for i, (_src, it) in enumerate(rows):
                f.write(f"=== {book[:3]}-{i:03d}\n{shown(it)}\n\n")
        with open(OUT / f"judge_key_{book}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "source", "type", "bloom", "kind", "part"])
            for i, (src, it) in enumerate(rows):
                w.writerow([f"{book[:3]}-{i:03d}", src, it.type, it.bloom, item_kind(it), getattr(it, "part", "")])
        print(f"{book}: {len(gen)} generated + {len(cur)} book items -> {OUT / f'judge_items_{book}.txt'}")


def score(args) -> None:
    by: dict[str, list[dict]] = {"generated": [], "book": []}
    per_book = {}
    for book in args.books:
        kp, sp = OUT / f"judge_key_{book}.csv", OUT / f"judge_scores_{book}.csv"
        if not (kp.exists() and sp.exists()):
            print(f"{book}: no key or no scores, skipped")
            continue
        key = {r["id"]: r for r in csv.DictReader(open(kp, encoding="utf-8"))}
        got = {r["id"]: r for r in csv.DictReader(open(sp, encoding="utf-8"))}
        missing = sorted(set(key) - set(got))
        if missing:
            raise SystemExit(f"{sp}: no score for {', '.join(missing[:5])}")
        rows = []
        for i, k in key.items():
            r = {**k, **got[i], "score": int(got[i]["score"])}
            by[k["source"]].append(r)
            rows.append(r)
        with open(OUT / f"judge_{book}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["id", "source", "type", "bloom", "kind", "part", "score", "key_right",
                                              "distractors_plausible", "comment"], extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        per_book[book] = {src: round(sum(r["score"] >= 1 for r in rows if r["source"] == src)
                                     / max(1, sum(r["source"] == src for r in rows)), 3)
                          for src in ("generated", "book")}

    def keep(rs):
        return round(sum(r["score"] >= 1 for r in rs) / len(rs), 3) if rs else None

    g = by["generated"]
    plaus = [r for r in g if r.get("distractors_plausible", "na") in ("yes", "no")]
    metrics = {"quiz_keep_rate": keep(g), "quiz_keep_rate_book": keep(by["book"]),
               "quiz_wrong_keys": sum(r.get("key_right") == "no" for r in g),
               "quiz_wrong_keys_book": sum(r.get("key_right") == "no" for r in by["book"]),
               "distractor_plausible_rate": round(sum(r["distractors_plausible"] == "yes" for r in plaus)
                                                  / len(plaus), 3) if plaus else None,
               "quiz_judged_generated": len(g), "quiz_judged_book": len(by["book"])}
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"metrics": {}}
    data["metrics"].update(metrics)
    data["judge"] = {"per_book_keep_rate": per_book, "scale": "0 discard, 1 keep with light edits, 2 keep as is",
                     "judge": "a helper session shown only the shuffled items, never their source",
                     "files": "results/quiz/judge_*.csv"}
    RESULTS.write_text(json.dumps(data, indent=2))
    for k, v in metrics.items():
        print(f"{k:<28} {v}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("step", choices=["prepare", "score"])
    ap.add_argument("--books", nargs="+", default=["psychology", "calculus", "demo"])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--shape", default="default", choices=["default", "section"],
                    help="default learner quizzes, or section quizzes with a prior-knowledge part")
    ap.add_argument("--similarity", default="teacher", choices=["teacher", "text", "lexical"],
                    help="how distractors are ranked (default: the product's, the teacher or MiniLM; "
                         "rounds 1 and 2 used lexical)")
    args = ap.parse_args(argv)
    prepare(args) if args.step == "prepare" else score(args)


if __name__ == "__main__":
    main()
