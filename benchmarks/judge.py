"""Blind keep-rate judgement of lesson explanation paragraphs (issue 12's "would I keep it").

Two steps, so that the judge never learns which generator wrote which text:

``python benchmarks/judge.py prepare --books psychology philosophy calculus --n 20``
    For a seeded sample of each book's concepts (the benchmark's held-out split), the
    explanation paragraph of the product's concept lesson (``build_lesson``: the student when
    one is trained and passes the gate, else the book's own sentences quoted and cited, else
    the template) and the template's explanation of the same concept. The texts are shuffled
    and written, with the concept's top evidence sentences, to
    ``results/generation/judge_items_<book>.tsv`` (``id, concept, evidence, text``: no
    generator); which generator wrote each id goes to ``judge_key_<book>.csv``, which the
    judge is not shown.

``python benchmarks/judge.py score``
    Reads the judge's ``judge_scores_<book>.csv`` (``id,score,comment``; 0 discard, 1 keep
    with light edits, 2 keep as is), joins it with the key into ``judge_<book>.csv`` and
    writes ``keep_rate_<generator>`` (share of texts scored 1 or 2) and the mean score per
    generator to ``results/generation.json``.

Workspaces are reused from ``benchmarks/generation.py --curriculum --no-student``
(``--cur-work``), which imports each book once.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generation import book_workspace, heldout_concepts, load_results, save_results  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "generation"


def _flat(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").split())


def prepare(args) -> None:
    from generation.content.builder import Builder
    from generation.content.lesson import build_lesson
    from kg.evidence import evidence
    OUT.mkdir(parents=True, exist_ok=True)
    for book in args.books:
        ws = book_workspace(book, Path(args.cur_work) / book, teacher=False)
        held, _defs = heldout_concepts(ws, 0.1, args.seed)
        rows, key = [], []
        with ws.open_store(read_only=True) as store:
            b = Builder(store, similarity_kind="lexical")
            for c in held[: args.n]:
                label = b.view.concept(c).label if c in b.view.concepts else c
                lesson = build_lesson(b, c)
                product = next((p for p in lesson.paragraphs if p.kind == "explanation"), None)
                template = b.templates.generate(c, "explanation").text
                ev = evidence(store, c, k=5)
                ev_text = " | ".join(f"[{e.kind}, {e.section_label} ¶{e.paragraph}] {_flat(e.text)}" for e in ev)
                texts = [("template", template)]
                if product is not None:
                    texts.append((product.generator, product.text))
                for gen, text in texts:
                    rows.append({"concept": label, "evidence": ev_text, "text": _flat(text)})
                    key.append({"generator": gen, "concept": c})
        order = list(range(len(rows)))
        random.Random(args.shuffle_seed).shuffle(order)
        with open(OUT / f"judge_items_{book}.tsv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t")
            w.writerow(["id", "concept", "evidence", "text"])
            for i, j in enumerate(order):
                w.writerow([f"{book[:3]}-{i:03d}", rows[j]["concept"], rows[j]["evidence"], rows[j]["text"]])
        with open(OUT / f"judge_key_{book}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "generator", "concept"])
            for i, j in enumerate(order):
                w.writerow([f"{book[:3]}-{i:03d}", key[j]["generator"], key[j]["concept"]])
        print(f"{book}: {len(rows)} texts for the judge -> {OUT / f'judge_items_{book}.tsv'}")


def score(args) -> None:
    totals: dict[str, list[int]] = {}
    per_book: dict[str, dict] = {}
    for book in args.books:
        key_path, score_path = OUT / f"judge_key_{book}.csv", OUT / f"judge_scores_{book}.csv"
        if not (key_path.exists() and score_path.exists()):
            print(f"{book}: no key or no scores, skipped")
            continue
        key = {r["id"]: r for r in csv.DictReader(open(key_path, encoding="utf-8"))}
        scores = {r["id"]: r for r in csv.DictReader(open(score_path, encoding="utf-8"))}
        missing = sorted(set(key) - set(scores))
        if missing:
            raise SystemExit(f"{score_path}: no score for {', '.join(missing[:5])}")
        joined = []
        for i, k in key.items():
            s = int(scores[i]["score"])
            if s not in (0, 1, 2):
                raise SystemExit(f"{score_path}: score {s} for {i} is not 0, 1 or 2")
            totals.setdefault(k["generator"], []).append(s)
            per_book.setdefault(book, {}).setdefault(k["generator"], []).append(s)
            joined.append({"id": i, "generator": k["generator"], "concept": k["concept"], "score": s,
                           "comment": scores[i].get("comment", "")})
        with open(OUT / f"judge_{book}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["id", "generator", "concept", "score", "comment"])
            w.writeheader()
            w.writerows(joined)
    metrics = {}
    rows = []
    for gen, s in sorted(totals.items()):
        keep = sum(1 for v in s if v >= 1) / len(s)
        metrics[f"keep_rate_{gen}"] = round(keep, 3)
        metrics[f"judge_mean_{gen}"] = round(sum(s) / len(s), 3)
        rows.append((gen, len(s), round(keep, 3), round(sum(s) / len(s), 2)))
    metrics.setdefault("keep_rate_student", None)   # no student passed the gate / was trained
    detail = {b: {g: {"n": len(v), "keep_rate": round(sum(1 for x in v if x >= 1) / len(v), 3)}
                  for g, v in d.items()} for b, d in per_book.items()}
    print(f"{'generator':<12} {'n':>4} {'keep':>6} {'mean':>6}")
    for r in rows:
        print(f"{r[0]:<12} {r[1]:>4} {r[2]:>6} {r[3]:>6}")
    save_results(metrics, {"judge": {"per_book": detail, "scale": "0 discard, 1 keep with light edits, 2 keep as is",
                                     "judge": "a helper session shown only the shuffled texts and each "
                                              "concept's evidence, never the generator"}})


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("step", choices=["prepare", "score"])
    ap.add_argument("--books", nargs="+", default=["psychology", "philosophy", "calculus"])
    ap.add_argument("--n", type=int, default=20, help="concepts per book")
    ap.add_argument("--seed", type=int, default=0, help="the held-out split's seed (benchmarks/generation.py)")
    ap.add_argument("--shuffle-seed", type=int, default=1, help="order of the texts shown to the judge")
    ap.add_argument("--cur-work", default="/tmp/kgstudio-genbench-ex")
    args = ap.parse_args(argv)
    prepare(args) if args.step == "prepare" else score(args)


if __name__ == "__main__":
    main()
