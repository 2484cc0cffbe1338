"""Public prerequisite benchmark (issue 3): University Course and LectureBank 2.0.

Evaluates the pairwise prerequisite classifier of :mod:`gnn.pairs` under the published
protocols of ``../shared/data/prereq`` (``PUBLISHED_RESULTS.md`` and the READMEs there)
and prints our numbers beside the published tables.

* **University Course** (CPR-Recover data, PREREQ's 5-fold files ``prereq-5fold/clean``):
  rows ``concept_a, concept_b, label`` (label 1: b is a prerequisite of a); precision,
  recall and F1 of the positive class on each test file, mean over the 5 folds (PREREQ,
  IAAI 2019). Concepts are Wikipedia titles (``Best,_worst_and_average_case`` -> "Best,
  worst and average case"). Auxiliary graph (no labels): the 654 courses of
  ``cs_courses.csv`` (text = description), the 861 course prerequisites of
  ``cs_edges.csv``, and "course mentions concept" wherever the concept's title occurs in
  the description (``kg.labels``: whole words, case-insensitive, plurals). Pair priors:
  ``M C M^T`` (courses mentioning u that are prerequisites of courses mentioning v, the
  CPR-Recover signal), ``M C^2 M^T`` and ``M M^T`` (co-mention).
* **LectureBank 2.0** (``lb2/split``, 5 folds, 0-based topic ids, first topic is the
  prerequisite of the second): training positives/negatives, balanced test sets (155 +
  155); P/R/F1 per fold, mean. Auxiliary graph: the 534 lectures of ``lecturebank20.tsv``
  (text = title), "lecture mentions topic" by the same matching, "next lecture" between
  consecutive lectures of one course (same author, venue, domain, year). Pair priors:
  ``M B M^T`` (B: lecture i comes before lecture j in the same course), same-course.
  Training pairs that are in both the positive and the negative training file are kept
  as positives only. The negative training file covers only 175 of the 322 topics (ids
  up to 291) while the test negatives are spread over all of them, so training and
  validation negatives are sampled uniformly from the non-positive pairs of all topics
  (``neg_sampling="uniform"``); with the file's negatives the validation scores (.95 AUC)
  said nothing about the test ones.

Never used (they hold the labels being predicted): ``cs_preqs.csv``, ``cs_annotations.tsv``,
``final_new_annotation.csv`` and the LectureBank 1.0 annotations.

Protocol of our side: per fold, a validation set is carved from the fold's training pairs
(15% of the positives; LectureBank: as many negatives, to match its balanced test sets;
University Course: 15% of the negatives), which chooses the epoch (ROC AUC) and the
decision threshold (best F1). Test labels are only read to score. The headline model
(required keys ``uc_*``, ``lb2_*``) is the ``both`` mode (text + graph); ``text`` and
``graph`` are the ablation (``uc_text_*`` ...), and ``valsel`` (``uc_valsel_*``) takes, per
fold, the mode with the best validation F1.

Modes: ``text`` (MLP on MiniLM pairs), ``graph`` (GNN, no text), ``joint`` (the GNN with
text node features, :class:`gnn.pairs.PairClassifier` mode ``"both"``; it scored below
``text`` alone: the message passing dilutes the text signal) and ``both``, a late fusion
of ``text`` and ``graph``: ``p = a p_text + (1 - a) p_graph`` with ``a`` from a grid of 21
values chosen per fold by validation AUC on the validation pairs both were fitted with,
and the threshold by validation F1 (:func:`fuse_fold`; chosen over ``joint`` as the
headline before its test scores were seen, because ``a = 1`` falls back to ``text``, so
validation can only keep or add graph evidence). ``both`` trains nothing itself: it needs
``text`` and ``graph`` in the same run (their validation scores are kept in
``<ds>_<mode>_fold<k>.npz``).

Leakage-free variants (the files contain such rows): test rows whose ordered pair also
occurs in the fold's training file (any label) are removed. Reversed-positive negatives
(a test negative ``(u, v)`` whose reverse ``(v, u)`` is a known positive of the fold, in
train or test) and self-pairs are flagged in the prediction files and reported: how many,
how many we get right, and F1 without them (``*_f1_leakfree_norev``).

Outputs: ``benchmarks/results/prereq.json`` (``metrics``: ``uc_*``, ``lb2_*`` headline keys,
per-mode ablation keys, and the teacher's ``epoch_s_*`` timings, which this script keeps
when they are already there), and the raw predictions of every dataset/mode/fold under
``benchmarks/results/prereq/`` (``<ds>_<mode>_fold<k>.csv``: prerequisite, dependent,
label, prob, pred, threshold, flags) so they can be rescored.

Run: ``.venv/bin/python benchmarks/prereq.py`` (``--quick``: fold 0, one model, modes text,
graph and their blend; ``--modes``, ``--folds``, ``--ensemble`` to choose (modes not trained
are taken from the last run's per-fold results); ``--rescore``: tables and metrics again
from the per-fold results in ``prereq.json``, no training). The recorded run used
``--ensemble 2`` and took 18 minutes on 2 busy cores (2 worker processes, 1 torch thread
each).

Limitations: numbers from other papers in the secondary table use their own splits and
negative sampling (``PUBLISHED_RESULTS.md``), so only the PREREQ rows of the University
Course table share our protocol exactly; the LectureBank column of that table does not say
which LectureBank release or split it used.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from _common import RESULTS, SHARED, table, write_results  # noqa: E402
from gnn.pairs import CONCEPT as CONCEPT_T, ConceptGraph, PairClassifier, PairConfig, prf  # noqa: E402
from kg.labels import LabelMatcher  # noqa: E402

DATA = SHARED / "data" / "prereq"
PRED_DIR = RESULTS / "prereq"
MODES = ("text", "graph", "joint", "both")   # "both" is not trained: it blends text and graph
TRAINED = ("text", "graph", "joint")
PAIR_MODE = {"text": "text", "graph": "graph", "joint": "both"}   # -> PairConfig.mode
ALPHAS = np.round(np.linspace(0.0, 1.0, 21), 2)                   # blend weights tried on validation

# Published numbers, copied from PUBLISHED_RESULTS.md (P, R, F1 as fractions).
PUBLISHED_UC_PREREQ = [  # table A: same 5-fold files and metric as ours
    ("PREREQ (Roy et al. IAAI 2019)", .4676, .9164, .5968),
    ("Pairwise LDA", .9827, .1642, .2814),
    ("CPR-Recover (Liang et al. 2017)", .1666, .4651, .2454),
    ("MOOC-RF (Pan et al. 2017)", .4370, .5343, .5095),
]
PUBLISHED_SECONDARY = [  # table B: (method, LectureBank P/R/F1, University Courses P/R/F1); own protocols
    ("SVM", (.857, .692, .766), (.796, .635, .707)),
    ("GAE", (.462, .811, .589), (.450, .886, .597)),
    ("PREREQ", (.590, .502, .543), (.468, .916, .597)),
    ("CPRL (NAACL 2021)", (.861, .858, .860), (.689, .760, .723)),
    ("ConLearn (SDM 2022)", (.831, .960, .891), (.611, .966, .749)),
    ("Multiscale k-WediGNN (2025)", (.977, .880, .926), (.889, .80, .842)),
]


# ------------------------------------------------------------------------ data ---

class Fold:
    """One fold: training and test pairs as concept indices (u prerequisite of v)."""

    def __init__(self, k, train_pairs, train_labels, test_pairs, test_labels, test_rows=None):
        self.k = k
        self.train_pairs = np.asarray(train_pairs, dtype=np.int64).reshape(-1, 2)
        self.train_labels = np.asarray(train_labels, dtype=np.int64)
        self.test_pairs = np.asarray(test_pairs, dtype=np.int64).reshape(-1, 2)
        self.test_labels = np.asarray(test_labels, dtype=np.int64)
        self.test_rows = test_rows   # original test rows (for the prediction files)


def readable(title: str) -> str:
    """Wikipedia title -> text: ``Best,_worst_and_average_case`` -> ``Best, worst and average case``."""
    return title.replace("_", " ").strip()


def mention_name(name: str) -> str:
    """A concept name as looked for in text: its disambiguation ("Tree (graph theory)") dropped."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()


def mentions(names: list[str], texts: list[str]) -> np.ndarray:
    """``(2, E)`` edges (text index, concept index) where the concept's name occurs in the
    text, by the project's label matcher (``kg.labels``: whole words, case-insensitive,
    plural/singular forms, a hyphen or a space between words), names inside longer names
    included ("learning" in "machine learning")."""
    matcher = LabelMatcher({str(c): [mention_name(n)] for c, n in enumerate(names)})
    found = sorted({(int(c), i) for i, t in enumerate(texts) for c in matcher.concepts(t, overlapping=True)})
    src = [i for _c, i in found]
    dst = [c for c, _i in found]
    return np.array([src, dst], dtype=np.int64).reshape(2, -1)


def _sparse(edges: np.ndarray, shape) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(edges.shape[1], dtype=np.float32), (edges[0], edges[1])), shape=shape)
    m.data[:] = 1.0
    return m


def load_uc(embed) -> tuple[ConceptGraph, list[Fold], dict]:
    """University Course: concepts of the fold files, courses, course prerequisites."""
    base = DATA / "university-course"
    raw = []
    for k in range(5):
        tr = list(csv.DictReader(open(base / "prereq-5fold" / "clean" / f"train_{k}.csv", newline="")))
        te = list(csv.DictReader(open(base / "prereq-5fold" / "clean" / f"test_{k}.csv", newline="")))
        raw.append((tr, te))
    names = sorted({r[c] for tr, te in raw for r in tr + te for c in ("concept_a", "concept_b")})
    idx = {n: i for i, n in enumerate(names)}
    texts = [readable(n) for n in names]

    def conv(rows):   # row (a, b, y): b is a prerequisite of a -> pair (b, a)
        return ([(idx[r["concept_b"]], idx[r["concept_a"]]) for r in rows],
                [int(r["label"]) for r in rows])

    folds = []
    for k, (tr, te) in enumerate(raw):
        (trp, trl), (tep, tel) = conv(tr), conv(te)
        folds.append(Fold(k, trp, trl, tep, tel, te))
    courses = [row for row in csv.reader(open(base / "cpr-recover" / "cs_courses.csv", newline="")) if row]
    cidx = {c: i for i, (c, _) in enumerate(courses)}
    cdesc = [d for _, d in courses]
    creq = []
    for row in csv.reader(open(base / "cpr-recover" / "cs_edges.csv", newline="")):
        if len(row) == 2 and row[0] in cidx and row[1] in cidx:
            creq.append((cidx[row[1]], cidx[row[0]]))   # course_2 is a prerequisite of course_1
    creq = np.array(creq, dtype=np.int64).T
    men = mentions(texts, cdesc)                         # (course, concept)
    n, nc = len(names), len(courses)
    m = _sparse(men[::-1], (n, nc))                       # concept x course
    c = _sparse(creq, (nc, nc))
    priors = {"course_flow": m @ c @ m.T, "course_flow2": m @ (c @ c) @ m.T, "co_mention": m @ m.T}
    graph = ConceptGraph(
        names=names, text=embed(texts), aux_nodes={"course": embed(cdesc)},
        aux_edges={("course", "mentions", CONCEPT_T): men, ("course", "requires", "course"): creq},
        pair_priors=priors)
    info = {"concepts": n, "courses": nc, "course_edges": int(creq.shape[1]),
            "mentions": int(men.shape[1]), "concepts_mentioned": int(len(set(men[1].tolist())))}
    return graph, folds, info



def load_lb2(embed) -> tuple[ConceptGraph, list[Fold], dict]:
    """LectureBank 2.0: 322 topics, the 5-fold split, lectures and their order."""
    base = DATA / "lecturebank" / "lb2"
    topics = {}
    for line in open(base / "322topics_final.tsv", encoding="utf-8"):
        if "|" in line:
            i, name = line.rstrip("\n").split("|", 1)
            topics[int(i) - 1] = name.strip()            # split files are 0-based
    n = max(topics) + 1
    names = [topics.get(i, f"topic {i + 1}") for i in range(n)]

    def read(name):
        out = []
        for line in open(base / "split" / name):
            if line.strip():
                a, b = line.strip().split(",")
                out.append((int(a), int(b)))
        return out

    folds = []
    for k in range(5):
        trp, trn = read(f"train_edges_positive_{k}.txt"), read(f"train_edges_negative_{k}.txt")
        tep, ten = read(f"test_edges_positive_{k}.txt"), read(f"test_edges_negative_{k}.txt")
        pos_set = set(trp)
        trn = [p for p in trn if p not in pos_set]       # conflicting training rows: keep the positive
        folds.append(Fold(k, trp + trn, [1] * len(trp) + [0] * len(trn), tep + ten,
                          [1] * len(tep) + [0] * len(ten)))
    lectures = [r for r in csv.reader(open(base / "lecturebank20.tsv", encoding="utf-8", newline=""),
                                      delimiter="\t") if len(r) >= 8]
    titles = [r[1] for r in lectures]
    men = mentions(names, titles)                        # (lecture, topic)
    nxt, before, same = [], [], []
    groups = defaultdict(list)
    for i, r in enumerate(lectures):
        groups[(r[4], r[5], r[6], r[7])].append(i)       # year, author, domain, venue
    for members in groups.values():
        members.sort()
        for a, b in zip(members, members[1:]):
            if b == a + 1:
                nxt.append((a, b))
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                before.append((a, b))
            for b in members:
                same.append((a, b))
    nl = len(lectures)
    m = _sparse(men[::-1], (n, nl))
    bmat = _sparse(np.array(before, dtype=np.int64).T.reshape(2, -1), (nl, nl))
    smat = _sparse(np.array(same, dtype=np.int64).T.reshape(2, -1), (nl, nl))
    priors = {"lecture_before": m @ bmat @ m.T, "same_course": m @ smat @ m.T}
    graph = ConceptGraph(
        names=names, text=embed(names), aux_nodes={"lecture": embed(titles)},
        aux_edges={("lecture", "mentions", CONCEPT_T): men,
                   ("lecture", "next", "lecture"): np.array(nxt, dtype=np.int64).T.reshape(2, -1)},
        pair_priors=priors)
    info = {"topics": n, "lectures": nl, "mentions": int(men.shape[1]),
            "topics_mentioned": int(len(set(men[1].tolist()))), "next_edges": len(nxt)}
    return graph, folds, info


# ------------------------------------------------------------------ evaluation ---

def flags(fold: Fold) -> dict[str, np.ndarray]:
    """Per test row: in the training file (any label), reversed known positive, self pair."""
    train = {tuple(p) for p in fold.train_pairs.tolist()}
    known_pos = ({tuple(p) for p in fold.train_pairs[fold.train_labels == 1].tolist()}
                 | {tuple(p) for p in fold.test_pairs[fold.test_labels == 1].tolist()})
    tp = fold.test_pairs.tolist()
    return {
        "in_train": np.array([tuple(p) in train for p in tp]),
        "reversed_positive": np.array([(v, u) in known_pos for u, v in tp]) & (fold.test_labels == 0),
        "self_pair": np.array([u == v for u, v in tp]),
    }


def run_fold(ds: str, graph: ConceptGraph, fold: Fold, cfg: PairConfig, mode: str) -> dict:
    clf = PairClassifier(cfg).fit(graph, fold.train_pairs, fold.train_labels)
    prob = clf.predict_proba(fold.test_pairs)
    fl = flags(fold)
    PRED_DIR.mkdir(parents=True, exist_ok=True)
    # validation scores and test probabilities, for the blend of mode "both" (fuse_fold)
    np.savez_compressed(PRED_DIR / f"{ds}_{mode}_fold{fold.k}.npz", val_pairs=clf.val_pairs,
                        val_labels=clf.val_labels, val_scores=clf.val_scores, test_prob=prob,
                        test_pairs=fold.test_pairs, test_labels=fold.test_labels,
                        **{f"flag_{k}": v for k, v in fl.items()})
    out = score_fold(ds, mode, fold.k, [graph.names[u] for u in fold.test_pairs[:, 0]],
                     [graph.names[v] for v in fold.test_pairs[:, 1]], fold.test_labels, prob,
                     clf.threshold, fl)
    out.update(val_f1=clf.val_f1, val_auc=clf.val_auc, fit_s=clf.fit_s,
               epochs=[h[-1][0] for h in clf.history])
    return out


def fuse_fold(ds: str, k: int) -> dict:
    """Mode "both" of fold ``k``: ``p = a * p_text + (1 - a) * p_graph``, with the weight
    ``a`` (grid :data:`ALPHAS`; best validation AUC, ties to the larger ``a``) and the
    threshold (best validation F1) chosen on the validation pairs both classifiers were
    fitted with (the same carve-out: same seed and split rule, checked). Test labels are
    only read to score."""
    from gnn.pairs import _auc, choose_threshold
    t, g = (np.load(PRED_DIR / f"{ds}_{m}_fold{k}.npz") for m in ("text", "graph"))
    if not (np.array_equal(t["val_pairs"], g["val_pairs"]) and np.array_equal(t["test_pairs"], g["test_pairs"])):
        raise RuntimeError(f"{ds} fold {k}: text and graph runs used different validation pairs")
    yv = t["val_labels"]
    best = max(ALPHAS, key=lambda a: (round(_auc(yv, a * t["val_scores"] + (1 - a) * g["val_scores"]), 6), a))
    vs = best * t["val_scores"] + (1 - best) * g["val_scores"]
    thr = choose_threshold(vs, yv)
    prob = best * t["test_prob"] + (1 - best) * g["test_prob"]
    fl = {n: t[f"flag_{n}"] for n in ("in_train", "reversed_positive", "self_pair")}
    with open(PRED_DIR / f"{ds}_text_fold{k}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = score_fold(ds, "both", k, [r["prerequisite"] for r in rows], [r["dependent"] for r in rows],
                     t["test_labels"], prob, thr, fl)
    out.update(val_f1=prf(yv, vs >= thr)[2], val_auc=_auc(yv, vs), alpha=float(best), fit_s=0.0,
               epochs=[])
    return out


def score_fold(ds, mode, k, pre_names, dep_names, y, prob, threshold, fl) -> dict:
    """P/R/F1 (all rows, leak-free, leak-free without reversed negatives) of one fold's
    test probabilities; writes the prediction file ``<ds>_<mode>_fold<k>.csv``."""
    pred = (prob >= threshold).astype(int)
    keep = ~fl["in_train"]
    keep2 = keep & ~fl["reversed_positive"]
    rev = fl["reversed_positive"]
    out = {
        "all": prf(y, pred), "leakfree": prf(y[keep], pred[keep]),
        "leakfree_norev": prf(y[keep2], pred[keep2]),
        "n_test": int(len(y)), "n_in_train": int(fl["in_train"].sum()),
        "n_reversed_positive": int(rev.sum()), "reversed_correct": int((pred[rev] == 0).sum()),
        "n_self": int(fl["self_pair"].sum()), "self_correct": int((pred[fl["self_pair"]] == y[fl["self_pair"]]).sum()),
        "threshold": float(threshold),
    }
    PRED_DIR.mkdir(parents=True, exist_ok=True)
    with open(PRED_DIR / f"{ds}_{mode}_fold{k}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["prerequisite", "dependent", "label", "prob", "pred", "threshold",
                    "in_train", "reversed_positive", "self_pair"])
        for i in range(len(y)):
            w.writerow([pre_names[i], dep_names[i], int(y[i]), f"{prob[i]:.6f}", int(pred[i]),
                        f"{threshold:.6f}", int(fl["in_train"][i]), int(fl["reversed_positive"][i]),
                        int(fl["self_pair"][i])])
    return out


def config_for(ds: str, mode: str, args) -> PairConfig:
    # LectureBank: the training negative file covers 175 of the 322 topics (ids <= 291)
    # while the test negatives are spread over all of them, so negatives (training and
    # validation) are sampled uniformly from non-positive pairs instead ("uniform" beat
    # "mixed" on validation AUC of fold 0, .905 vs .887). University Course: the given
    # negatives (self pairs, reversed positives, random pairs) are drawn like the test ones,
    # and half of each epoch's negatives are uniform non-positives ("mixed" beat "given" on
    # validation of fold 0: AUC .919 vs .901, F1 .829 vs .819).
    return PairConfig(mode=PAIR_MODE[mode], val_balance=(ds == "lb2"), ensemble=args.ensemble,
                      neg_sampling="uniform" if ds == "lb2" else "mixed",
                      epochs=args.epochs, seed=args.seed, hidden=args.hidden, layers=args.layers,
                      conv=args.conv, dropout=args.dropout, msg_keep=args.msg_keep, lr=args.lr)


_GRAPHS: dict = {}


def _task(job):
    """One (dataset, mode, fold) run; graphs are loaded once per process."""
    (ds, mode, k), args = job
    _use_pred_dir(args)
    import torch
    torch.set_num_threads(args.threads)
    if ds not in _GRAPHS:
        from kg.embeddings import embed
        t0 = time.perf_counter()
        graph, folds, info = {"uc": load_uc, "lb2": load_lb2}[ds](embed)
        info["load_s"] = round(time.perf_counter() - t0, 1)
        _GRAPHS[ds] = graph, folds, info
    graph, folds, info = _GRAPHS[ds]
    r = run_fold(ds, graph, folds[k], config_for(ds, mode, args), mode)
    print(f"  done {ds} {mode} fold {k}: F1 {r['all'][2]:.3f} ({r['fit_s']:.0f}s)", flush=True)
    return info, r


def _use_pred_dir(args) -> None:
    """Where prediction files go: ``--pred-dir``; with ``--no-write`` a scratch folder, so
    that a trial run never overwrites the recorded predictions."""
    global PRED_DIR
    if args.no_write and not args.pred_dir:
        import tempfile
        args.pred_dir = tempfile.mkdtemp(prefix="kgstudio-prereq-")
    if args.pred_dir:
        PRED_DIR = Path(args.pred_dir)


def mean(xs):
    return float(np.mean(xs)) if xs else float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["uc", "lb2"], choices=["uc", "lb2"])
    ap.add_argument("--modes", nargs="+", default=list(TRAINED), choices=list(TRAINED),
                    help="modes to train (mode both is blended from text and graph); modes not "
                         "trained in this run are taken from the per-fold results in prereq.json")
    ap.add_argument("--folds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--ensemble", type=int, default=1, help="models per fold (seeds), averaged")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    d = PairConfig()
    ap.add_argument("--hidden", type=int, default=d.hidden)
    ap.add_argument("--layers", type=int, default=d.layers)
    ap.add_argument("--conv", default=d.conv, choices=["sage", "gat"])
    ap.add_argument("--dropout", type=float, default=d.dropout)
    ap.add_argument("--msg-keep", type=float, default=d.msg_keep)
    ap.add_argument("--lr", type=float, default=d.lr)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: these graphs are small, and more threads on a busy "
                         "machine made each epoch 20x slower here)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel worker processes")
    ap.add_argument("--quick", action="store_true", help="fold 0, one model, modes text + graph (+ both)")
    ap.add_argument("--no-write", action="store_true",
                    help="do not write prereq.json (prediction files go to a scratch folder)")
    ap.add_argument("--pred-dir", default=None, help="folder for prediction files "
                    "(default: results/prereq, or a scratch folder with --no-write)")
    ap.add_argument("--rescore", action="store_true",
                    help="recompute tables and metrics from prereq.json's per-fold results")
    args = ap.parse_args(argv)
    _use_pred_dir(args)
    if args.rescore:
        return rescore(not args.no_write)
    if args.quick:
        args.folds, args.ensemble, args.modes = [0], 1, ["text", "graph"]
    results: dict = {}
    infos = {}
    t_all = time.perf_counter()
    tasks = [(ds, mode, k) for ds in args.datasets for mode in args.modes for k in args.folds]
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing as mp
        with ProcessPoolExecutor(args.jobs, mp_context=mp.get_context("spawn")) as ex:
            outs = list(ex.map(_task, [(t, args) for t in tasks]))
    else:
        outs = [_task((t, args)) for t in tasks]
    for (ds, mode, k), (info, r) in zip(tasks, outs):
        infos[ds] = info
        results.setdefault(ds, {}).setdefault(mode, []).append(r)
        print(f"  {ds} {mode:5s} fold {k}: P {r['all'][0]:.3f} R {r['all'][1]:.3f} "
              f"F1 {r['all'][2]:.3f} | leak-free F1 {r['leakfree'][2]:.3f} | val F1 "
              f"{r['val_f1']:.3f} AUC {r['val_auc']:.3f} | thr {r['threshold']:.3f} | "
              f"{r['fit_s']:.1f}s epochs {r['epochs']}", flush=True)
    for ds in infos:
        print(f"{ds}: {infos[ds]}")
    cfgs = {ds: {m: config_for(ds, m, args).__dict__ for m in results[ds]} for ds in results}
    old = _old_per_fold()
    for ds in results:
        for mode in TRAINED:                       # modes not trained now: the last run's
            if mode not in results[ds] and (ds, mode) in old:
                results[ds][mode], cfgs[ds][mode] = old[(ds, mode)]
                print(f"  {ds} {mode}: per-fold results of the previous run (not retrained)")
        if "text" in args.modes and "graph" in args.modes:
            results[ds]["both"] = [fuse_fold(ds, k) for k in args.folds]
            cfgs[ds]["both"] = {"mode": "blend of text and graph", "alphas": ALPHAS.tolist(),
                                "choice": "validation AUC (ties: larger text weight); threshold: "
                                          "validation F1"}
            for k, r in zip(args.folds, results[ds]["both"]):
                print(f"  {ds} both  fold {k}: text weight {r['alpha']:.2f} F1 {r['all'][2]:.3f} "
                      f"| val F1 {r['val_f1']:.3f} AUC {r['val_auc']:.3f}", flush=True)
    summarize(results, infos, args.folds, cfgs, write=not args.no_write)
    print(f"\ntotal {time.perf_counter() - t_all:.0f}s")


def _old_per_fold() -> dict:
    """``{(ds, mode): (fold results, config)}`` of the last run in prereq.json; the old
    joint model (recorded as mode "both" before the blend existed) is read as "joint"."""
    f = RESULTS / "prereq.json"
    if not f.exists():
        return {}
    data = json.loads(f.read_text())
    out = {}
    for key, rs in data.get("per_fold", {}).items():
        ds, mode = key.split("_", 1)
        cfg = data.get("config", {}).get(ds, {}).get(mode, {})
        if mode == "both" and cfg.get("mode") == "both":
            mode = "joint"
        if mode in TRAINED:
            out[(ds, mode)] = (rs, cfg)
    return out


def select_by_validation(by_mode: dict) -> list[dict]:
    """Per fold, the result of the mode with the best validation F1 (ties: validation AUC).

    Only validation scores decide; the list holds the chosen fold results, each with a
    ``mode`` entry.
    """
    modes = [m for m in MODES if m in by_mode]
    out = []
    for i in range(min(len(by_mode[m]) for m in modes)):
        best = max(modes, key=lambda m: (by_mode[m][i]["val_f1"], by_mode[m][i]["val_auc"]))
        out.append(dict(by_mode[best][i], mode=best))
    return out


def summarize(results: dict, infos: dict, folds: list[int], cfgs: dict, *, write: bool = True) -> dict:
    """Metrics and tables from per-fold results ``{ds: {mode: [fold result, ...]}}``."""
    for ds in list(results):
        if all(m in results[ds] for m in MODES):
            results[ds]["valsel"] = select_by_validation(results[ds])
    metrics: dict = {}
    per_fold: dict = {}
    for ds, by_mode in results.items():
        for mode, rs in by_mode.items():
            key = ds if mode == "both" else f"{ds}_{mode}"
            if mode == "valsel":
                metrics[f"{ds}_valsel_modes"] = ",".join(r["mode"] for r in rs)
            for j, name in enumerate(("precision", "recall", "f1")):
                metrics[f"{key}_{name}"] = round(mean([r["all"][j] for r in rs]), 4)
            metrics[f"{key}_f1_leakfree"] = round(mean([r["leakfree"][2] for r in rs]), 4)
            metrics[f"{key}_precision_leakfree"] = round(mean([r["leakfree"][0] for r in rs]), 4)
            metrics[f"{key}_recall_leakfree"] = round(mean([r["leakfree"][1] for r in rs]), 4)
            metrics[f"{key}_f1_leakfree_norev"] = round(mean([r["leakfree_norev"][2] for r in rs]), 4)
            per_fold[f"{ds}_{mode}"] = rs
    # Timings of the teacher (epoch_s_*, synthetic_*) and the OpenStax results
    # (openstax_*) are measured by the teacher's own benchmarks (teacher_speed.py,
    # prereq_openstax.py) and merged into this file; keep them and their sections.
    old = RESULTS / "prereq.json"
    kept: dict = {}
    if old.exists():
        try:
            prev = json.loads(old.read_text())
            for k, v in prev["metrics"].items():
                if not k.startswith(("uc_", "lb2_")):
                    metrics[k] = v
            kept = {k: prev[k] for k in ("teacher_speed", "openstax") if k in prev}
        except (ValueError, KeyError):
            pass

    # --- tables
    rows = []
    for ds in results:
        for mode in MODES + ("valsel",):
            rs = results[ds].get(mode)
            if not rs:
                continue
            rev = sum(r["n_reversed_positive"] for r in rs)
            rows.append([ds, mode, f"{mean([r['all'][0] for r in rs]):.3f}",
                         f"{mean([r['all'][1] for r in rs]):.3f}", f"{mean([r['all'][2] for r in rs]):.3f}",
                         f"{mean([r['leakfree'][2] for r in rs]):.3f}",
                         f"{mean([r['leakfree_norev'][2] for r in rs]):.3f}",
                         f"{sum(r['n_in_train'] for r in rs)}",
                         f"{sum(r['reversed_correct'] for r in rs)}/{rev}",
                         f"{mean([r['val_f1'] for r in rs]):.3f}"])
    print("\nOurs (mean over folds " + ",".join(map(str, folds)) + "; test rows dropped / reversed "
          "negatives right are summed over folds; valsel = per fold the mode with the best "
          "validation F1):")
    print(table(rows, ["data", "mode", "P", "R", "F1", "F1 leak-free", "F1 leak-free no-rev",
                       "rows in train", "rev-neg right", "val F1"]))
    if "uc" in results and "both" in results["uc"]:
        rs = results["uc"]["both"]
        pub = [[m, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"] for m, p, r, f in PUBLISHED_UC_PREREQ]
        for label, key in (("ours (both)", "uc"), ("ours (text only)", "uc_text"),
                           ("ours (graph only)", "uc_graph"), ("ours (mode chosen on validation)", "uc_valsel")):
            if f"{key}_f1" in metrics:
                pub.append([label] + [f"{metrics[f'{key}_{k}']:.3f}" for k in ("precision", "recall", "f1")])
        print("\nUniversity Course, PREREQ 5-fold files (same protocol as ours):")
        print(table(pub, ["method", "P", "R", "F1"]))
    sec = [[m, "/".join(f"{x:.3f}" for x in lb), "/".join(f"{x:.3f}" for x in uc)]
           for m, lb, uc in PUBLISHED_SECONDARY]
    for label, suffix in (("ours (both)", ""), ("ours (mode chosen on validation)", "_valsel")):
        sec.append([label] + ["/".join(f"{metrics.get(f'{ds}{suffix}_{k}', float('nan')):.3f}"
                                       for k in ("precision", "recall", "f1")) for ds in ("lb2", "uc")])
    print("\nSecondary table (Zhang et al. 2025, Table I; each row under its source's own protocol, "
          "not directly comparable), P/R/F1:")
    print(table(sec, ["method", "LectureBank", "University Courses"]))
    if write:
        out = write_results("prereq", metrics, extra={"data": infos, "folds": folds,
                                                      "config": cfgs, "per_fold": per_fold, **kept})
        print(f"wrote {out} and {PRED_DIR}/")
    return metrics


def rescore(write: bool) -> dict:
    """Tables and metrics again from the per-fold results kept in prereq.json (no training)."""
    data = json.loads((RESULTS / "prereq.json").read_text())
    results: dict = {}
    for key, rs in data["per_fold"].items():
        ds, mode = key.split("_", 1)
        if mode != "valsel":
            results.setdefault(ds, {})[mode] = rs
    return summarize(results, data.get("data", {}), data.get("folds", []), data.get("config", {}),
                     write=write)


if __name__ == "__main__":
    main()
