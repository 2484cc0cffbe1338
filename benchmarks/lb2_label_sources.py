"""Where LectureBank 2.0's split labels come from, and where the chosen model errs (issue 14,
"LB2 F1 >= .93").

The split files (``lb2/split``) hold 1,551 positives per fold, a superset of the 471
positives of LB2's own annotation file; the README says the other 1,080 are undocumented.
This script matches topic names (lower case, punctuation to spaces) between LectureBank 1.0's
208 topics and LB2's 322 and counts how many of the 1,080 are LB1's *annotated positives*:
two annotation efforts with their own conventions merged into one positive set. Test
negatives are split the same way: a pair LB2's annotators marked 0, or a pair nobody
annotated.

Then it reads the saved test predictions of the chosen LB2 model (``results/prereq/
lb2_ev_all_fold<k>.npz``, variant ``sub`` with its best-F1 threshold, as in the headline
figure; nothing retrained) and reports recall per positive source and the false-positive
rate per negative source, summed over the 5 folds. Analysis after the choice: nothing here
feeds back into a model.

Run: ``.venv/bin/python benchmarks/lb2_label_sources.py`` (seconds); writes
``results/prereq/lb2_label_sources.json``.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from _common import RESULTS, SHARED, machine, table  # noqa: E402

LB = SHARED / "data" / "prereq" / "lecturebank"


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _pairs(path: Path) -> set[tuple[int, int]]:
    return {tuple(map(int, ln.strip().split(","))) for ln in path.read_text().splitlines() if ln.strip()}


def load() -> dict:
    lb2 = LB / "lb2"
    ann = [ln.strip().split(",") for ln in (lb2 / "final_new_annotation.csv").read_text().splitlines() if ln.strip()]
    p2 = {(int(a) - 1, int(b) - 1) for a, b, y in ann if y.strip() == "1"}
    n2 = {(int(a) - 1, int(b) - 1) for a, b, y in ann if y.strip() == "0"}
    names2 = {}
    for ln in (lb2 / "322topics_final.tsv").read_text(encoding="utf-8").splitlines():
        i, _, name = ln.partition("|")
        if i.strip().isdigit():
            names2[_norm(name)] = int(i) - 1
    to2 = {}
    for ln in (LB / "lb1" / "208topics.csv").read_text(encoding="utf-8", errors="replace").splitlines():
        f = ln.split(",")
        if len(f) >= 3 and f[0].strip().isdigit():
            name = _norm(",".join(f[1:-1]))
            if name in names2:
                to2[int(f[0])] = names2[name]
    p1 = set()
    for ln in (LB / "lb1" / "prerequisite_annotation.csv").read_text().splitlines():
        f = ln.strip().split(",")
        if len(f) == 3 and f[2].strip() == "1" and f[0].isdigit() and f[1].isdigit():
            a, b = int(f[0]), int(f[1])
            if a in to2 and b in to2:
                p1.add((to2[a], to2[b]))
    return {"p2": p2, "n2": n2, "p1": p1, "lb1_topics_matched": len(to2)}


def main() -> None:
    src = load()
    p2, n2, p1 = src["p2"], src["n2"], src["p1"]
    split = LB / "lb2" / "split"
    pos_src, neg_src = Counter(), Counter()
    found, fp = Counter(), Counter()
    extras = None
    for k in range(5):
        tp = _pairs(split / f"test_edges_positive_{k}.txt")
        S = _pairs(split / f"train_edges_positive_{k}.txt") | tp
        extras = S - p2
        z = np.load(RESULTS / "prereq" / f"lb2_ev_all_fold{k}.npz")
        thr = json.loads((RESULTS / "prereq" / f"lb2_ev_all_fold{k}.json").read_text())["result"]["variants"]["sub"]["threshold"]
        pred = z["test_prob_sub"] >= thr
        for (a, b), y, yhat in zip(z["test_pairs"].tolist(), z["test_labels"].tolist(), pred.tolist()):
            if y == 1:
                g = "LB2 annotation" if (a, b) in p2 else "LB1 annotation (name match)" if (a, b) in p1 else "other"
                pos_src[g] += 1
                found[g] += int(yhat)
            else:
                g = "annotated 0 by LB2" if (a, b) in n2 else "not annotated"
                neg_src[g] += 1
                fp[g] += int(yhat)
    rows = [[g, n, found[g], f"{found[g] / n:.3f}"] for g, n in pos_src.most_common()]
    print(table(rows, ["test positives from", "pairs (5 folds)", "predicted positive", "recall"]))
    rows2 = [[g, n, fp[g], f"{fp[g] / n:.3f}"] for g, n in neg_src.most_common()]
    print(table(rows2, ["test negatives", "pairs (5 folds)", "predicted positive", "false-positive rate"]))
    out = {"lb1_topics_matched_by_name": src["lb1_topics_matched"], "lb1_positives_mapped": len(p1),
           "split_positives": 1551, "lb2_annotation_positives": len(p2), "extras": len(extras),
           "extras_that_are_lb1_positives": len(extras & p1),
           "test_positive_sources": dict(pos_src), "recall_by_source": {g: found[g] / n for g, n in pos_src.items()},
           "test_negative_sources": dict(neg_src), "fp_rate_by_source": {g: fp[g] / n for g, n in neg_src.items()},
           "model": "lb2 ev_all, variant sub, best-F1 threshold (the headline)", "machine": machine()}
    print(f"{len(extras & p1)} of the {len(extras)} positives beyond LB2's annotation are LB1 annotated "
          f"positives ({src['lb1_topics_matched']} of LB1's 208 topics matched by name)")
    (RESULTS / "prereq" / "lb2_label_sources.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
