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
(required keys ``uc_precision/_recall/_f1/...``, ``lb2_*``) is the mode with the best mean
validation F1 over the folds (``<ds>_chosen_mode``; every mode's ``<ds>_<mode>_val_f1`` is
the validation ablation table); ``<ds>_<mode>_*`` keep each mode's own test scores,
``<ds>_textonly_f1`` is the text-only mode (``text`` or ``plain``) validation prefers, and
``valsel`` (``uc_valsel_*``) takes, per fold, the mode with the best validation F1.

Plain scikit-learn modes (issue 14; :func:`run_sk_fold`, one ``MLPClassifier(256)`` per fold,
sklearn defaults, float32, the same folds and the same validation pairs as the torch modes,
:func:`carve_validation`): ``plain`` on the MiniLM pair features ``[e_u, e_v, e_u*e_v,
|e_u-e_v|]`` only -- the baseline every prerequisite benchmark carries -- and ``sk_*`` with
graph evidence beside them (``SK_MODES``): ``refd`` (RefD over the documents that mention
the concepts plus name containment, :func:`gnn.pairs.refd_features`,
:func:`gnn.pairs.name_containment`), ``order`` (first/mean position in reading order of
the documents that mention each concept -- course level and depth in the course
prerequisite graph for University Course, place of the lecture in its course for
LectureBank -- and the pair priors above), ``known`` (transitivity/acyclicity counts and
degrees in the training prerequisites, :func:`gnn.pairs.known_graph_features`, a training
pair's own edge left out). Their validation scores also fit a
:class:`gnn.calibration.Calibrator` (``<ds>_<mode>_ece``: expected calibration error of the
calibrated test probabilities, ``_ece_raw`` before; ``<ds>_ece`` for the chosen mode).
``text_ev`` blends the torch ``text`` mode with ``sk_graph_only`` like ``both`` (weight by
validation AUC). ``--active`` runs the simulated reviews (:func:`active_fold`, keys
``al_*``). Every fold's result is also written at once to ``<ds>_<mode>_fold<k>.json``, so
``--collect --modes ...`` can summarize runs made in pieces (and blends whose parts'
``.npz`` files are all there).

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

Issue 14, second round: ``ev_all`` (:func:`run_ev_fold`, ``EV_MODES``) is the torch text MLP
with every evidence block -- ``refd``, ``order``, ``known`` and ``simedge``
(:func:`gnn.pairs.similar_edge_features`: similar known prerequisites, nearest-neighbour
votes) -- in its decoder, read from per-fold tables of all ordered pairs
(:func:`evidence_table`); ``lr_*`` are logistic regressions on one block each and on all
(``lr_ev``), the cheap feature ablation; blends ``text_lr`` (``text`` + ``lr_ev``) and
``ev_lr`` (``ev_all`` + ``lr_ev``) as ``both``. ``--fresh`` keeps only what the run trains.
``--heldout lbcd_cv lbcd_bio`` then runs the settings chosen on the main sets' validation
(:func:`settings_choice`) and ``plain`` once on LectureBankCD (:func:`load_lbcd`; keys
``lbcd_<dom>_*``), a set nothing was tuned on; ``--with-active`` adds the simulated reviews.

Issue 14, third round: ``--val-group`` carves University Course validation by unordered pair
(:attr:`gnn.pairs.PairConfig.val_group`), as its files are built, so validation negatives are
as hard as test ones. Every evidence mode keeps three test-time *evidence variants*
(:data:`VARIANTS`: test pairs reading subsamples of the training positives as large as the fit
table, the fit table, or all of them -- the older asymmetric rule), all fitted and judged on the
leak-free validation fit-table scores out of fold (:func:`variant_results`,
:func:`gnn.calibration.crossfit`), so validation ties them and the symmetric ``sub`` is taken;
the better out-of-fold validation F1 picks the threshold rule (best-F1 threshold or calibrated
probability >= 0.5, :func:`choose_variant`), and the headline mode is the best mean
*out-of-fold* validation F1 (``<ds>_<mode>_val_f1_sel``). ``closure`` evidence (:func:`gnn.pairs.closure_table`, chains of
any length) adds modes ``lr_closure``, ``lr_known_cl``, ``lr_ev_cl``, ``ev_cl`` and the blend
``evcl_lr``. ``--antisym MODE ...`` is the antisymmetry ablation (no training);
``--active --al-seeds N`` runs the simulated reviews with every strategy of
:mod:`gnn.active` over N labelled seeds (mean and sd).

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

Recorded run (2026-12-07, about 25 minutes on 2 shared cores): ``benchmarks/README.md``,
issue-14 subsection. Run: ``.venv/bin/python benchmarks/prereq.py`` (``--quick``: fold 0, one model, modes text,
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

# Per dataset, what the evidence blocks of the sk_* modes read (filled by the loaders):
# "mention" (concepts x documents, 0/1), "doc_pos" (documents x K reading-order positions in
# [0, 1], NaN unknown), "names" (concept texts).
EVIDENCE: dict[str, dict] = {}

DATA = SHARED / "data" / "prereq"
PRED_DIR = RESULTS / "prereq"
# Plain scikit-learn classifiers on pair features (``run_sk_fold``): ``plain`` is the text
# baseline of issue 14 (MLPClassifier(256) on [e_u, e_v, e_u*e_v, |e_u-e_v|]); the others add
# graph evidence blocks beside the text (gnn.pairs: refd_features + name_containment,
# order_features + the dataset's pair priors, known_graph_features).
SK_MODES = {"plain": ("text",), "sk_refd": ("text", "refd"), "sk_order": ("text", "order"),
            "sk_known": ("text", "known"), "sk_graph": ("text", "refd", "order", "known"),
            "sk_graph_only": ("refd", "order", "known"),
            "sk_all": ("text", "refd", "order", "known", "simedge"),
            # logistic regression on one evidence block (the cheap ablation) or all of them
            "lr_refd": ("refd",), "lr_order": ("order",), "lr_known": ("known",),
            "lr_simedge": ("simedge",), "lr_ev": ("refd", "order", "known", "simedge"),
            # issue 14, third round: chains of any length in the known graph (closure_table)
            "lr_closure": ("closure",), "lr_known_cl": ("known", "closure"),
            "lr_ev_cl": ("refd", "order", "known", "simedge", "closure")}
LR_MODES = ("lr_refd", "lr_order", "lr_known", "lr_simedge", "lr_ev", "lr_closure", "lr_known_cl", "lr_ev_cl")
# Late fusions (not trained; :func:`fuse_fold`): "both" blends the torch text and graph
# modes, "text_ev" the torch text mode and the graph evidence alone (sk_graph_only).
BLENDS = {"both": ("text", "graph"), "text_ev": ("text", "sk_graph_only"), "text_lr": ("text", "lr_ev"),
          "ev_lr": ("ev_all", "lr_ev"), "evcl_lr": ("ev_cl", "lr_ev_cl")}
# The torch text MLP with pair evidence in its decoder (:func:`run_ev_fold`).
EV_MODES = {"ev_known": ("known",), "ev_all": ("refd", "order", "known", "simedge"),
            "ev_nosim": ("refd", "order", "known"), "ev_cl": ("refd", "order", "known", "simedge", "closure")}
MODES = ("text", "graph", "joint", "both") + tuple(SK_MODES) + tuple(EV_MODES) + ("text_ev", "text_lr", "ev_lr",
                                                                                 "evcl_lr")
TRAINED = ("text", "graph", "joint") + tuple(SK_MODES) + tuple(EV_MODES)
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
    EVIDENCE["uc"] = {"mention": m, "doc_pos": course_positions([cid for cid, _ in courses], creq),
                      "names": texts}
    graph = ConceptGraph(
        names=names, text=embed(texts), aux_nodes={"course": embed(cdesc)},
        aux_edges={("course", "mentions", CONCEPT_T): men, ("course", "requires", "course"): creq},
        pair_priors=priors)
    info = {"concepts": n, "courses": nc, "course_edges": int(creq.shape[1]),
            "mentions": int(men.shape[1]), "concepts_mentioned": int(len(set(men[1].tolist())))}
    return graph, folds, info



def course_positions(course_ids: list[str], creq: np.ndarray) -> np.ndarray:
    """``(C, 2)`` reading-order positions of courses in [0, 1]: the level in the course
    number (first digit of its last number: ``cmu_15-221`` -> 2, ``msu_CSE 476`` -> 4, / 9)
    and the depth in the course-prerequisite graph (longest chain of prerequisites below
    it, relaxed 20 times so cycles stay bounded, / the largest depth)."""
    lvl = np.full(len(course_ids), np.nan)
    for i, cid in enumerate(course_ids):
        nums = re.findall(r"\d+", cid.split("_", 1)[-1])
        if nums:
            lvl[i] = min(int(nums[-1][0]), 9) / 9.0
    depth = np.zeros(len(course_ids))
    if creq.size:
        for _ in range(20):
            new = depth.copy()
            np.maximum.at(new, creq[1], depth[creq[0]] + 1)
            if np.array_equal(new, depth):
                break
            depth = np.minimum(new, 20)
    depth = depth / max(depth.max(), 1.0)
    return np.stack([lvl, depth], axis=1)


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
    pos = np.full((nl, 1), np.nan)                       # place of the lecture in its course
    for members in groups.values():
        if len(members) > 1:
            for x, a in enumerate(sorted(members)):
                pos[a, 0] = x / (len(members) - 1)
    EVIDENCE["lb2"] = {"mention": m, "doc_pos": pos, "names": names}
    graph = ConceptGraph(
        names=names, text=embed(names), aux_nodes={"lecture": embed(titles)},
        aux_edges={("lecture", "mentions", CONCEPT_T): men,
                   ("lecture", "next", "lecture"): np.array(nxt, dtype=np.int64).T.reshape(2, -1)},
        pair_priors=priors)
    info = {"topics": n, "lectures": nl, "mentions": int(men.shape[1]),
            "topics_mentioned": int(len(set(men[1].tolist()))), "next_edges": len(nxt)}
    return graph, folds, info


def load_lbcd(dom: str, embed) -> tuple[ConceptGraph, list[Fold], dict]:
    """LectureBankCD domain ``dom`` ("CV" or "BIO"), the **held-aside** set: topics, the
    published 5 folds (``train``+``val`` files as training pairs, our own validation carve-out
    as on the other sets; ``test`` files only scored), resources (titles) as documents with
    the same mention matcher, reading order and pair priors as LectureBank 2.0 (a course =
    same year, author and venue, in file order)."""
    base = DATA / "lecturebank" / "lbcd" / dom
    topics = {}
    for line in open(base / f"{dom}.topics.tsv", encoding="utf-8"):
        if "\t" in line:
            i, name = line.rstrip("\n").split("\t", 1)
            topics[int(i) - 1] = name.strip()
    n = max(topics) + 1
    names = [topics.get(i, f"topic {i + 1}") for i in range(n)]

    def read(name):
        rows = [r for r in csv.reader(open(base / "folds" / name, newline="")) if len(r) == 3]
        return [(int(a) - 1, int(b) - 1) for a, b, _ in rows], [int(y) for *_, y in rows]

    folds = []
    for k in range(5):
        (trp, trl), (vap, val), (tep, tel) = (read(f"{part}.{k}.csv") for part in ("train", "val", "test"))
        folds.append(Fold(k, trp + vap, trl + val, tep, tel))
    rows = list(csv.reader(open(base / f"{dom}data.tsv", encoding="utf-8", newline=""), delimiter="\t"))[1:]
    rows = [r for r in rows if len(r) >= 6]
    titles = [r[0] for r in rows]
    men = mentions(names, titles)
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(r[2], r[3], r[5])].append(i)              # year, author, venue
    before, same = [], []
    nl = len(rows)
    pos = np.full((nl, 1), np.nan)
    for members in groups.values():
        for x, a in enumerate(members):
            before += [(a, b) for b in members[x + 1:]]
            same += [(a, b) for b in members]
            if len(members) > 1:
                pos[a, 0] = x / (len(members) - 1)
    m = _sparse(men[::-1], (n, nl))
    bmat = _sparse(np.array(before, dtype=np.int64).T.reshape(2, -1), (nl, nl))
    smat = _sparse(np.array(same, dtype=np.int64).T.reshape(2, -1), (nl, nl))
    priors = {"lecture_before": m @ bmat @ m.T, "same_course": m @ smat @ m.T}
    EVIDENCE[f"lbcd_{dom.lower()}"] = {"mention": m, "doc_pos": pos, "names": names}
    graph = ConceptGraph(names=names, text=embed(names), aux_nodes={"lecture": embed(titles)},
                         aux_edges={("lecture", "mentions", CONCEPT_T): men}, pair_priors=priors)
    info = {"topics": n, "resources": nl, "mentions": int(men.shape[1]),
            "topics_mentioned": int(len(set(men[1].tolist()))),
            "train_pairs": [int(len(f.train_labels)) for f in folds],
            "test_pairs": [int(len(f.test_labels)) for f in folds]}
    return graph, folds, info


HELDOUT = {"lbcd_cv": "CV", "lbcd_bio": "BIO"}
HELDOUT_PREFIXES = tuple(f"{h}_" for h in HELDOUT)


def load_dataset(ds: str, embed):
    if ds in HELDOUT:
        return load_lbcd(HELDOUT[ds], embed)
    return {"uc": load_uc, "lb2": load_lb2}[ds](embed)


def _load_note(end: bool = False) -> dict:
    """Machine load when the run starts (or ends): load average and CPU count."""
    import os
    la = os.getloadavg()
    key = "end" if end else "start"
    import datetime as _dt
    return {f"{key}_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            f"load_{key}": [round(x, 2) for x in la], "cpus": os.cpu_count()}


def settings_choice(metrics: dict) -> str:
    """The settings the held-aside sets get: the mode with the best mean validation F1 over
    the main data sets (each data set's mean over its folds), among modes run on all of them.
    Only validation scores decide."""
    dss = [ds for ds in ("uc", "lb2") if f"{ds}_chosen_mode" in metrics]
    cands = [m for m in MODES if all(f"{ds}_{m}_val_f1" in metrics for ds in dss)]
    if not cands:
        raise SystemExit("no mode was run on every main data set; nothing to carry to the held-aside sets")
    sel = [m for m in cands if all(f"{ds}_{m}_val_f1_sel" in metrics for ds in dss)]
    fkey = "val_f1_sel" if sel else "val_f1"
    return max(sel or cands, key=lambda m: (round(mean([metrics[f"{ds}_{m}_{fkey}"] for ds in dss]), 4),
                                            mean([metrics[f"{ds}_{m}_val_auc"] for ds in dss])))


def heldout_main(args, metrics: dict) -> dict:
    """Run the validation-chosen settings (:func:`settings_choice`) and the plain MLP once on
    each held-aside set: ``{ds: {mode: [fold results]}}`` plus the choice."""
    chosen = settings_choice(metrics)
    parts = list(BLENDS.get(chosen, (chosen,)))
    modes = list(dict.fromkeys(parts + ["plain"]))
    print(f"\nheld-aside sets {args.heldout}: settings chosen on validation: {chosen} (+ plain)", flush=True)
    tasks = [(ds, mode, k) for ds in args.heldout for mode in modes for k in args.folds]
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing as mp
        with ProcessPoolExecutor(args.jobs, mp_context=mp.get_context("spawn")) as ex:
            outs = list(ex.map(_task, [(t, args) for t in tasks]))
    else:
        outs = [_task((t, args)) for t in tasks]
    res: dict = {"chosen": chosen, "results": {}, "info": {}}
    for (ds, mode, k), (info, r) in zip(tasks, outs):
        res["info"][ds] = info
        res["results"].setdefault(ds, {}).setdefault(mode, []).append(r)
    for ds in args.heldout:
        if chosen in BLENDS:
            res["results"][ds][chosen] = [fuse_fold(ds, k, chosen) for k in args.folds]
    return res


def merge_heldout(held: dict, *, write: bool = True) -> dict:
    """Held-aside metrics ``<ds>_<mode>_*`` (chosen settings and plain) and
    ``<ds>_f1``/``<ds>_plain_f1``/``<ds>_ece``, merged into prereq.json."""
    f = RESULTS / "prereq.json"
    data = json.loads(f.read_text()) if f.exists() else {"metrics": {}}
    m = data["metrics"]
    rows = []
    for ds, by_mode in held["results"].items():
        by_mode = held["results"][ds] = select_variants(by_mode)
        for mode, rs in by_mode.items():
            key = f"{ds}_{mode}"
            for k in [k for k in m if k.startswith(key + "_var_")]:
                del m[k]
            if all("variant" in r for r in rs):
                m[f"{key}_variant"], m[f"{key}_threshold_rule"] = rs[0]["variant"], rs[0]["rule"]
                m[f"{key}_val_ece_oof"] = round(mean([r["val_ece_oof"] for r in rs]), 4)
                m.update(variant_metrics(key, rs))
            m[f"{key}_val_f1"] = round(mean([r["val_f1"] for r in rs]), 4)
            for j, name in enumerate(("precision", "recall", "f1")):
                m[f"{key}_{name}"] = round(mean([r["all"][j] for r in rs]), 4)
            if "ece" in rs[0]:
                m[f"{key}_ece"] = round(mean([r["ece"] for r in rs]), 4)
                m[f"{key}_ece_raw"] = round(mean([r["ece_raw"] for r in rs]), 4)
            data.setdefault("per_fold", {})[key] = rs
            rows.append([ds, mode + (" (chosen)" if mode == held["chosen"] else ""), f"{m[key + '_precision']:.3f}",
                         f"{m[key + '_recall']:.3f}", f"{m[key + '_f1']:.3f}", f"{m.get(key + '_ece', float('nan')):.3f}",
                         f"{m[key + '_val_f1']:.3f}"])
        c = f"{ds}_{held['chosen']}"
        m[f"{ds}_chosen_mode"] = held["chosen"]
        for name in ("precision", "recall", "f1", "ece", "ece_raw", "variant", "threshold_rule", "val_ece_oof"):
            if f"{c}_{name}" in m:
                m[f"{ds}_{name}"] = m[f"{c}_{name}"]
    data.setdefault("data", {}).update(held["info"])
    data["heldout"] = {"sets": list(held["results"]), "chosen": held["chosen"],
                       "rule": "settings_choice: best mean out-of-fold validation F1 over uc and lb2; run once"}
    print("\nHeld-aside sets (nothing tuned on them; evaluated once):")
    print(table(rows, ["data", "mode", "P", "R", "F1", "ECE", "val F1"]))
    if write:
        f.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return m


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


def carve_validation(ds: str, n: int, fold: Fold, cfg: PairConfig):
    """The validation carve-out of :meth:`gnn.pairs.PairClassifier.fit`, reproduced (same
    seed and rule), so the plain classifiers are chosen on the very validation pairs the
    torch modes were: ``(train_pairs, train_labels, val_pairs, val_labels)``."""
    from gnn.pairs import sample_negatives, split_validation
    pairs, labels = fold.train_pairs, fold.train_labels
    tr, va = split_validation(labels, cfg.val_frac, balance=cfg.val_balance, seed=cfg.seed,
                              pairs=pairs if cfg.val_group else None)
    vp, vl = pairs[va], labels[va]
    tp, tl = pairs[tr], labels[tr]
    if cfg.neg_sampling == "uniform":
        pos = vp[vl == 1]
        n_neg = len(pos) if cfg.val_balance else int((vl == 0).sum())
        vn = sample_negatives(n, n_neg, np.r_[tp[tl == 1], pos], np.random.default_rng(cfg.seed + 7))
        back = va[vl == 0]
        tp, tl = np.r_[tp, pairs[back]], np.r_[tl, labels[back]]
        vp, vl = np.r_[pos, vn], np.r_[np.ones(len(pos)), np.zeros(len(vn))].astype(np.int64)
    return tp, tl, vp, vl


def sk_training_set(ds: str, n: int, tp, tl, vp, vl, seed: int):
    """Training pairs of the plain classifiers: the fold's training positives, and as
    negatives what the torch modes sample (``config_for``): LectureBank uniform
    non-positive pairs, 4 per positive (its negative file covers 175 of 322 topics);
    University Course the file's negatives plus as many uniform ones ("mixed"). Drawn once.
    """
    from gnn.pairs import sample_negatives
    rng = np.random.default_rng(seed + 11)
    pos = tp[tl == 1]
    excl = np.r_[pos, vp[vl == 1]]
    if ds == "lb2":
        neg = sample_negatives(n, 4 * len(pos), excl, rng)
    else:
        given = tp[tl == 0]
        neg = np.r_[given, sample_negatives(n, len(given), excl, rng)]
    return np.r_[pos, neg], np.r_[np.ones(len(pos)), np.zeros(len(neg))].astype(np.int64)


def evidence_features(ds: str, graph: ConceptGraph, blocks, pairs, known_pos, *, training=False):
    """Feature matrix of ``pairs`` from the blocks (``SK_MODES``): ``(text, extra)`` with
    ``extra`` None when only text. ``known_pos``: the prerequisites known when these pairs
    are scored (training positives; for training pairs their own edge is left out of the
    degrees, ``training``)."""
    from gnn.pairs import (closure_features, known_graph_features, name_containment, order_features,
                           refd_features, similar_edge_features, text_pair_features)
    ev = EVIDENCE[ds]
    u, v = pairs[:, 0], pairs[:, 1]
    cols = []
    if "refd" in blocks:
        cols += [refd_features(ev["mention"], pairs), name_containment(ev["names"], pairs)]
    if "order" in blocks:
        cols.append(order_features(ev["mention"], ev["doc_pos"], pairs))
        for _, m in sorted(graph.pair_priors.items()):   # course flow / lecture-before counts
            cols.append(np.log1p(np.stack([np.asarray(m[u, v]).ravel(), np.asarray(m[v, u]).ravel()], 1)))
    if "known" in blocks:
        own = None
        if training:
            kp = {tuple(p) for p in known_pos.tolist()}
            own = np.array([tuple(p) in kp for p in pairs.tolist()])
        cols.append(known_graph_features(len(graph.names), known_pos, pairs, self_in_graph=own))
    if "simedge" in blocks:
        cols.append(similar_edge_features(np.asarray(graph.text, dtype=np.float32), known_pos, pairs))
    if "closure" in blocks:
        cols.append(closure_features(len(graph.names), known_pos, pairs))
    text = text_pair_features(np.asarray(graph.text, dtype=np.float32), pairs) if "text" in blocks else None
    extra = np.concatenate(cols, axis=1).astype(np.float32) if cols else None
    return text, extra


def evidence_table(ds: str, graph: ConceptGraph, blocks, known_pos) -> np.ndarray:
    """``(N, N, k)`` evidence of every ordered pair (:func:`evidence_features` without the
    text block) given the known prerequisites ``known_pos``; a known pair's own edge is left
    out of its degrees, so it looks like a new pair."""
    n = len(graph.names)
    uu, vv = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    pairs = np.stack([uu.ravel(), vv.ravel()], axis=1)
    static = tuple(b for b in blocks if b in ("refd", "order"))       # known-independent: cached
    dynamic = tuple(b for b in blocks if b in ("known", "simedge", "closure"))
    parts = []
    if static:
        if (ds, static) not in _STATIC_TABLES:
            _STATIC_TABLES[(ds, static)] = evidence_features(ds, graph, static, pairs, known_pos)[1]
        parts.append(_STATIC_TABLES[(ds, static)])
    if dynamic:
        parts.append(evidence_features(ds, graph, dynamic, pairs, known_pos, training=True)[1])
    return np.concatenate(parts, axis=1).reshape(n, n, -1)


_STATIC_TABLES: dict = {}


def run_ev_fold(ds: str, graph: ConceptGraph, fold: Fold, cfg: PairConfig, mode: str) -> dict:
    """The torch text MLP (:class:`gnn.pairs.PairClassifier` mode ``"text"``, negatives
    resampled every epoch) with the pair evidence of ``EV_MODES[mode]`` in its decoder: the
    evidence of every pair is tabulated once from what is known while fitting (training
    positives minus the validation carve-out) and once from all training positives (for
    the test pairs). Validation, threshold and calibration as :func:`run_sk_fold`."""
    from gnn.calibration import Calibrator, ece
    t0 = time.perf_counter()
    blocks = EV_MODES[mode]
    tp, tl, vp, vl = carve_validation(ds, len(graph.names), fold, cfg)
    known_fit = tp[tl == 1]
    known_all = fold.train_pairs[fold.train_labels == 1]
    tables = (evidence_table(ds, graph, blocks, known_fit), evidence_table(ds, graph, blocks, known_all))
    table_s = time.perf_counter() - t0
    clf = PairClassifier(cfg).fit(graph, fold.train_pairs, fold.train_labels, evidence=tables)
    if not np.array_equal(clf.val_pairs, vp):
        raise RuntimeError(f"{ds} fold {fold.k}: the validation carve-out differs from carve_validation")
    prob = clf.predict_proba(fold.test_pairs)
    fl = flags(fold)
    # the evidence variants (VARIANTS): validation and test pairs read the fit table, the
    # predict table (all training positives; a validation positive's own edge is never read),
    # or N_SUB tables of subsamples of all training positives as large as the fit one, averaged
    val = {"fit": clf.val_scores, "all": clf.predict_proba(vp)}
    test = {"all": prob, "fit": clf.predict_proba(fold.test_pairs, evidence=tables[0])}
    # the reversed pairs' scores, fit table only (there no validation positive is a known edge,
    # so the reverse of a validation pair cannot read the pair's own edge): antisymmetry ablation
    rev = {"val_rev_fit": clf.predict_proba(vp[:, ::-1].copy(), evidence=tables[0]),
           "test_rev_fit": clf.predict_proba(fold.test_pairs[:, ::-1].copy(), evidence=tables[0])}
    val["sub"], test["sub"] = np.zeros(len(vp)), np.zeros(len(prob))
    for sub in subsamples(known_all, len(known_fit), cfg.seed + 31 + fold.k):
        st = evidence_table(ds, graph, blocks, sub)
        val["sub"] += clf.predict_proba(vp, evidence=st) / N_SUB
        test["sub"] += clf.predict_proba(fold.test_pairs, evidence=st) / N_SUB
    out = score_fold(ds, mode, fold.k, [graph.names[a] for a in fold.test_pairs[:, 0]],
                     [graph.names[b] for b in fold.test_pairs[:, 1]], fold.test_labels, prob,
                     clf.threshold, fl, extra=test)
    out["variants"] = variant_results(vl, val, fold.test_labels, test, fl, seed=cfg.seed + fold.k)
    cal = Calibrator("auto").fit(clf.val_scores, clf.val_labels)
    pc = cal.transform(prob)
    out.update(val_f1=clf.val_f1, val_auc=clf.val_auc, fit_s=time.perf_counter() - t0, table_s=table_s,
               epochs=[h[-1][0] for h in clf.history], test_auc=_auc_(fold.test_labels, prob),
               ece_raw=ece(prob, fold.test_labels), ece=ece(pc, fold.test_labels),
               ece_val_raw=ece(clf.val_scores, clf.val_labels), calibration=cal.fitted,
               n_evidence=int(tables[0].shape[2]))
    PRED_DIR.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(PRED_DIR / f"{ds}_{mode}_fold{fold.k}.npz", val_pairs=clf.val_pairs,
                        val_labels=clf.val_labels, val_scores=clf.val_scores, test_prob=prob,
                        test_prob_calibrated=pc, test_pairs=fold.test_pairs, test_labels=fold.test_labels,
                        val_scores_all=val["all"], val_scores_sub=val["sub"], test_prob_fit=test["fit"],
                        test_prob_sub=test["sub"], **rev, **{f"flag_{k}": v for k, v in fl.items()})
    return out


def _auc_(y, s) -> float:
    from gnn.pairs import _auc
    return _auc(y, s)


def _skip_reverse(blocks) -> bool:
    """Reversed-pair scores are kept for the modes the blends use (not the one-block ablations)."""
    return len(blocks) < 2


def run_sk_fold(ds: str, graph: ConceptGraph, fold: Fold, cfg: PairConfig, mode: str) -> dict:
    """One plain scikit-learn classifier (``MLPClassifier(256)``) on the pair features of
    ``SK_MODES[mode]``: fitted on the fold's training pairs minus the validation carve-out,
    threshold (best F1) and calibrator (:class:`gnn.calibration.Calibrator`, auto) fitted
    on the validation pairs; the test pairs are only scored."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from gnn.calibration import Calibrator, ece
    from gnn.pairs import _auc, choose_threshold
    t0 = time.perf_counter()
    blocks = SK_MODES[mode]
    n = len(graph.names)
    tp, tl, vp, vl = carve_validation(ds, n, fold, cfg)
    xp, xl = sk_training_set(ds, n, tp, tl, vp, vl, cfg.seed)
    known_fit = tp[tl == 1]                                   # validation positives unknown
    known_test = np.r_[known_fit, vp[vl == 1]]                # at test time all are known

    def feats(pairs, known, training=False):
        return evidence_features(ds, graph, blocks, pairs, known, training=training)

    tx, ex = feats(xp, known_fit, training=True)
    scaler = StandardScaler().fit(ex) if ex is not None else None

    def mat(t, e):
        parts = ([t] if t is not None else []) + ([scaler.transform(e)] if e is not None else [])
        return np.concatenate(parts, axis=1).astype(np.float32)   # float32: half the time

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mode in LR_MODES:
            from sklearn.linear_model import LogisticRegression
            clf = LogisticRegression(C=1.0, max_iter=3000)
        else:
            clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=200, random_state=cfg.seed)
        clf.fit(mat(tx, ex), xl)
        nv = len(vp)
        both = np.r_[vp, fold.test_pairs]

        def score(known):     # validation and test pairs, evidence from ``known``, own edges unread
            s = clf.predict_proba(mat(*feats(both, known, training=True)))[:, 1]
            return s[:nv], s[nv:]

        vs, test_fit = score(known_fit)
        val_all, prob = score(known_test)
        rev = {}
        if not _skip_reverse(blocks):      # reversed pairs, fit table only (antisymmetry ablation)
            s_rev = clf.predict_proba(mat(*feats(both[:, ::-1], known_fit, training=True)))[:, 1]
            rev = {"val_rev_fit": s_rev[:nv], "test_rev_fit": s_rev[nv:]}
        val, test = {"fit": vs, "all": val_all}, {"all": prob, "fit": test_fit}
        if any(b in blocks for b in ("known", "simedge", "closure")):
            val["sub"], test["sub"] = np.zeros(nv), np.zeros(len(prob))
            for sub in subsamples(known_test, len(known_fit), cfg.seed + 31 + fold.k):
                a, b = score(sub)
                val["sub"] += a / N_SUB
                test["sub"] += b / N_SUB
        else:                 # no block reads the known graph: the variants are one
            val["sub"], test["sub"] = vs, prob
    thr = choose_threshold(vs, vl)
    fl = flags(fold)
    out = score_fold(ds, mode, fold.k, [graph.names[a] for a in fold.test_pairs[:, 0]],
                     [graph.names[b] for b in fold.test_pairs[:, 1]], fold.test_labels, prob, thr, fl,
                     extra=test)
    out["variants"] = variant_results(vl, val, fold.test_labels, test, fl, seed=cfg.seed + fold.k)
    cal = Calibrator("auto").fit(vs, vl)
    pc = cal.transform(prob)
    out.update(val_f1=prf(vl, vs >= thr)[2], val_auc=_auc(vl, vs), fit_s=time.perf_counter() - t0,
               epochs=[int(np.max(clf.n_iter_))], test_auc=_auc(fold.test_labels, prob),
               ece_raw=ece(prob, fold.test_labels), ece=ece(pc, fold.test_labels),
               ece_val_raw=ece(vs, vl), calibration=cal.fitted,
               n_train=int(len(xl)), n_val=int(len(vl)), n_features=int(mat(tx[:1] if tx is not None else None,
                                                                           ex[:1] if ex is not None else None).shape[1]))
    PRED_DIR.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(PRED_DIR / f"{ds}_{mode}_fold{fold.k}.npz", val_pairs=vp, val_labels=vl,
                        val_scores=vs, test_prob=prob, test_prob_calibrated=pc,
                        test_pairs=fold.test_pairs, test_labels=fold.test_labels,
                        val_scores_all=val["all"], val_scores_sub=val["sub"], test_prob_fit=test["fit"],
                        test_prob_sub=test["sub"], **rev, **{f"flag_{k}": v for k, v in fl.items()})
    return out


# ------------------------------------------------ symmetric evidence, calibration ---
#
# Issue 14, third round. A pair's evidence blocks ``known``/``simedge``/``closure`` read the
# known prerequisites. The model is fitted, and its validation pairs scored, with the
# training positives minus the validation carve-out known (the *fit* table, 85%); the test
# pairs were scored with all of them known (the *all* table), so test scores came from a
# denser graph than the scores the threshold and the calibrator were fitted on. Variants,
# each ``(scores the threshold/calibrator are fitted on, validation scores that stand for
# the test scores, test scores)``:
#   sub     test pairs read N_SUB random subsamples of the training positives as large as the
#           fit table (probabilities averaged): the density the model and its validation
#           pairs saw, and, as for validation pairs, none of the scored positives in the graph
#   fit     test pairs read the fit table itself (symmetric; 15% of the graph unused)
#   fitcal  test pairs read all training positives (the recorded rule, asymmetric)
# The only leak-free stand-in for test scores on validation is the fit-table score: scoring
# validation pairs from all training positives (tried first) lets a validation negative read
# the edge of a validation positive -- its own reverse, or a link of a chain -- which no test
# pair can (test positives are never in the graph), and flattered that variant. So every
# variant's threshold and calibrator are fitted on, and judged on, the validation fit-table
# scores: a cross-fitted calibrator (gnn.calibration.crossfit: 5 stratified folds, each scored
# by a calibrator fitted on the other four) gives out-of-fold validation ECE and log-loss, and
# the out-of-fold F1 of both threshold rules (best-F1 threshold, calibrated 0.5) picks the rule.
# Validation therefore cannot tell the variants apart; they are ranked a priori (the order of
# VARIANTS: symmetric first), and the test ECE of each is reported beside the choice.
VARIANTS = {"sub": ("fit", "fit", "sub"), "fit": ("fit", "fit", "fit"), "fitcal": ("fit", "fit", "all")}
N_SUB = 3
RULES = ("f1", "cal05")     # threshold: best validation F1 | calibrated probability >= 0.5


def subsamples(known: np.ndarray, size: int, seed: int, k: int = N_SUB) -> list[np.ndarray]:
    """``k`` random subsets of the known prerequisite pairs ``known`` (K, 2), ``size`` each."""
    rng = np.random.default_rng(seed)
    size = min(int(size), len(known))
    return [known[np.sort(rng.choice(len(known), size, replace=False))] for _ in range(k)]


def _strata(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(y), dtype=int)
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == c))
        fold[idx] = np.arange(len(idx)) % k
    return fold


def oof_threshold_pred(fit_scores, apply_scores, labels, *, cv: int = 5, seed: int = 0) -> np.ndarray:
    """0/1 decisions on ``apply_scores``, each pair's threshold chosen (best F1) on the other
    folds' ``fit_scores`` (the out-of-fold estimate of the threshold rule)."""
    from gnn.pairs import choose_threshold
    y = np.asarray(labels).astype(int)
    k = max(2, min(cv, int(y.sum()), int((1 - y).sum())))
    fold = _strata(y, k, seed)
    out = np.zeros(len(y), dtype=int)
    for f in range(k):
        tr, te = fold != f, fold == f
        out[te] = apply_scores[te] >= choose_threshold(fit_scores[tr], y[tr])
    return out


def variant_results(yv, val: dict, yt, test: dict, fl: dict, *, seed: int = 0, variants=None) -> dict:
    """Per evidence variant (:data:`VARIANTS`): threshold, validation F1/AUC, out-of-fold
    validation ECE and log-loss (cross-fitted calibrator), out-of-fold validation F1 of
    both threshold rules, and the test scores of both rules (P/R/F1 all rows, leak-free,
    leak-free without reversed negatives; ECE raw and calibrated). ``val``/``test``: score
    arrays by evidence ("fit", "all", "sub"). Test labels only score."""
    from gnn.calibration import Calibrator, crossfit, ece, log_loss
    from gnn.pairs import _auc, choose_threshold
    yv, yt = np.asarray(yv).astype(int), np.asarray(yt).astype(int)
    keep = ~fl["in_train"]
    keep2 = keep & ~fl["reversed_positive"]
    rev = fl["reversed_positive"]
    out = {}
    for name, (src, ana, tst) in (variants or VARIANTS).items():
        if src not in val or ana not in val or tst not in test:
            continue
        vs, va, pt = (np.clip(np.asarray(x, dtype=np.float64), 0, 1) for x in (val[src], val[ana], test[tst]))
        thr = choose_threshold(vs, yv)
        oof = crossfit(vs, yv, va, seed=seed)
        cal = Calibrator("auto").fit(vs, yv, seed=seed)
        pc = cal.transform(pt)
        r = {"threshold": float(thr), "val_f1": prf(yv, va >= thr)[2], "val_auc": _auc(yv, va),
             "val_ece": ece(oof, yv), "val_logloss": log_loss(oof, yv),
             "val_f1_oof": prf(yv, oof_threshold_pred(vs, va, yv, seed=seed))[2],
             "val_f1_cal05_oof": prf(yv, oof >= 0.5)[2],
             "val_f1_cal05": prf(yv, cal.transform(va) >= 0.5)[2],
             "ece_raw": ece(pt, yt), "ece": ece(pc, yt), "test_auc": _auc(yt, pt),
             "test_logloss": log_loss(pc, yt), "calibration": cal.fitted}
        for rule, pred in (("f1", (pt >= thr).astype(int)), ("cal05", (pc >= 0.5).astype(int))):
            sfx = "" if rule == "f1" else "_cal05"
            r["all" + sfx] = prf(yt, pred)
            r["leakfree" + sfx] = prf(yt[keep], pred[keep])
            r["leakfree_norev" + sfx] = prf(yt[keep2], pred[keep2])
            r["reversed_correct" + sfx] = int((pred[rev] == 0).sum())
        out[name] = r
    return out


def choose_variant(rs: list[dict]) -> tuple[str, str] | None:
    """``(variant, rule)`` of one data set's mode from its fold results, on validation only:
    the variant with the lowest mean out-of-fold validation log-loss (ties: the order of
    :data:`VARIANTS`), then the threshold rule with the better mean out-of-fold validation
    F1 (ties: "f1", the recorded rule). None when a fold has no variants (older results)."""
    if not rs or not all("variants" in r for r in rs):
        return None
    names = [v for v in VARIANTS if all(v in r["variants"] for r in rs)]
    if not names:
        return None
    var = min(names, key=lambda v: (round(mean([r["variants"][v]["val_logloss"] for r in rs]), 5),
                                    names.index(v)))
    f1 = mean([r["variants"][var]["val_f1_oof"] for r in rs])
    c05 = mean([r["variants"][var]["val_f1_cal05_oof"] for r in rs])
    return var, ("cal05" if round(c05, 4) > round(f1, 4) else "f1")


def apply_variant(r: dict, variant: str, rule: str = "f1") -> dict:
    """A fold result whose headline fields (threshold, validation F1/AUC, P/R/F1, ECE) are
    those of ``variant`` and threshold ``rule``; the recorded ones stay under ``variants``."""
    v = r["variants"][variant]
    sfx = "" if rule == "f1" else "_cal05"
    out = dict(r, variant=variant, rule=rule, threshold=v["threshold"] if rule == "f1" else None,
               val_f1=v["val_f1"] if rule == "f1" else v["val_f1_cal05"], val_auc=v["val_auc"],
               val_f1_sel=v["val_f1_oof"] if rule == "f1" else v["val_f1_cal05_oof"],
               ece=v["ece"], ece_raw=v["ece_raw"], calibration=v["calibration"],
               val_ece_oof=v["val_ece"], val_logloss_oof=v["val_logloss"])
    for f in ("all", "leakfree", "leakfree_norev", "reversed_correct"):
        out[f] = v[f + sfx]
    return out


GAMMAS = (0.0, 0.5, 1.0, 2.0)


def antisym_ablation(ds: str, modes, folds) -> dict:
    """Antisymmetry ablation (fit-table evidence, where the reverse of a validation pair
    never reads the pair's own edge): ``s' = s(u, v) * (1 - s(v, u))**gamma`` -- a pair whose
    reverse also looks like a prerequisite is marked down. ``gamma`` (grid :data:`GAMMAS`)
    chosen per mode by the mean out-of-fold validation F1 (threshold chosen on the other
    validation folds); the test F1 of every gamma is reported beside it, not used."""
    from gnn.pairs import _auc, choose_threshold
    out = {}
    for mode in modes:
        parts = BLENDS.get(mode, (mode,))
        files = [[np.load(PRED_DIR / f"{ds}_{m}_fold{k}.npz") for m in parts] for k in folds]
        if not all("val_rev_fit" in z.files for zs in files for z in zs):
            continue
        rows = {}
        for g in GAMMAS:
            vf, vo, va, tf = [], [], [], []
            for k, zs in zip(folds, files):
                if len(zs) == 2:          # a blend: the fit-variant weight, as fuse_fold chooses it
                    t, h = zs
                    yv = t["val_labels"]
                    a = max(ALPHAS, key=lambda a: (round(_auc(yv, a * t["val_scores"] + (1 - a) * h["val_scores"]), 6), a))
                    mix = {f: a * t[f] + (1 - a) * h[f] for f in ("val_scores", "val_rev_fit", "test_prob_fit", "test_rev_fit")}
                else:
                    t = zs[0]
                    yv = t["val_labels"]
                    mix = {f: t[f] for f in ("val_scores", "val_rev_fit", "test_prob_fit", "test_rev_fit")}
                vs = mix["val_scores"] * (1 - mix["val_rev_fit"]) ** g
                ts = mix["test_prob_fit"] * (1 - mix["test_rev_fit"]) ** g
                thr = choose_threshold(vs, yv)
                vf.append(prf(yv, vs >= thr)[2])
                vo.append(prf(yv, oof_threshold_pred(vs, vs, yv, seed=k))[2])
                va.append(_auc(yv, vs))
                tf.append(prf(t["test_labels"], ts >= thr)[2])
            rows[str(g)] = {"val_f1": round(mean(vf), 4), "val_f1_oof": round(mean(vo), 4),
                            "val_auc": round(mean(va), 4), "test_f1": round(mean(tf), 4)}
        best = max(GAMMAS, key=lambda g: (rows[str(g)]["val_f1_oof"], -g))
        out[mode] = {"gammas": rows, "chosen_gamma": best, "test_f1_chosen": rows[str(best)]["test_f1"]}
    return out


def fuse_fold(ds: str, k: int, mode: str = "both") -> dict:
    """Blend ``mode`` (:data:`BLENDS`) of fold ``k``, e.g. "both": ``p = a * p_text + (1 - a) * p_graph``, with the weight
    ``a`` (grid :data:`ALPHAS`; best validation AUC, ties to the larger ``a``) and the
    threshold (best validation F1) chosen on the validation pairs both classifiers were
    fitted with (the same carve-out: same seed and split rule, checked). Test labels are
    only read to score."""
    from gnn.pairs import _auc, choose_threshold
    first, second = BLENDS[mode]
    t, g = (np.load(PRED_DIR / f"{ds}_{m}_fold{k}.npz") for m in (first, second))
    if not (np.array_equal(t["val_pairs"], g["val_pairs"]) and np.array_equal(t["test_pairs"], g["test_pairs"])):
        raise RuntimeError(f"{ds} fold {k}: {first} and {second} runs used different validation pairs")
    yv = t["val_labels"]
    best = max(ALPHAS, key=lambda a: (round(_auc(yv, a * t["val_scores"] + (1 - a) * g["val_scores"]), 6), a))
    vs = best * t["val_scores"] + (1 - best) * g["val_scores"]
    thr = choose_threshold(vs, yv)
    prob = best * t["test_prob"] + (1 - best) * g["test_prob"]
    fl = {n: t[f"flag_{n}"] for n in ("in_train", "reversed_positive", "self_pair")}
    with open(PRED_DIR / f"{ds}_{first}_fold{k}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = score_fold(ds, mode, k, [r["prerequisite"] for r in rows], [r["dependent"] for r in rows],
                     t["test_labels"], prob, thr, fl)
    out.update(val_f1=prf(yv, vs >= thr)[2], val_auc=_auc(yv, vs), alpha=float(best), fit_s=0.0,
               epochs=[])
    from gnn.calibration import Calibrator, ece
    cal = Calibrator("auto").fit(np.clip(vs, 0, 1), yv)
    out.update(ece_raw=ece(np.clip(prob, 0, 1), t["test_labels"]),
               ece=ece(cal.transform(np.clip(prob, 0, 1)), t["test_labels"]), calibration=cal.fitted)
    if all(f in z.files for z in (t, g) for f in ("val_scores_all", "val_scores_sub", "test_prob_fit",
                                                  "test_prob_sub")):
        vals = {"fit": (t["val_scores"], g["val_scores"]), "all": (t["val_scores_all"], g["val_scores_all"]),
                "sub": (t["val_scores_sub"], g["val_scores_sub"])}
        tests = {"all": (t["test_prob"], g["test_prob"]), "fit": (t["test_prob_fit"], g["test_prob_fit"]),
                 "sub": (t["test_prob_sub"], g["test_prob_sub"])}
        out["variants"] = {}
        for name, (src, _ana, _tst) in VARIANTS.items():     # the weight chosen on the variant's own scores
            a = max(ALPHAS, key=lambda a: (round(_auc(yv, a * vals[src][0] + (1 - a) * vals[src][1]), 6), a))
            v = {e: a * x + (1 - a) * y for e, (x, y) in vals.items()}
            te = {e: a * x + (1 - a) * y for e, (x, y) in tests.items()}
            res = variant_results(yv, v, t["test_labels"], te, fl, seed=k, variants={name: VARIANTS[name]})
            out["variants"][name] = dict(res[name], alpha=float(a))
    return out


def score_fold(ds, mode, k, pre_names, dep_names, y, prob, threshold, fl, extra=None) -> dict:
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
        more = sorted(k for k in (extra or {}) if k != "all")   # other evidence variants' probabilities
        w.writerow(["prerequisite", "dependent", "label", "prob", "pred", "threshold",
                    "in_train", "reversed_positive", "self_pair"] + [f"prob_{m}" for m in more])
        for i in range(len(y)):
            w.writerow([pre_names[i], dep_names[i], int(y[i]), f"{prob[i]:.6f}", int(pred[i]),
                        f"{threshold:.6f}", int(fl["in_train"][i]), int(fl["reversed_positive"][i]),
                        int(fl["self_pair"][i])] + [f"{extra[m][i]:.6f}" for m in more])
    return out


def config_for(ds: str, mode: str, args) -> PairConfig:
    # LectureBank: the training negative file covers 175 of the 322 topics (ids <= 291)
    # while the test negatives are spread over all of them, so negatives (training and
    # validation) are sampled uniformly from non-positive pairs instead ("uniform" beat
    # "mixed" on validation AUC of fold 0, .905 vs .887). University Course: the given
    # negatives (self pairs, reversed positives, random pairs) are drawn like the test ones,
    # and half of each epoch's negatives are uniform non-positives ("mixed" beat "given" on
    # validation of fold 0: AUC .919 vs .901, F1 .829 vs .819).
    # LectureBankCD (held aside): given negatives drawn like the test ones ("mixed", the
    # University Course rule) and balanced test sets (balanced validation, the LectureBank rule).
    # --val-group (University Course): the validation carve-out keeps the rows of an unordered pair
    # together and holds no reverse of a training positive, as the published files do (12% of the
    # training file's negatives are reverses of its own positives; none of the test file's
    # negatives is the reverse of a training positive), so validation negatives are as hard as test ones.
    return PairConfig(mode=PAIR_MODE.get(mode, "text"), val_balance=(ds == "lb2" or ds in HELDOUT),
                      val_group=bool(getattr(args, "val_group", False)) and ds == "uc",
                      ensemble=args.ensemble,
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
        graph, folds, info = load_dataset(ds, embed)
        info["load_s"] = round(time.perf_counter() - t0, 1)
        _GRAPHS[ds] = graph, folds, info
    graph, folds, info = _GRAPHS[ds]
    run = run_sk_fold if mode in SK_MODES else run_ev_fold if mode in EV_MODES else run_fold
    r = run(ds, graph, folds[k], config_for(ds, mode, args), mode)
    print(f"  done {ds} {mode} fold {k}: F1 {r['all'][2]:.3f} ({r['fit_s']:.0f}s)", flush=True)
    PRED_DIR.mkdir(parents=True, exist_ok=True)   # each fold's result at once (--collect)
    (PRED_DIR / f"{ds}_{mode}_fold{k}.json").write_text(json.dumps({"info": info, "result": r}, default=float))
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


# ------------------------------------------------------------- simulated reviews ---

AL_BLOCKS = ("text", "refd", "order")   # static features: the known-graph block would change
AL_STEPS = (20, 40, 80)                 # with every accepted pair, so it is left out here


def active_fold(ds: str, graph: ConceptGraph, fold: Fold, cfg: PairConfig, *, seed_pos: int = 10,
                seed_neg: int = 40, neg_per_pos: int = 9, steps=AL_STEPS, al_seeds=(0,),
                strategies=None, eval_on: str = "test") -> dict:
    """Simulated reviews on one fold (:func:`gnn.active.simulate`), every strategy, for each
    of ``al_seeds`` (the random labelled seed and the random strategy's draws; seed 0 is the
    draw of the recorded 2026-12-07 run).

    Pool (pairs a reviewer may be shown, gold labels hidden until picked): the fold's
    training pairs as the plain classifiers get them (:func:`sk_training_set`). Seed:
    ``seed_pos`` positives and ``seed_neg`` negatives of the pool, at random (a new
    curriculum with a few labels). Evaluation (never shown): the fold's test pairs plus
    uniform non-positive pairs up to ``neg_per_pos`` negatives per test positive, so that
    a top 40 has to be found among mostly wrong pairs, as in a book. Model: logistic
    regression (balanced classes) on the text + RefD + order features, refitted after each
    batch of decisions (an MLP per refit would not fit in this benchmark's budget)."""
    import warnings

    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from gnn.active import STRATEGIES, simulate
    from gnn.pairs import sample_negatives
    n = len(graph.names)
    none = np.zeros((0, 2), dtype=np.int64)
    if eval_on == "val":
        # validation-only simulation (to choose a strategy): pool = the training pairs minus
        # the validation carve-out, evaluation = the carve-out; the test pairs are not read
        tp, tl, e_pairs, e_labels = carve_validation(ds, n, fold, cfg)
        xp, yp = sk_training_set(ds, n, tp, tl, e_pairs, e_labels, cfg.seed)
        all_pos = fold.train_pairs[fold.train_labels == 1]
    else:
        xp, yp = sk_training_set(ds, n, fold.train_pairs, fold.train_labels, none, none[:, 0], cfg.seed)
        e_pairs, e_labels = fold.test_pairs, fold.test_labels
        all_pos = np.r_[fold.train_pairs[fold.train_labels == 1], e_pairs[e_labels == 1]]
    rng = np.random.default_rng(cfg.seed + 101)
    te_pos = e_pairs[e_labels == 1]
    extra = max(0, neg_per_pos * len(te_pos) - int((e_labels == 0).sum()))
    ep = np.r_[e_pairs, sample_negatives(n, extra, np.r_[all_pos, e_pairs], rng)]
    ey = np.r_[e_labels, np.zeros(extra, dtype=np.int64)]
    known = none                                  # no known-graph block (AL_BLOCKS)

    def feats(pairs):
        t, e = evidence_features(ds, graph, AL_BLOCKS, pairs, known)
        return t, e

    (pt, pe), (et, ee) = feats(xp), feats(ep)
    sc = StandardScaler().fit(pe)
    x_pool = np.concatenate([pt, sc.transform(pe)], axis=1).astype(np.float32)
    x_eval = np.concatenate([et, sc.transform(ee)], axis=1).astype(np.float32)


    def fit(x, y):
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = LogisticRegression(C=1.0, max_iter=500, class_weight="balanced").fit(x, y)
        return lambda z: m.predict_proba(z)[:, 1]

    out = {"pool": int(len(yp)), "pool_positives": int(yp.sum()), "eval": int(len(ey)),
           "eval_positives": int(ey.sum()), "seed": [seed_pos, seed_neg], "runs": []}
    for s in al_seeds:
        srng = rng if s == 0 else np.random.default_rng(cfg.seed + 101 + 1000 * s)
        seed_idx = np.r_[srng.choice(np.flatnonzero(yp == 1), seed_pos, replace=False),
                         srng.choice(np.flatnonzero(yp == 0), seed_neg, replace=False)]
        run = {"al_seed": int(s)}
        for strategy in strategies or STRATEGIES:
            t0 = time.perf_counter()
            r = simulate(fit, x_pool, yp, x_eval, ey, seed_idx, steps=steps, strategy=strategy,
                         seed=cfg.seed + fold.k + 7919 * s)
            run[strategy] = {"steps": r["steps"], "precision": r["precision"],
                             "positives_picked": r["positives_picked"], "seconds": round(time.perf_counter() - t0, 2)}
        out["runs"].append(run)
    return out


def active_main(args) -> dict:
    """``--active``: simulated reviews on both data sets, merged into prereq.json."""
    from gnn.active import STRATEGIES
    from kg.embeddings import embed
    t0 = time.perf_counter()
    per: dict = {}
    seeds = list(range(args.al_seeds))
    for ds in args.datasets:
        graph, folds, _ = {"uc": load_uc, "lb2": load_lb2}[ds](embed)
        per[ds] = []
        for k in args.folds:
            per[ds].append(active_fold(ds, graph, folds[k], config_for(ds, "plain", args), al_seeds=seeds,
                                       eval_on=args.al_eval))
            print(f"  simulated reviews {ds} fold {k}: {time.perf_counter() - t0:.0f}s", flush=True)
    metrics, rows = {}, []
    steps = [0, *AL_STEPS]
    for strategy in STRATEGIES:
        for j, n in enumerate(steps):
            # per seed: the mean over folds (and over the data sets); mean and sd over seeds
            by_ds = {ds: [mean([f["runs"][i][strategy]["precision"][j] for f in per[ds]]) for i in range(len(seeds))]
                     for ds in per}
            for ds, v in by_ds.items():
                metrics[f"al_{ds}_{strategy}_top40_precision_{n}"] = round(mean(v), 4)
                metrics[f"al_{ds}_{strategy}_top40_precision_{n}_sd"] = round(float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, 4)
            both = [mean([by_ds[ds][i] for ds in per]) for i in range(len(seeds))]
            metrics[f"al_{strategy}_top40_precision_{n}"] = round(mean(both), 4)
            metrics[f"al_{strategy}_top40_precision_{n}_sd"] = round(float(np.std(both, ddof=1)) if len(both) > 1 else 0.0, 4)
            if strategy == "uncertainty":
                metrics[f"al_top40_precision_{n}"] = round(mean(both), 4)
        for ds in list(per) + ["mean"]:
            pre = f"al_{ds}_{strategy}" if ds != "mean" else f"al_{strategy}"
            rows.append([ds, strategy] + [f"{metrics[f'{pre}_top40_precision_{n}']:.3f} ± "
                                          f"{metrics[f'{pre}_top40_precision_{n}_sd']:.3f}" for n in steps])
        # gain over random at each step, per seed (paired: same seed set), mean and sd
        if strategy != "random":
            for j, n in enumerate(steps[1:], 1):
                d = [mean([mean([f["runs"][i][strategy]["precision"][j] - f["runs"][i]["random"]["precision"][j]
                                 for f in per[ds]]) for ds in per]) for i in range(len(seeds))]
                metrics[f"al_{strategy}_minus_random_{n}"] = round(mean(d), 4)
                metrics[f"al_{strategy}_minus_random_{n}_sd"] = round(float(np.std(d, ddof=1)) if len(d) > 1 else 0.0, 4)
    print("\nSimulated reviews: precision of the top 40 of the held-out pairs (mean over folds "
          + ",".join(map(str, args.folds)) + f"; ± sd over {len(seeds)} seeds) after N decisions:")
    print(table(rows, ["data", "strategy"] + [f"N={n}" for n in steps]))
    print("strategy minus random (paired by seed): " + "; ".join(
        f"{st} N={n}: {metrics[f'al_{st}_minus_random_{n}']:+.3f} ± {metrics[f'al_{st}_minus_random_{n}_sd']:.3f}"
        for st in STRATEGIES if st != "random" for n in AL_STEPS))
    prefix, section = "al_", "active_learning"
    if args.al_eval == "val":
        # the validation-only simulation: its own keys (alval_*); the strategy it prefers
        # (best mean top-40 precision after 40 decisions; ties: the order of STRATEGIES)
        prefix, section = "alval_", "active_learning_val"
        metrics = {"alval_" + k[3:]: v for k, v in metrics.items() if not k.startswith("al_top40")}
        best = max(STRATEGIES, key=lambda st: (metrics[f"alval_{st}_top40_precision_40"], -STRATEGIES.index(st)))
        metrics["alval_chosen_strategy"] = best
        print(f"validation simulation prefers: {best}")
    if not args.no_write:
        f = RESULTS / "prereq.json"
        data = json.loads(f.read_text()) if f.exists() else {"metrics": {}}
        data["metrics"] = {k: v for k, v in data["metrics"].items() if not k.startswith(prefix)}
        data["metrics"].update(metrics)
        data[section] = {"eval": args.al_eval,
            "folds": args.folds, "seeds": seeds, "steps": steps, "blocks": list(AL_BLOCKS),
            "model": "LogisticRegression(C=1, balanced)", "strategies": list(STRATEGIES),
            "seconds": round(time.perf_counter() - t0, 1), "per_fold": per,
            "protocol": active_fold.__doc__.split("\n\n", 1)[1].strip()}
        f.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {f}")
    return metrics


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
    ap.add_argument("--collect", action="store_true",
                    help="summarize the per-fold result files (<ds>_<mode>_fold<k>.json) of --modes "
                         "written by an earlier (perhaps interrupted) run, beside prereq.json's others")
    ap.add_argument("--active", action="store_true",
                    help="simulated reviews (active learning) only; merged into prereq.json")
    ap.add_argument("--fresh", action="store_true",
                    help="keep only what this run trains (no per-fold results carried over from "
                         "the last run, no old keys of these data sets)")
    ap.add_argument("--heldout", nargs="*", default=[], choices=list(HELDOUT),
                    help="after the main data sets: evaluate the validation-chosen settings once on "
                         "these held-aside sets (nothing is tuned on them), beside the plain MLP")
    ap.add_argument("--with-active", action="store_true",
                    help="after training: the simulated reviews (--active) in the same run")
    ap.add_argument("--antisym", nargs="+", default=None, choices=list(MODES), metavar="MODE",
                    help="antisymmetry ablation of these modes (blends too) from their per-fold .npz "
                         "files (no training)")
    ap.add_argument("--heldout-rescore", default=None, choices=list(MODES), metavar="MODE",
                    help="with --collect: score the held-aside per-fold files of an earlier --heldout run "
                         "(settings MODE) again under the current variant rules (no training)")
    ap.add_argument("--val-group", action="store_true",
                    help="University Course: carve validation by unordered pair (PairConfig.val_group)")
    ap.add_argument("--al-eval", default="test", choices=["test", "val"],
                    help="simulated reviews: measure on the test pairs (report) or on the validation "
                         "carve-out with the pool shrunk accordingly (to choose a strategy)")
    ap.add_argument("--al-seeds", type=int, default=3,
                    help="simulated reviews: random labelled seeds per fold (mean and sd over them)")
    ap.add_argument("--rescore", action="store_true",
                    help="recompute tables and metrics from prereq.json's per-fold results")
    args = ap.parse_args(argv)
    _use_pred_dir(args)
    if args.rescore:
        return rescore(not args.no_write)
    if args.active:
        return active_main(args)
    if args.antisym:
        res = {ds: antisym_ablation(ds, args.antisym, args.folds) for ds in args.datasets}
        rows = [[ds, m, g, f"{r['val_f1_oof']:.3f}", f"{r['val_auc']:.3f}", f"{r['test_f1']:.3f}",
                 "chosen" if float(g) == res[ds][m]["chosen_gamma"] else ""]
                for ds in res for m in res[ds] for g, r in res[ds][m]["gammas"].items()]
        print("Antisymmetry ablation (fit-table evidence; gamma chosen by out-of-fold validation F1):")
        print(table(rows, ["data", "mode", "gamma", "val F1 (oof)", "val AUC", "test F1", ""]))
        if not args.no_write:
            f = RESULTS / "prereq.json"
            data = json.loads(f.read_text())
            data["ablation_antisym"] = res
            f.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return res
    if args.collect:
        return collect(args)
    if args.quick:
        args.folds, args.ensemble, args.modes = [0], 1, ["text", "graph"]
    results: dict = {}
    infos = {}
    t_all = time.perf_counter()
    started = _load_note()
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
    old = {} if args.fresh else _old_per_fold()
    for ds in results:
        for mode in TRAINED:                       # modes not trained now: the last run's
            if mode not in results[ds] and (ds, mode) in old:
                results[ds][mode], cfgs[ds][mode] = old[(ds, mode)]
                print(f"  {ds} {mode}: per-fold results of the previous run (not retrained)")
        for mode, parts in BLENDS.items():        # blends whose parts were trained in this run
            if all(m in args.modes for m in parts):
                results[ds][mode] = [fuse_fold(ds, k, mode) for k in args.folds]
                cfgs[ds][mode] = {"mode": f"blend of {parts[0]} and {parts[1]}", "alphas": ALPHAS.tolist(),
                                  "choice": "validation AUC (ties: larger first weight); threshold: "
                                            "validation F1"}
                for k, r in zip(args.folds, results[ds][mode]):
                    print(f"  {ds} {mode} fold {k}: {parts[0]} weight {r['alpha']:.2f} F1 {r['all'][2]:.3f} "
                          f"| val F1 {r['val_f1']:.3f} AUC {r['val_auc']:.3f}", flush=True)
    metrics = summarize(results, infos, args.folds, cfgs, write=not args.no_write,
                        fresh=args.fresh, started=started)
    if args.heldout:
        held = heldout_main(args, metrics)
        metrics = merge_heldout(held, write=not args.no_write)
    if args.with_active:                       # the simulated reviews in the same run
        active_main(args)
    print(f"\ntotal {time.perf_counter() - t_all:.0f}s")


def collect(args) -> dict:
    """``--collect``: results of ``--modes`` from the per-fold files, the other modes from
    prereq.json, then :func:`summarize` as after a run."""
    results: dict = {}
    infos: dict = {}
    cfgs: dict = {}
    for ds in args.datasets:
        for mode in args.modes:
            for k in args.folds:
                f = PRED_DIR / f"{ds}_{mode}_fold{k}.json"
                if not f.exists():
                    raise SystemExit(f"{f} is missing: run that fold first")
                d = json.loads(f.read_text())
                infos[ds] = d["info"]
                results.setdefault(ds, {}).setdefault(mode, []).append(d["result"])
            cfgs.setdefault(ds, {})[mode] = config_for(ds, mode, args).__dict__
    old = {} if args.fresh else _old_per_fold()
    for ds in results:
        for mode in TRAINED:
            if mode not in results[ds] and (ds, mode) in old:
                results[ds][mode], cfgs[ds][mode] = old[(ds, mode)]
        for mode, parts in BLENDS.items():          # blends whose parts' files are all there
            if args.fresh and not all(m in args.modes for m in parts):
                continue                            # --fresh: only this run's parts
            if all((PRED_DIR / f"{ds}_{m}_fold{k}.npz").exists() for m in parts for k in args.folds):
                results[ds][mode] = [fuse_fold(ds, k, mode) for k in args.folds]
                cfgs[ds][mode] = {"mode": f"blend of {parts[0]} and {parts[1]}", "alphas": ALPHAS.tolist(),
                                  "choice": "validation AUC (ties: larger first weight); threshold: validation F1"}
                print(f"  {ds} {mode}: text weights " + ", ".join(f"{r['alpha']:.2f}" for r in results[ds][mode]))
    metrics = summarize(results, infos, args.folds, cfgs, write=not args.no_write, fresh=args.fresh,
                        started=_load_note())
    if args.heldout:
        metrics = merge_heldout(heldout_main(args, metrics), write=not args.no_write)
    if args.heldout_rescore:
        metrics = merge_heldout(heldout_rescore(args), write=not args.no_write)
    if args.with_active:
        active_main(args)
    return metrics


def heldout_rescore(args) -> dict:
    """``--heldout-rescore SETTINGS``: the held-aside results of an earlier ``--heldout`` run
    (settings ``SETTINGS``, its parts and ``plain``), read from their per-fold files and scored
    again under the current variant rules; nothing is retrained, no new prediction is made."""
    chosen = args.heldout_rescore
    modes = list(dict.fromkeys(list(BLENDS.get(chosen, (chosen,))) + ["plain"]))
    res: dict = {"chosen": chosen, "results": {}, "info": {}}
    for ds in HELDOUT:
        by_mode = {}
        for mode in modes:
            files = [PRED_DIR / f"{ds}_{mode}_fold{k}.json" for k in args.folds]
            if not all(f.exists() for f in files):
                raise SystemExit(f"{ds} {mode}: per-fold files missing; run --heldout first")
            ds_files = [json.loads(f.read_text()) for f in files]
            res["info"][ds] = ds_files[0]["info"]
            by_mode[mode] = [d["result"] for d in ds_files]
        by_mode = select_variants(by_mode, ds, args.folds)
        if chosen in BLENDS:
            by_mode[chosen] = [fuse_fold(ds, k, chosen) for k in args.folds]
        res["results"][ds] = by_mode
    return res


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
    sel = [m for m in modes if all("val_f1_sel" in r for r in by_mode[m])]
    modes, fkey = (sel, "val_f1_sel") if sel else (modes, "val_f1")
    out = []
    for i in range(min(len(by_mode[m]) for m in modes)):
        best = max(modes, key=lambda m: (by_mode[m][i][fkey], by_mode[m][i]["val_auc"]))
        out.append(dict(by_mode[best][i], mode=best))
    return out


HEADLINE_SUFFIXES = ("precision", "recall", "f1", "f1_leakfree", "precision_leakfree", "recall_leakfree",
                     "f1_leakfree_norev", "ece", "ece_raw", "val_f1", "val_auc", "variant", "threshold_rule",
                     "val_ece_oof", "val_logloss_oof", "val_f1_sel")


def npz_variants(ds: str, mode: str, k: int) -> dict | None:
    """The :data:`VARIANTS` of one fold result, recomputed from its ``.npz`` (validation
    fit-table scores, test probabilities of each evidence, flags), so that results written
    under an older variant definition are judged by the current one; for modes that read no
    known graph (``text``, ``plain``) every evidence has the same arrays. None without a
    usable file (and for blends, which :func:`fuse_fold` recomputes)."""
    f = PRED_DIR / f"{ds}_{mode}_fold{k}.npz"
    if mode in BLENDS or not f.exists():
        return None
    z = np.load(f)
    if not all(x in z.files for x in ("val_scores", "val_labels", "test_prob", "test_labels", "flag_in_train")):
        return None
    fl = {n: z[f"flag_{n}"] for n in ("in_train", "reversed_positive", "self_pair")}
    vs, tp = z["val_scores"], z["test_prob"]
    test = {e: tp for e in ("fit", "all", "sub")}
    if "test_prob_fit" in z.files:                 # a mode that reads the known graph
        test.update(fit=z["test_prob_fit"], sub=z["test_prob_sub"])
    return variant_results(z["val_labels"], {"fit": vs}, z["test_labels"], test, fl, seed=k)


def select_variants(by_mode: dict, ds: str | None = None, folds=None) -> dict:
    """Each mode's fold results with the evidence variant and threshold rule chosen on
    validation (:func:`choose_variant`, :func:`apply_variant`); modes without variants as
    they are."""
    out = {}
    for mode, rs in by_mode.items():
        if ds and folds and mode != "valsel" and rs and len(rs) == len(folds):
            got = [npz_variants(ds, mode, k) for k in folds]
            if all(got):
                rs = [dict(r, variants=g) for r, g in zip(rs, got)]
        ch = choose_variant(rs) if mode != "valsel" else None
        out[mode] = [apply_variant(r, *ch) for r in rs] if ch else rs
    return out


def variant_metrics(key: str, rs: list[dict]) -> dict:
    """``<key>_var_<variant>_*``: each variant's mean validation (out-of-fold) and test figures."""
    m = {}
    if not rs or not all("variants" in r for r in rs):
        return m
    for v in VARIANTS:
        if not all(v in r["variants"] for r in rs):
            continue
        vr = [r["variants"][v] for r in rs]
        for f in ("val_ece", "val_logloss", "val_f1_oof", "val_f1_cal05_oof", "ece", "ece_raw", "test_logloss"):
            m[f"{key}_var_{v}_{f}"] = round(mean([x[f] for x in vr]), 4)
        m[f"{key}_var_{v}_f1"] = round(mean([x["all"][2] for x in vr]), 4)
        m[f"{key}_var_{v}_f1_cal05"] = round(mean([x["all_cal05"][2] for x in vr]), 4)
    return m


def summarize(results: dict, infos: dict, folds: list[int], cfgs: dict, *, write: bool = True,
              fresh: bool = False, started: dict | None = None) -> dict:
    """Metrics and tables from per-fold results ``{ds: {mode: [fold result, ...]}}``."""
    for ds in list(results):
        results[ds].pop("valsel", None)
        results[ds] = select_variants(results[ds], ds, folds)
        if sum(m in results[ds] for m in MODES) > 1:
            results[ds]["valsel"] = select_by_validation(results[ds])
    metrics: dict = {}
    per_fold: dict = {}
    ablation = []
    var_rows: list = []
    for ds, by_mode in results.items():
        for mode, rs in by_mode.items():
            key = f"{ds}_{mode}"
            if mode == "valsel":
                metrics[f"{ds}_valsel_modes"] = ",".join(r["mode"] for r in rs)
            else:
                metrics[f"{key}_val_f1"] = round(mean([r["val_f1"] for r in rs]), 4)
                metrics[f"{key}_val_auc"] = round(mean([r["val_auc"] for r in rs]), 4)
            if rs and all("ece" in r for r in rs):
                metrics[f"{key}_ece"] = round(mean([r["ece"] for r in rs]), 4)
                metrics[f"{key}_ece_raw"] = round(mean([r["ece_raw"] for r in rs]), 4)
            if rs and all("variant" in r for r in rs) and mode != "valsel":
                metrics[f"{key}_val_f1_sel"] = round(mean([r["val_f1_sel"] for r in rs]), 4)
                metrics[f"{key}_variant"] = rs[0]["variant"]
                metrics[f"{key}_threshold_rule"] = rs[0]["rule"]
                metrics[f"{key}_val_ece_oof"] = round(mean([r["val_ece_oof"] for r in rs]), 4)
                metrics[f"{key}_val_logloss_oof"] = round(mean([r["val_logloss_oof"] for r in rs]), 4)
                metrics.update(variant_metrics(key, rs))
                var_rows.append([ds, mode] + [
                    "/".join(f"{metrics.get(f'{key}_var_{v}_{f}', float('nan')):.3f}"
                             for f in ("val_logloss", "val_ece", "ece")) for v in VARIANTS]
                    + [f"{rs[0]['variant']}, {rs[0]['rule']}"])
            for j, name in enumerate(("precision", "recall", "f1")):
                metrics[f"{key}_{name}"] = round(mean([r["all"][j] for r in rs]), 4)
            metrics[f"{key}_f1_leakfree"] = round(mean([r["leakfree"][2] for r in rs]), 4)
            metrics[f"{key}_precision_leakfree"] = round(mean([r["leakfree"][0] for r in rs]), 4)
            metrics[f"{key}_recall_leakfree"] = round(mean([r["leakfree"][1] for r in rs]), 4)
            metrics[f"{key}_f1_leakfree_norev"] = round(mean([r["leakfree_norev"][2] for r in rs]), 4)
            per_fold[f"{ds}_{mode}"] = rs
        # The headline model (keys "<ds>_precision/_recall/_f1/..."): one mode for all folds,
        # the best mean validation F1 (ties: validation AUC); test scores are not looked at.
        full = [m for m in MODES if m in by_mode and len(by_mode[m]) == len(folds)]
        if full:
            sel = [m for m in full if all("val_f1_sel" in r for r in by_mode[m])]
            fkey = "val_f1_sel" if sel else "val_f1"

            def vkey(m):
                return (round(mean([r.get(fkey, r["val_f1"]) for r in by_mode[m]]), 4),
                        round(mean([r["val_auc"] for r in by_mode[m]]), 4))
            # out-of-fold validation F1 (threshold or calibrator fitted on the other validation
            # folds) where the modes have it: an in-sample F1-optimal threshold flatters itself
            chosen = max(sel or full, key=vkey)
            text_only = [m for m in ("text", "plain") if m in full]
            metrics[f"{ds}_chosen_mode"] = chosen
            for name in HEADLINE_SUFFIXES:
                if f"{ds}_{chosen}_{name}" in metrics:
                    metrics[f"{ds}_{name}"] = metrics[f"{ds}_{chosen}_{name}"]
            if text_only:
                best_text = max(text_only, key=vkey)
                metrics[f"{ds}_textonly_chosen_mode"] = best_text
                metrics[f"{ds}_textonly_f1"] = metrics[f"{ds}_{best_text}_f1"]
            for m in full:
                ablation.append([ds, m, "blend " + " + ".join(BLENDS[m]) if m in BLENDS else
                                 "text (torch) + " + "+".join(EV_MODES[m]) if m in EV_MODES else
                                 "+".join(SK_MODES.get(m, (m + " (torch)",))),
                                 f"{mean([r['val_f1'] for r in by_mode[m]]):.3f}",
                                 f"{metrics[f'{ds}_{m}_val_f1_sel']:.3f}" if f"{ds}_{m}_val_f1_sel" in metrics else "",
                                 metrics.get(f"{ds}_{m}_variant", ""), metrics.get(f"{ds}_{m}_threshold_rule", ""),
                                 f"{vkey(m)[1]:.3f}", "chosen" if m == chosen else ""])
    # Timings of the teacher (epoch_s_*, synthetic_*) and the OpenStax results
    # (openstax_*) are measured by the teacher's own benchmarks (teacher_speed.py,
    # prereq_openstax.py) and merged into this file; keep them and their sections.
    old = RESULTS / "prereq.json"
    kept: dict = {}
    if old.exists():
        try:
            prev = json.loads(old.read_text())
            for k, v in prev["metrics"].items():
                if not k.startswith(("uc_", "lb2_") + HELDOUT_PREFIXES):
                    metrics[k] = v
            kept = {k: prev[k] for k in ("teacher_speed", "openstax", "active_learning", "active_learning_val",
                                         "ablation_antisym") if k in prev}
            for ds in ("uc", "lb2"):           # a data set not run now keeps its last results
                if ds not in results and not fresh:
                    metrics.update({k: v for k, v in prev["metrics"].items() if k.startswith(ds + "_")})
                    per_fold.update({k: v for k, v in prev.get("per_fold", {}).items() if k.startswith(ds + "_")})
                    if ds in prev.get("data", {}):
                        infos = {**infos, ds: prev["data"][ds]}
                    if ds in prev.get("config", {}):
                        cfgs = {**cfgs, ds: prev["config"][ds]}
        except (ValueError, KeyError):
            pass

    # --- tables
    if var_rows:
        print("\nEvidence variants (validation log-loss / validation ECE, both out of fold, / TEST ECE; "
              "the variant and threshold rule are chosen on validation only):")
        print(table(var_rows, ["data", "mode"] + list(VARIANTS) + ["chosen"]))
    if ablation:
        print("\nAblation on VALIDATION pairs only (mean over folds; the chosen mode's test scores are "
              "the headline keys):")
        print(table(ablation, ["data", "mode", "features", "val F1", "val F1 (oof)", "evidence", "threshold",
                               "val AUC", ""]))
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
    if "uc" in results:
        pub = [[m, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"] for m, p, r, f in PUBLISHED_UC_PREREQ]
        for label, key in ((f"ours (chosen on validation: {metrics.get('uc_chosen_mode')})", "uc"),
                           ("ours (text only, torch MLP)", "uc_text"), ("ours (plain sklearn MLP, text)", "uc_plain"),
                           ("ours (graph only)", "uc_graph"), ("ours (mode chosen per fold on validation)", "uc_valsel")):
            if f"{key}_f1" in metrics:
                pub.append([label] + [f"{metrics[f'{key}_{k}']:.3f}" for k in ("precision", "recall", "f1")])
        print("\nUniversity Course, PREREQ 5-fold files (same protocol as ours):")
        print(table(pub, ["method", "P", "R", "F1"]))
    sec = [[m, "/".join(f"{x:.3f}" for x in lb), "/".join(f"{x:.3f}" for x in uc)]
           for m, lb, uc in PUBLISHED_SECONDARY]
    for label, suffix in (("ours (chosen on validation)", ""), ("ours (plain sklearn MLP, text)", "_plain"),
                          ("ours (mode chosen per fold on validation)", "_valsel")):
        sec.append([label] + ["/".join(f"{metrics.get(f'{ds}{suffix}_{k}', float('nan')):.3f}"
                                       for k in ("precision", "recall", "f1")) for ds in ("lb2", "uc")])
    print("\nSecondary table (Zhang et al. 2025, Table I; each row under its source's own protocol, "
          "not directly comparable), P/R/F1:")
    print(table(sec, ["method", "LectureBank", "University Courses"]))
    if write:
        run = dict(started or {}, **_load_note(end=True)) if started is not None else None
        extra = {"data": infos, "folds": folds, "config": cfgs, "per_fold": per_fold, **kept}
        if run:
            extra["run"] = run
        out = write_results("prereq", metrics, extra=extra)
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
