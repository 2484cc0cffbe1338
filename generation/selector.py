"""A learned choice of a concept's defining sentence among its evidence (issue 12).

The extractive generator (:mod:`generation.extractive`) picks a concept's defining sentence
by hand-written rules (:func:`generation.extractive.definitional`: "X is a Y that ...",
"... is called X"). This module learns the choice instead: a small ranking model scores
every candidate sentence of a concept -- its evidence of kind ``definition``, ``use`` and
``example`` (:func:`kg.evidence.evidence`), never a glossary entry -- and the best one is
the definition; what is shown is cut the extractor's way (:func:`definition_text`:
:func:`generation.extractive.predicate`, or the sentence before "This is called X.").

**Features** (:data:`FEATURES`, all book-agnostic, computed by :func:`concept_features`):
the rules' rank of the sentence and whether it is the rules' own choice; the evidence kind
and index score (absolute and relative to the concept's best); the position of the
candidate in the index's order and in reading order (first use); pattern features (the term
at the start, where the term is in the sentence, "refers to", "is called", "defined as",
a gloss in brackets, an opening pronoun or connective, a pointer at a figure, symbols and
digits); the sentence's and predicate's lengths; whether the sentence is in a section that
teaches the concept, in the first such section, in the rules' choice's section or
paragraph; and, when the model was trained with them, the MiniLM cosine
(:mod:`kg.embeddings`) between the concept label and the sentence and between the label and
the predicate (absolute and relative to the concept's best).

**Training** (:func:`train`): each candidate of a training concept is labelled with the
sentence chrF (sacrebleu) of its definition text against the concept's glossary definition.
Two model kinds, both a JSON file scored with numpy alone: a ridge regression on
standardised features, or gradient-boosted regression trees (scikit-learn, kept as node
arrays). The target is the label minus its concept's mean (a ranking target) or the label
itself; a ``margin`` lets the rules' choice stand unless the model's top candidate is
predicted that many chrF points better. Chosen on dev (``benchmarks/selector.py``: 80
settings; 4 beat the rules on dev on all three books both within-book and
leave-one-book-out): **boosted trees, ranking target, MiniLM cosines, margin 2**.

Which model: the workspace's ``models/selector/selector.json`` (written atomically,
:mod:`kg.atomic`) when :func:`train_workspace` has made one (it needs
:data:`MIN_CONCEPTS` concepts with a glossary definition and candidates), else the bundled
``generation/selector_bundled.json``, trained on the non-held-out concepts of three OpenStax
books (*Psychology 2e*, *Introduction to Philosophy*, *Calculus Volume 1*) because it
generalises leave-one-book-out (dev chrF 47.1 / 38.3 / 36.7 against the rules' 46.3 / 31.3 /
34.2 when the book itself is left out of training). Both record dev figures, which
provenance quotes ("learned selector (chrF dev 40.6 vs heuristic 37.3)").

Held-out test (the concepts of ``benchmarks/generation.py``, scored once), chrF against the
glossary, selector / rules: psychology 43.91 / 43.34, philosophy 52.06 / 45.71, calculus
33.74 / 29.16 (leave-one-book-out 43.94, 51.61, 30.23). Limitations: chrF weighs recall,
and the selector's choices are longer (17-27 words against the rules' 15-16): part of the
gain is length, and on psychology its BLEU is lower (21.5 against 24.6); it picks among the
book's sentences, so where the book never defines the term plainly it quotes the best
mention ("To show how useful the linear approximation can be, ...").

The glossary is read only to label training concepts; the features of a concept never
involve its glossary definition (candidates equal to it are dropped, :func:`candidates`).

Measured by ``benchmarks/selector.py`` (table in ``benchmarks/README.md``).
"""
from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from generation.content.graph import GraphView
from generation.extractive import (_DANGLING, _JUNK, _REFERS, ExtractiveGenerator, _label_re, _norm, definitional,
                                   is_code, is_glossary_entry, names_previous, predicate)
from kg import embeddings
from kg.atomic import atomic_write
from kg.errors import KGStudioError
from kg.evidence import evidence

__all__ = ["FEATURES", "EMB_FEATURES", "MIN_CONCEPTS", "Selector", "SelectorError", "candidates",
           "concept_features", "definition_text", "train", "train_workspace", "load_selector",
           "BUNDLED", "MODEL_FILE"]

#: Fewest glossary-defined concepts with candidates for a model of a workspace's own.
MIN_CONCEPTS = 60
BUNDLED = Path(__file__).with_name("selector_bundled.json")
MODEL_FILE = Path("selector") / "selector.json"
KINDS = ("definition", "use", "example")

FEATURES = [
    "rank0", "rank1", "rank2", "rank3", "rank4", "rule_choice", "names_previous",
    "kind_definition", "kind_use", "kind_example", "score", "score_rel",
    "order", "order_log", "first_use", "first_use_rel",
    "term_start", "term_pos", "refers_to", "called", "defined_as", "is_a", "gloss",
    "dangling", "refers_fig", "symbols", "digits",
    "words_log", "short", "long", "pred_words_log", "pred_ratio", "whole",
    "teaching", "first_teaching", "rule_section", "rule_paragraph", "n_cands_log", "label_words",
]
EMB_FEATURES = ["cos_sentence", "cos_pred", "cos_sentence_rel", "cos_pred_rel"]


class SelectorError(KGStudioError):
    """A selector model file that cannot be read, or too little to train on."""


def candidates(ex, concept: str, section: str | None = None) -> list:
    """The sentences a definition is chosen from: ``concept``'s evidence of kinds
    definition/use/example that is prose (no code, no list item, table or blank) and not a
    glossary entry (the index's mark; the glossary itself is not read), each text once, in
    the index's order."""
    out, seen = [], set()
    for e in ex._of(concept, KINDS, section):
        t = _norm(e.text)
        if is_code(e.text) or is_glossary_entry(e) or _JUNK.search(t) or t in seen:
            continue
        seen.add(t)
        out.append(e)
    return out


def definition_text(ex, e, label: str) -> str:
    """What a definition shows of candidate ``e``: the sentence before it when it only names
    what that sentence said ("This is called X."), else its predicate (the extractor's cut)."""
    if names_previous(e.text, label):
        prev = ex.preceding(e)
        if prev is not None:
            return _norm(prev.text)
    return predicate(e.text, label)


_SYMBOLS = re.compile(r"[=<>+^/\\∫∑√≤≥±→∞]")


def concept_features(ex, concept: str, cands: Sequence, *, embed: Callable | None = None,
                     section: str | None = None) -> tuple[list[str], np.ndarray]:
    """(definition texts, feature matrix ``(len(cands), F)``) of ``concept``'s candidates;
    F is ``len(FEATURES)`` plus ``len(EMB_FEATURES)`` with ``embed`` (texts -> L2-normalised
    rows). Nothing here reads a glossary."""
    label = ex.labels(concept)
    n = len(cands)
    outs = [definition_text(ex, e, label) for e in cands]
    if not n:
        return outs, np.zeros((0, len(FEATURES) + (len(EMB_FEATURES) if embed else 0)), dtype=np.float64)
    rule = ex.rule_definition(concept, section, blind=True)
    teach = list(ex.teaching(concept)) if ex.teaching is not None else []
    lab = re.compile(rf"(?i)\b{_label_re(label)}\b")
    top = max(e.score for e in cands)
    order_pos = {id(e): i for i, e in enumerate(sorted(cands, key=lambda e: e.position))}
    rows = []
    for i, (e, out) in enumerate(zip(cands, outs)):
        t = _norm(e.text)
        words = len(t.split())
        r = definitional(t, label)
        np_ = names_previous(t, label) and out != predicate(t, label)
        m = lab.search(t)
        pw = len(out.split())
        f = {
            **{f"rank{k}": float(r == k) for k in range(5)},
            "rule_choice": float(rule is not None and _norm(rule.text) == t),
            "names_previous": float(np_),
            **{f"kind_{k}": float(e.kind == k) for k in KINDS},
            "score": e.score, "score_rel": e.score - top,
            "order": i / n, "order_log": math.log1p(i),
            "first_use": float(order_pos[id(e)] == 0), "first_use_rel": order_pos[id(e)] / n,
            "term_start": float(bool(m) and len(t[:m.start()].split()) <= 1),
            "term_pos": (m.start() / max(1, len(t))) if m else 1.0,
            "refers_to": float(bool(re.search(r"(?i)\brefers?\s+to\b|\bmeans?\b", t))),
            "called": float(bool(re.search(r"(?i)\b(?:called|known as|termed|referred to as)\b", t))),
            "defined_as": float(bool(re.search(r"(?i)\bdefined?\b|\bdefinition\b", t))),
            "is_a": float(bool(re.search(r"(?i)\b(?:is|are)\s+(?:an?|the)\b", t))),
            "gloss": float("(" in t),
            "dangling": float(bool(_DANGLING.match(t))),
            "refers_fig": float(bool(_REFERS.search(t))),
            "symbols": min(1.0, len(_SYMBOLS.findall(t)) / 5),
            "digits": min(1.0, sum(ch.isdigit() for ch in t) / 10),
            "words_log": math.log1p(words), "short": float(words < 8), "long": float(words > 40),
            "pred_words_log": math.log1p(pw), "pred_ratio": pw / max(1, words),
            "whole": float(_norm(out).rstrip(".") == t.rstrip(".")),
            "teaching": float(e.section in teach), "first_teaching": float(bool(teach) and e.section == teach[0]),
            "rule_section": float(rule is not None and e.section == rule.section),
            "rule_paragraph": float(rule is not None and e.section == rule.section and e.paragraph == rule.paragraph),
            "n_cands_log": math.log1p(n), "label_words": float(len(label.split())),
        }
        rows.append([f[k] for k in FEATURES])
    X = np.asarray(rows, dtype=np.float64)
    if embed is not None:
        v = np.asarray(embed([label] + [_norm(e.text) for e in cands] + outs), dtype=np.float64)
        q, s, p = v[0], v[1:n + 1], v[n + 1:]
        cs, cp = s @ q, p @ q
        X = np.hstack([X, np.stack([cs, cp, cs - cs.max(), cp - cp.max()], axis=1)])
    return outs, X


_RULE = FEATURES.index("rule_choice")


@dataclass
class Selector:
    """A ranker of candidates (module docstring): linear (``coef`` on standardised features)
    or a boosted tree ensemble (``trees``: per tree the node arrays ``feature``,
    ``threshold``, ``left``, ``right``, ``value``; a leaf has ``left`` -1). ``margin``: the
    rules' choice stands unless the model's top candidate scores at least this much above
    it (None: the model always chooses). ``dev`` holds the dev figures."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float = 0.0
    embeddings: bool = False
    dev: dict = field(default_factory=dict)
    trained_on: str = ""
    trees: dict | None = None
    margin: float | None = None

    def scores(self, X: np.ndarray) -> np.ndarray:
        if self.trees is not None:
            return _tree_scores(self.trees, X)
        return ((X - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.intercept

    def pick(self, X: np.ndarray) -> int:
        """Index of the chosen row of ``X`` (one concept's candidates)."""
        s = self.scores(X)
        j = int(np.argmax(s))
        if self.margin is not None:
            rule = np.flatnonzero(X[:, _RULE] == 1)
            if len(rule) and s[j] - s[rule[0]] < self.margin:
                return int(rule[0])
        return j

    def choose(self, ex, concept: str, section: str | None = None, *, embed: Callable | None = None):
        """The candidate of ``concept`` the model ranks first, None when it has none."""
        cands = candidates(ex, concept, section)
        if not cands:
            return None
        if self.embeddings and embed is None:
            embed = _minilm()
        _outs, X = concept_features(ex, concept, cands, embed=embed if self.embeddings else None, section=section)
        return cands[self.pick(X)]

    @property
    def why(self) -> str:
        d = self.dev or {}
        if "chrf_selector" in d and "chrf_heuristic" in d:
            return f"learned selector (chrF dev {d['chrf_selector']:.1f} vs heuristic {d['chrf_heuristic']:.1f})"
        return "learned selector"

    def to_json(self) -> str:
        return json.dumps({"format": "kgstudio-selector-1", "features": self.features, "mean": self.mean,
                           "scale": self.scale, "coef": self.coef, "intercept": self.intercept,
                           "embeddings": self.embeddings, "margin": self.margin, "dev": self.dev,
                           "trained_on": self.trained_on, "trees": self.trees}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, where: str = "selector.json") -> "Selector":
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise SelectorError(f"{where}: not JSON (line {e.lineno}: {e.msg})") from None
        if not isinstance(d, dict) or d.get("format") != "kgstudio-selector-1":
            raise SelectorError(f"{where}: not a kgstudio selector model (format kgstudio-selector-1)")
        want = FEATURES + (EMB_FEATURES if d.get("embeddings") else [])
        if d.get("features") != want or not (len(d["mean"]) == len(d["scale"]) == len(d["coef"]) == len(want)):
            raise SelectorError(f"{where}: its features are not this version's ({len(want)} expected); retrain it")
        trees = d.get("trees")
        if trees is not None:
            keys = ("feature", "threshold", "left", "right", "value")
            if not isinstance(trees, dict) or any(len(trees.get(k, ())) != len(trees.get("feature", ())) for k in keys) \
                    or any(f >= len(want) for t in trees["feature"] for f in t):
                raise SelectorError(f"{where}: its trees are malformed; retrain it")
        margin = d.get("margin")
        return cls(d["features"], d["mean"], d["scale"], d["coef"], float(d.get("intercept", 0.0)),
                   bool(d.get("embeddings")), d.get("dev") or {}, d.get("trained_on", ""), trees,
                   None if margin is None else float(margin))


def _tree_scores(trees: dict, X: np.ndarray) -> np.ndarray:
    """Sum of the ensemble's leaf values for each row of ``X`` (``x[feature] <= threshold``
    goes left), times the learning rate, plus the initial value."""
    out = np.full(len(X), float(trees["init"]))
    rows = np.arange(len(X))
    for f, t, lft, rgt, v in zip(trees["feature"], trees["threshold"], trees["left"], trees["right"], trees["value"]):
        f, t, lft, rgt, v = (np.asarray(a) for a in (f, t, lft, rgt, v))
        node = np.zeros(len(X), dtype=np.int64)
        while True:
            inner = lft[node] >= 0
            if not inner.any():
                break
            go_left = X[rows, np.where(inner, f[node], 0)] <= t[node]
            node = np.where(inner, np.where(go_left, lft[node], rgt[node]), node)
        out += float(trees["rate"]) * v[node]
    return out


def fit(X: np.ndarray, y: np.ndarray, *, l2: float = 1.0, embeddings: bool = False) -> Selector:
    """Ridge regression of ``y`` on standardised ``X`` (closed form)."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = (X - mean) / scale
    ym = float(y.mean())
    A = Z.T @ Z + l2 * np.eye(Z.shape[1])
    coef = np.linalg.solve(A, Z.T @ (y - ym))
    names = FEATURES + (EMB_FEATURES if embeddings else [])
    return Selector(names, mean.tolist(), scale.tolist(), coef.tolist(), ym, embeddings)


def labels(outs: Sequence[str], reference: str) -> np.ndarray:
    """Sentence chrF of each definition text against the reference (the training label)."""
    import sacrebleu     # the bench and test extras, not a runtime dependency: only training needs it
    return np.asarray([sacrebleu.sentence_chrf(o, [reference]).score for o in outs], dtype=np.float64)


def fit_trees(X: np.ndarray, y: np.ndarray, *, embeddings: bool = False, n_trees: int = 150, depth: int = 3,
              rate: float = 0.05, seed: int = 0) -> Selector:
    """Gradient-boosted regression trees (scikit-learn, squared error, 80% subsamples),
    kept as plain node arrays so that the model file is JSON and scoring needs numpy only."""
    from sklearn.ensemble import GradientBoostingRegressor   # half a second to import: only when training
    m = GradientBoostingRegressor(n_estimators=n_trees, max_depth=depth, learning_rate=rate, subsample=0.8,
                                  random_state=seed).fit(X, y)
    trees = {"init": float(np.mean(y)), "rate": rate, "feature": [], "threshold": [], "left": [], "right": [],
             "value": []}
    for est in m.estimators_[:, 0]:
        t = est.tree_
        trees["feature"].append([int(x) for x in t.feature])
        trees["threshold"].append([float(x) for x in t.threshold])
        trees["left"].append([int(x) for x in t.children_left])
        trees["right"].append([int(x) for x in t.children_right])
        trees["value"].append([float(x) for x in t.value[:, 0, 0]])
    names = FEATURES + (EMB_FEATURES if embeddings else [])
    k = len(names)
    return Selector(names, [0.0] * k, [1.0] * k, [0.0] * k, 0.0, embeddings, trees=trees)


def train(groups: Sequence[tuple[np.ndarray, np.ndarray]], *, l2: float = 1.0, embeddings: bool = False,
          target: str = "rel", model: str = "linear", margin: float | None = None) -> Selector:
    """A selector from ``(X, chrF labels)`` per training concept. ``target``: ``rel`` fits
    each label minus its concept's mean (a ranking target), ``abs`` the label itself;
    ``model``: ``linear`` (ridge, ``l2``) or ``trees`` (:func:`fit_trees`); ``margin``: see
    :class:`Selector`."""
    groups = [(X, y) for X, y in groups if len(y)]
    if not groups:
        raise SelectorError("no training concept has a candidate sentence")
    X = np.vstack([g[0] for g in groups])
    y = np.concatenate([g[1] - (g[1].mean() if target == "rel" else 0.0) for g in groups])
    sel = fit_trees(X, y, embeddings=embeddings) if model == "trees" else fit(X, y, l2=l2, embeddings=embeddings)
    sel.margin = margin
    return sel


_MINILM: list = []


def _minilm() -> Callable:
    """MiniLM embeddings through the project's cached loader (:func:`kg.embeddings.embed`)."""
    if not _MINILM:
        _MINILM.append(embeddings.embed)
    return _MINILM[0]


def train_workspace(ws, *, model: str = "trees", target: str = "rel", embeddings: bool = True,
                    margin: float | None = 2.0, l2: float = 10.0, dev_share: float = 0.2, seed: int = 0,
                    log=print) -> Selector:
    """Train a workspace's own selector on its glossary-defined concepts (a seeded
    ``dev_share`` kept apart to measure it against the rules), written atomically to
    ``models/selector/selector.json``. Raises :class:`SelectorError` under
    :data:`MIN_CONCEPTS` usable concepts. The defaults are the setting
    ``benchmarks/selector.py`` chose on dev (boosted trees, ranking target, MiniLM, margin 2)."""
    import sacrebleu     # the bench and test extras, not a runtime dependency: only training needs it
    embed = _minilm() if embeddings else None
    with ws.open_store(read_only=True) as store:
        view = GraphView(store)

        def no_glossary(store_, c, kinds=None, k=None):
            # the answer is the label: the glossary entry is no candidate, wherever the index put it
            g = _norm(view.concepts[c].definition or "") if c in view.concepts else ""
            return [e for e in evidence(store_, c, kinds, k) if not is_glossary_entry(e) and _norm(e.text) != g]
        ex = ExtractiveGenerator(store, view.label, evidence_fn=no_glossary,
                                 text_of=lambda s: view.section(s).text, teaching=view.sections_teaching)
        data = []
        for c in sorted(view.concepts):
            ref = _norm(view.concepts[c].definition or "")
            if not ref:
                continue
            cands = candidates(ex, c)
            if not cands:
                continue
            outs, X = concept_features(ex, c, cands, embed=embed)
            rule = ex.rule_definition(c, blind=True)
            if rule is not None:
                heur = definition_text(ex, rule, view.label(c))
            else:      # the rules' fallback, as the benchmark's: the first sentence of a teaching section
                teach = set(view.sections_teaching(c))
                heur = next((_norm(e.text) for e in cands if e.section in teach), "")
            data.append((c, ref, outs, X, labels(outs, ref), heur))
    if len(data) < MIN_CONCEPTS:
        raise SelectorError(f"{ws.root}: {len(data)} concepts with a glossary definition and candidate "
                            f"sentences; a selector needs {MIN_CONCEPTS}")
    rnd = random.Random(seed)
    dev = set(rnd.sample(range(len(data)), max(1, int(round(len(data) * dev_share)))))
    tr = [(d[3], d[4]) for i, d in enumerate(data) if i not in dev]
    kw = dict(l2=l2, embeddings=embeddings, target=target, model=model, margin=margin)
    sel = train(tr, **kw)
    dv = [data[i] for i in sorted(dev)]
    picks = [d[2][sel.pick(d[3])] for d in dv]
    refs = [d[1] for d in dv]
    sel.dev = {"chrf_selector": round(sacrebleu.corpus_chrf(picks, [refs]).score, 2),
               "chrf_heuristic": round(sacrebleu.corpus_chrf([d[5] for d in dv], [refs]).score, 2),
               "dev_concepts": len(dv), "train_concepts": len(tr)}
    # the figures are measured; the model kept is refitted on every concept
    final = train([(d[3], d[4]) for d in data], **kw)
    final.dev, final.trained_on = sel.dev, f"workspace {ws.root} ({len(data)} concepts)"
    path = ws.models_dir / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, final.to_json())
    log(f"selector: {final.why}; {len(data)} concepts; written to {path}")
    return final


def load_selector(ws=None, *, bundled: bool = True) -> Selector | None:
    """The workspace's own selector (``models/selector/selector.json``) when it has one,
    else the bundled one when ``bundled`` and shipped, else None (the rules choose)."""
    if ws is not None:
        p = ws.models_dir / MODEL_FILE
        if p.exists():
            return Selector.from_json(p.read_text(encoding="utf-8"), str(p))
    if bundled and BUNDLED.exists():
        return Selector.from_json(BUNDLED.read_text(encoding="utf-8"), str(BUNDLED))
    return None
