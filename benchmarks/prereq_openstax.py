"""The teacher on the two OpenStax books (issue 3, "Curriculum use"): how many prerequisite
suggestions, and how many of them are right.

The books have no prerequisite labels. Per book, in a fresh workspace: import the book,
build the teacher data (MiniLM text features; weak labels from the text, see
:mod:`gnn.data`: a term used in a section before the section that defines the concept,
definitions naming other concepts), train the teacher with its default config (weak
prerequisite labels + self-supervised link prediction on every relation + node labels),
then

* count the suggestions: candidate pairs (both concepts of the book, not already a label
  in either direction) whose score reaches the threshold chosen on the validation split
  (best F1 against the held-out weak labels), among each concept's 10 nearest concepts by
  text (the default candidates of ``kgstudio suggest-prereqs``) and among all n^2 pairs
  (scored in chunks);
* write the top 40 as ``kgstudio suggest-prereqs --top-k 40`` returns them (at most 3 per
  concept on either side) with both concepts' labels and definitions to
  ``results/prereq/openstax_<book>_sample.csv`` (10-neighbour candidates, the default) and
  ``..._sample_allpairs.csv`` (``--neighbours 0``: every pair a candidate), for labelling
  by hand: columns ``judge`` (1: A really needs B first, 0: not) and ``reason``, kept
  when the script is re-run and meets the same pair again.

``--score``: read the labelled samples back and write the counts and the precision
estimate (share of ``judge`` = 1, with a 95% Wilson interval) to ``results/prereq.json``
(``openstax_<book>_*`` keys).

Blind judging (issue 14; round 3: psychology, statistics, philosophy, the teacher's list;
round 4: the same and calculus, held aside until then, the product's list with the book's
definition links beside the teacher's list): ``--judge-items --reuse BOOK=WORKSPACE ...``
takes each workspace's trained teacher and writes the top ``--k`` (40) of both lists
exactly as ``kgstudio suggest-prereqs --top-k 40 --dry-run`` prints them
(:func:`gnn.suggest.suggest_prereqs`, with and without ``definitions``, calibrated, with
the evidence lines) to ``/tmp/prereq_judge4/<book>_items.txt`` (the union of the pairs,
shuffled with a fixed seed, both labels and definitions, the question and the evidence;
nothing says which list or rank a pair has) and the key (id -> lists, rank, probability,
band) to ``results/prereq/round4/openstax_judge_key_<book>.csv``. ``--score-judged`` reads
``/tmp/prereq_judge4/<book>_scores.csv`` (``id,judge,reason``), copies it beside the key
and writes ``openstax_<book>_top40_precision`` (the product's list; ``..._teacher`` for
the teacher's) with ``_ci95`` (Wilson) to ``results/prereq.json``. Round 3's files are in
``results/prereq/`` itself; the dev judgement that chose the definition-link rules (two
books, 104 pairs, before round 4) is in ``results/prereq/dev/``.

Deeper in the list: ``--deep-items --reuse BOOK=WS ...`` writes ranks 41-100 of the
product's list, shuffled, to ``/tmp/jdeep_<book>/items.txt`` (key in
``results/prereq/deep/``); ``--score-deep`` scores ``/tmp/jdeep_<book>/scores.csv``
(``openstax_<book>_rank41_100_precision``).

Run: ``.venv/bin/python benchmarks/prereq_openstax.py [--books psychology statistics]
[--epochs 100] [--reuse BOOK=WORKSPACE]``, then label, then ``... --score``. The recorded
run: 100 epochs per book, about 4 minutes a book on 2 busy cores.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from _common import RESULTS, SHARED, machine, table  # noqa: E402
from gnn.config import TeacherConfig  # noqa: E402
from gnn.data import build_teacher_data  # noqa: E402
from gnn.suggest import (_known_keys, neighbour_pairs, score_pairs, similarity_vectors,  # noqa: E402
                         suggest, top_k_pairs)
from gnn.model import embed as _embed  # noqa: E402
from gnn.train import train_teacher  # noqa: E402
from kg.importing import import_sources  # noqa: E402
from kg.neighbourhood import _info  # noqa: E402
from kg.workspace import Workspace  # noqa: E402

BOOKS = {"psychology": "openstax-psychology-2e", "statistics": "openstax-introductory-statistics-2e",
         "philosophy": "openstax-introduction-philosophy", "calculus": "openstax-calculus-volume-1"}
OUT = RESULTS / "prereq"
NEIGHBOURS = 10    # candidate filter of `kgstudio suggest-prereqs` (its default)
FIELDS = ["rank", "score", "a_label", "b_label", "judge", "reason", "a_definition",
          "b_definition", "a_iri", "b_iri"]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (round(c - h, 4), round(c + h, 4))


def count_above(model, td, threshold: float, node_type: str = "concept") -> int:
    """Candidate pairs scoring at least ``threshold`` (chunked over all pairs)."""
    h = _embed(model, td.data, torch.device("cpu"))[node_type]
    n = h.shape[0]
    pairs, _s = top_k_pairs(model, h, n * n, groups=td.group(node_type),
                            exclude=_known_keys(td, None, node_type), min_score=threshold)
    return int(pairs.shape[1])


def run_book(book: str, epochs: int, k: int, reuse: str | None = None) -> dict:
    say = lambda m: print(f"  [{book}] {m}", flush=True)  # noqa: E731
    t0 = time.perf_counter()
    if reuse:                               # a workspace this script trained before
        from gnn.infer import Teacher
        ws = Workspace(reuse)
        t = Teacher.load(ws, log=say, saved=False)
        td, model, metrics = t.td, t.model, t.checkpoint.metrics
        sha, epoch_s = t.checkpoint.sha256, metrics.get("epoch_seconds")
    else:
        ws = Workspace.init(tempfile.mkdtemp(prefix=f"kgs-openstax-{book}-"))
        with ws.open_store() as store:
            import_sources(store, [SHARED / "data" / "curricula" / BOOKS[book]], validate=False)
            td = build_teacher_data(store, log=say)
        cfg = TeacherConfig(epochs=epochs, checkpoint_every=10**6)
        r = train_teacher(td, cfg, out_dir=ws.models_dir / "teacher", log=say)
        model, metrics, sha, epoch_s = r.model, r.metrics, r.sha256, r.epoch_seconds
    t_build = time.perf_counter() - t0
    m = metrics
    thr = float(m["prereq_threshold"])
    n_concepts = td.data["concept"].num_nodes
    above = count_above(model, td, thr)
    h = _embed(model, td.data, torch.device("cpu"))["concept"]
    cand = neighbour_pairs(similarity_vectors(td, h, "concept"), NEIGHBOURS,
                           groups=td.group("concept"), exclude=_known_keys(td, None, "concept"))
    above_nb = int((score_pairs(model, h, cand) >= thr).sum())
    res = {"concepts": n_concepts, "candidate_pairs": n_concepts * (n_concepts - 1),
           "weak_labels": td.summary()["prereq_labels"], "gold_edges": td.summary()["prereq_edges"],
           "threshold": thr, "suggestions_above_threshold_all_pairs": above,
           "neighbour_candidates": int(cand.shape[1]), "neighbours": NEIGHBOURS,
           "suggestions_above_threshold": above_nb,
           "test_prereq_auc_weak": m.get("test_prereq_auc"), "test_prereq_f1_weak": m.get("test_prereq_f1"),
           "test_link_auc": m.get("test_link_auc"), "epochs": m.get("epochs"),
           "epoch_s": round(epoch_s, 3) if epoch_s else None, "setup_s": round(t_build, 1),
           "checkpoint_sha256": sha, "workspace": str(ws.root)}
    for name, nb in (("sample", NEIGHBOURS), ("sample_allpairs", 0)):
        sug = suggest(model, td, top_k=k, max_per_node=3, neighbours=nb)
        path = write_sample(ws, book, name, sug)
        res[name] = str(path.relative_to(ROOT))
    return res


def write_sample(ws, book: str, name: str, sug) -> Path:
    """The suggestions with labels and definitions, keeping hand labels already given."""
    with ws.open_store() as store:
        info = _info(store, sorted({x for s in sug for x in (s.a, s.b)}))
    path = OUT / f"openstax_{book}_{name}.csv"
    old = {}
    if path.exists():                        # keep hand labels of pairs already judged
        with path.open(newline="", encoding="utf-8") as fh:
            old = {(row["a_iri"], row["b_iri"]): row for row in csv.DictReader(fh)}
    rows = []
    for s in sug:
        prev = old.get((s.a, s.b), {})
        rows.append({"rank": s.rank, "score": f"{s.score:.4f}", "a_label": info[s.a][1],
                     "b_label": info[s.b][1], "judge": prev.get("judge", ""),
                     "reason": prev.get("reason", ""), "a_definition": info[s.a][2] or "",
                     "b_definition": info[s.b][2] or "", "a_iri": s.a, "b_iri": s.b})
    OUT.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    return path


def score(books: list[str]) -> dict:
    out = RESULTS / "prereq.json"
    data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
    runs = data.get("openstax", {})
    rows = []
    for book in books:
        run = runs.get(book, {})
        for name, cands, count_key in (
                ("sample", f"{NEIGHBOURS} text neighbours", "suggestions_above_threshold"),
                ("sample_allpairs", "all pairs", "suggestions_above_threshold_all_pairs")):
            path = OUT / f"openstax_{book}_{name}.csv"
            if not path.exists():
                continue
            with path.open(newline="", encoding="utf-8") as fh:
                judged = [r for r in csv.DictReader(fh) if r["judge"] in ("0", "1")]
            yes = sum(r["judge"] == "1" for r in judged)
            p = round(yes / len(judged), 4) if judged else math.nan
            lo, hi = wilson(yes, len(judged))
            run[f"{name}_judged"], run[f"{name}_yes"] = len(judged), yes
            run[f"{name}_precision"], run[f"{name}_precision_ci95"] = p, [lo, hi]
            mm = data["metrics"]
            tag = "" if name == "sample" else "_allpairs"
            mm[f"openstax_{book}_suggestions{tag}"] = run.get(count_key)
            mm[f"openstax_{book}_precision_top{len(judged)}{tag}"] = p
            rows.append([book, cands, run.get("concepts"), run.get(count_key),
                         f"{run.get('threshold', math.nan):.3f}", f"{yes}/{len(judged)}",
                         f"{p:.2f} [{lo:.2f}, {hi:.2f}]"])
        runs[book] = run
    data["openstax"] = runs
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(table(rows, ["book", "candidates", "concepts", "suggestions >= threshold", "threshold",
                       "top 40 judged right", "precision [95% CI]"]))
    return runs

# ------------------------------------------------------------ blind judging (round 3) ---

ROUND = 5                 # round 3 (last stop): the teacher's list alone, files in OUT itself; round 4: results/prereq/round4
JUDGE_DIR = Path(f"/tmp/prereq_judge{ROUND}")
RDIR = OUT / f"round{ROUND}"
QUESTION = "Must a learner understand B before A can be learned? (1 yes / 0 no, with a one-line reason)"
JUDGE_SEED = 55           # round 3: 14, round 4: 41
KEY_FIELDS = ["id", "lists", "a_label", "b_label", "a_iri", "b_iri"]


def _rel(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _commit() -> str:
    """HEAD, with ``+dirty`` when gnn/ or kg/ (the code that suggests) has uncommitted changes."""
    try:
        git = lambda *a: subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True,  # noqa: E731
                                        text=True, check=True).stdout.strip()
        return git("rev-parse", "HEAD") + ("+dirty" if git("status", "--porcelain", "gnn", "kg") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def product_lists(ws_path: str, k: int) -> tuple[dict, dict]:
    """``{list name: [Suggestion, ...]}`` and the run's facts for one trained workspace.

    ``product``: exactly what ``kgstudio suggest-prereqs --top-k k --dry-run`` prints
    (:func:`gnn.suggest.suggest_prereqs` with the CLI's defaults: the book's definition
    links first, then 10 text neighbours, at most 3 per concept, calibrated, evidence
    lines), nothing written. ``teacher``: the same without the definition links (the
    product of round 3), judged in the same file as the baseline."""
    from gnn.checkpoint import load_checkpoint, teacher_dir
    from gnn.suggest import suggest_prereqs
    ws = Workspace(ws_path)
    out, info = suggest_prereqs(ws, top_k=k, write=False)
    teacher, _ = suggest_prereqs(ws, top_k=k, write=False, definitions=False)
    ck = load_checkpoint(teacher_dir(ws) / "teacher.pt")
    facts = {"workspace": str(ws.root), "checkpoint_sha256": ck.sha256, "commit": _commit(),
             "calibration": info.get("calibration"), "k": k,
             "product_bases": {b or "teacher": sum((s.basis or "teacher") == (b or "teacher") for s in out)
                               for b in ("kind-of", "genus", "names", None)},
             "prereq_threshold": ck.metrics.get("prereq_threshold") if getattr(ck, "metrics", None) else None}
    return {"product": out, "teacher": teacher}, facts


def write_judge_items(book: str, lists: dict, facts: dict, seed: int = JUDGE_SEED) -> tuple[Path, Path, int]:
    """The union of the lists' pairs, shuffled with ``seed``, as a blind judging file
    (``JUDGE_DIR/<book>_items.txt``: no list, rank or score shown) and its key
    (``OUT/openstax_judge_key_<book>.csv``: id -> lists, rank, probability, band)."""
    pairs: dict[tuple[str, str], dict] = {}
    for name, sug in lists.items():
        for s in sug:
            row = pairs.setdefault((s.a, s.b), {"s": s, "in": {}})
            row["in"][name] = s
    ws = Workspace(facts["workspace"])
    with ws.open_store(read_only=True) as store:
        info = _info(store, sorted({x for ab in pairs for x in ab}))
    order = sorted(pairs)
    random.Random(seed).shuffle(order)
    ids = {ab: f"{book[:3]}-{i:03d}" for i, ab in enumerate(order, 1)}
    lines = [f"# Prerequisite pairs to judge: {book} ({len(order)} pairs)",
             "# For each item answer the question about A and B; write one row per item to",
             f"# {JUDGE_DIR / (book + '_scores.csv')} with the columns id,judge,reason",
             "# (judge: 1 = yes, B must be understood first; 0 = no).", ""]
    for ab in order:
        s = pairs[ab]["s"]
        la, lb = info.get(s.a, (None, None, None)), info.get(s.b, (None, None, None))
        lines += [f"[{ids[ab]}]",
                  f"Concept A: {la[1] or s.a_label or s.a.rsplit('/', 1)[-1]} — {(la[2] or '(no definition)').strip()}",
                  f"Concept B: {lb[1] or s.b_label or s.b.rsplit('/', 1)[-1]} — {(lb[2] or '(no definition)').strip()}",
                  QUESTION, "Evidence:"]
        lines += [f"  - {e}" for e in s.evidence] or ["  - (no evidence found in the text or the accepted prerequisites)"]
        lines.append("")
    JUDGE_DIR.mkdir(parents=True, exist_ok=True)
    items = JUDGE_DIR / f"{book}_items.txt"
    items.write_text("\n".join(lines), encoding="utf-8")
    fields = KEY_FIELDS + [f"{c}_{n}" for n in lists for c in ("rank", "probability", "raw", "band")]
    rows = []
    for ab in sorted(order, key=lambda x: ids[x]):
        p = pairs[ab]
        s = p["s"]
        row = {"id": ids[ab], "lists": "+".join(n for n in lists if n in p["in"]),
               "a_label": info.get(s.a, (0, s.a_label))[1] or "", "b_label": info.get(s.b, (0, s.b_label))[1] or "",
               "a_iri": s.a, "b_iri": s.b}
        for n in lists:
            x = p["in"].get(n)
            row.update({f"rank_{n}": x.rank if x else "", f"probability_{n}": f"{x.score:.6f}" if x else "",
                        f"raw_{n}": f"{x.raw_score:.6f}" if x and x.raw_score is not None else "",
                        f"band_{n}": (x.band or "") if x else ""})
        rows.append(row)
    OUT.mkdir(parents=True, exist_ok=True)
    RDIR.mkdir(parents=True, exist_ok=True)
    key = RDIR / f"openstax_judge_key_{book}.csv"
    with key.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    shutil.copyfile(items, RDIR / f"openstax_judge_items_{book}.txt")
    return items, key, len(order)


def make_judge_files(books: list[str], reuse: dict, k: int) -> None:
    out = RESULTS / "prereq.json"
    for book in books:
        if book not in reuse:
            raise SystemExit(f"--judge-items needs --reuse {book}=WORKSPACE (a workspace with a trained teacher)")
        lists, facts = product_lists(reuse[book], k)
        items, key, n = write_judge_items(book, lists, facts)
        print(f"{book}: {n} pairs -> {items}; key {_rel(key)}; "
              + ", ".join(f"{name}: {len(v)}" for name, v in lists.items()), flush=True)
        data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
        run = data.setdefault("openstax", {}).setdefault(book, {})
        run[f"judge_round{ROUND}"] = {**facts, "items": n, "lists": {name: len(v) for name, v in lists.items()},
                               "items_file": str(items), "key": _rel(key),
                               "seed": JUDGE_SEED, "machine": machine()}
        out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def score_judged(books: list[str]) -> None:
    """Join ``JUDGE_DIR/<book>_scores.csv`` (id,judge,reason) with the key; per list the
    share judged 1 among its judged pairs, with a 95% Wilson interval, to
    ``results/prereq.json`` (``openstax_<book>_top40_precision`` for the product's list)."""
    out = RESULTS / "prereq.json"
    data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
    rows_out = []
    for book in books:
        src = JUDGE_DIR / f"{book}_scores.csv"
        key_path = RDIR / f"openstax_judge_key_{book}.csv"
        if not src.exists():
            print(f"{book}: no {src}, skipped")
            continue
        with key_path.open(newline="", encoding="utf-8") as fh:
            key = {r["id"]: r for r in csv.DictReader(fh)}
        judged: dict[str, tuple[str, str]] = {}
        with src.open(newline="", encoding="utf-8") as fh:
            for line_no, r in enumerate(csv.DictReader(fh), 2):
                i, j = (r.get("id") or "").strip(), (r.get("judge") or "").strip()
                if i not in key:
                    raise SystemExit(f"{src}:{line_no}: id {i!r} is not in {key_path.name}")
                if j not in ("0", "1"):
                    raise SystemExit(f"{src}:{line_no}: judge must be 0 or 1, not {j!r}")
                judged[i] = (j, (r.get("reason") or "").strip())
        shutil.copyfile(src, RDIR / f"openstax_judged_scores_{book}.csv")
        lists = [c[len("rank_"):] for c in next(iter(key.values())) if c.startswith("rank_")]
        run = data.setdefault("openstax", {}).setdefault(book, {})
        res = {}
        for name in lists:
            ids = [i for i, r in key.items() if r[f"rank_{name}"]]
            got = [i for i in ids if i in judged]
            yes = sum(judged[i][0] == "1" for i in got)
            p = round(yes / len(got), 4) if got else None
            lo, hi = wilson(yes, len(got))
            res[name] = {"pairs": len(ids), "judged": len(got), "yes": yes, "precision": p,
                         "precision_ci95": [lo, hi]}
            tag = "" if name == "product" else f"_{name}"
            data["metrics"][f"openstax_{book}_top40_precision{tag}"] = p
            data["metrics"][f"openstax_{book}_top40_precision{tag}_ci95"] = [lo, hi]
            rows_out.append([book, name, f"{yes}/{len(got)}", f"{len(ids) - len(got)}",
                             f"{p:.2f} [{lo:.2f}, {hi:.2f}]" if p is not None else "-"])
        run[f"judged_round{ROUND}"] = {**res, "scores": _rel(RDIR / f"openstax_judged_scores_{book}.csv")}
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(table(rows_out, ["book", "list", "judged right", "not judged", "precision [95% CI]"]))


DEEP = OUT / "deep"


def make_deep_items(books: list[str], reuse: dict, first: int = 41, last: int = 100,
                    seed: int = 77) -> None:
    """Ranks ``first``..``last`` of the product's list (``suggest-prereqs --top-k last``),
    shuffled, as a blind judging file ``/tmp/jdeep_<book>/items.txt``; the key (rank, basis,
    probability) in ``results/prereq/deep/deep_key_<book>.csv``."""
    from gnn.suggest import suggest_prereqs
    DEEP.mkdir(parents=True, exist_ok=True)
    for book in books:
        ws = Workspace(reuse[book])
        out, _ = suggest_prereqs(ws, top_k=last, write=False)
        deep = [s for s in out if s.rank >= first]
        with ws.open_store(read_only=True) as st:
            inf = _info(st, sorted({x for s in deep for x in (s.a, s.b)}))
        order = list(deep)
        random.Random(seed).shuffle(order)
        d = Path(f"/tmp/jdeep_{book}")
        d.mkdir(parents=True, exist_ok=True)
        lines = [f"# Prerequisite pairs to judge: {book} ({len(order)} pairs)",
                 f"# Write {d}/scores.csv with columns id,judge,reason (judge: 1 = yes, B must be "
                 "understood first; 0 = no).", ""]
        key = []
        for i, s in enumerate(order, 1):
            iid = f"{book[:3]}-x{i:03d}"
            la, lb = inf[s.a], inf[s.b]
            lines += [f"[{iid}]", f"Concept A: {la[1]} — {(la[2] or '(no definition)').strip()}",
                      f"Concept B: {lb[1]} — {(lb[2] or '(no definition)').strip()}", QUESTION, "Evidence:"]
            lines += [f"  - {e}" for e in s.evidence] or ["  - (no evidence found in the text or the accepted prerequisites)"]
            lines.append("")
            key.append({"id": iid, "rank": s.rank, "basis": s.basis or "teacher", "later": int(s.basis_later),
                        "prob": s.score, "a": la[1], "b": lb[1]})
        (d / "items.txt").write_text("\n".join(lines), encoding="utf-8")
        with (DEEP / f"deep_key_{book}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(key[0]))
            w.writeheader()
            w.writerows(key)
        print(f"{book}: {len(order)} pairs -> {d / 'items.txt'}", flush=True)


def score_deep(books: list[str]) -> None:
    """Join ``/tmp/jdeep_<book>/scores.csv`` (copied to ``results/prereq/deep/``) with the
    key; writes ``openstax_<book>_rank41_100_precision`` (+ ``_ci95``) to results/prereq.json."""
    out = RESULTS / "prereq.json"
    data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
    rows = []
    for book in books:
        src = Path(f"/tmp/jdeep_{book}/scores.csv")
        if src.exists():
            shutil.copyfile(src, DEEP / f"deep_scores_{book}.csv")
        path = DEEP / f"deep_scores_{book}.csv"
        if not path.exists():
            print(f"{book}: no {path}, skipped")
            continue
        with (DEEP / f"deep_key_{book}.csv").open(newline="", encoding="utf-8") as fh:
            key = {r["id"]: r for r in csv.DictReader(fh)}
        with path.open(newline="", encoding="utf-8") as fh:
            judged = {r["id"]: r["judge"].strip() for r in csv.DictReader(fh)}
        yes = sum(judged.get(i) == "1" for i in key)
        n = sum(judged.get(i) in ("0", "1") for i in key)
        lo, hi = wilson(yes, n)
        data["metrics"][f"openstax_{book}_rank41_100_precision"] = round(yes / n, 4) if n else None
        data["metrics"][f"openstax_{book}_rank41_100_precision_ci95"] = [lo, hi]
        rows.append([book, f"{yes}/{n}", f"{yes / n:.2f} [{lo:.2f}, {hi:.2f}]" if n else "-"])
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(table(rows, ["book", "ranks 41-100 judged right", "precision [95% CI]"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--books", nargs="+", default=list(BOOKS), choices=list(BOOKS))
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--k", type=int, default=40, help="suggestions written for labelling")
    ap.add_argument("--score", action="store_true", help="score the labelled samples only")
    ap.add_argument("--reuse", nargs="*", default=[], metavar="BOOK=WORKSPACE",
                    help="use the teacher already trained in WORKSPACE (a folder this script made)")
    ap.add_argument("--judge-items", action="store_true",
                    help="write the blind judging files of the product's top k (needs --reuse)")
    ap.add_argument("--score-judged", action="store_true",
                    help=f"score {JUDGE_DIR}/<book>_scores.csv against the judging key")
    ap.add_argument("--deep-items", action="store_true",
                    help="write blind judging files of ranks 41-100 of the product's list (needs --reuse)")
    ap.add_argument("--score-deep", action="store_true", help="score /tmp/jdeep_<book>/scores.csv")
    args = ap.parse_args()
    if args.deep_items:
        make_deep_items(args.books, dict(x.split("=", 1) for x in args.reuse))
        return
    if args.score_deep:
        score_deep(args.books)
        return
    if args.judge_items:
        make_judge_files(args.books, dict(x.split("=", 1) for x in args.reuse), args.k)
        return
    if args.score_judged:
        score_judged(args.books)
        return
    if args.score:
        score(args.books)
        return
    torch.set_num_threads(1)
    out = RESULTS / "prereq.json"
    reuse = dict(x.split("=", 1) for x in args.reuse)
    for book in args.books:
        res = run_book(book, args.epochs, args.k, reuse.get(book))
        print(json.dumps(res, indent=2), flush=True)
        data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
        data.setdefault("openstax", {})[book] = {**data.get("openstax", {}).get(book, {}), **res,
                                                 "machine": machine()}
        out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
