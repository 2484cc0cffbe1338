"""Tests of the pairwise prerequisite classifier (gnn.pairs) on tiny planted-rule data."""
from __future__ import annotations

import numpy as np
import pytest

from gnn import pairs as gp
from gnn.pairs import ConceptGraph, PairClassifier, PairConfig, PairDataError


def planted(seed: int = 0, topics: int = 6, levels: int = 16):
    """Concepts in ``topics`` chains of ``levels``; u is a prerequisite of v iff same topic
    and 1 <= level(v) - level(u) <= 3. Text = one-hot topic, level, noise."""
    rng = np.random.default_rng(seed)
    topic = np.repeat(np.arange(topics), levels)
    level = np.tile(np.arange(levels), topics)
    n = len(topic)
    text = np.concatenate([np.eye(topics)[topic], (2 * level / levels)[:, None],
                           0.05 * rng.standard_normal((n, 8))], axis=1).astype(np.float32)
    pos = [(u, v) for u in range(n) for v in range(n)
           if topic[u] == topic[v] and 1 <= level[v] - level[u] <= 3]
    pos_set = set(pos)
    neg = [(v, u) for u, v in pos[::3]] + [(u, u) for u in range(0, n, 4)]
    while len(neg) < 2 * len(pos):
        u, v = rng.integers(0, n, 2)
        if (u, v) not in pos_set:
            neg.append((int(u), int(v)))
    p = np.array(pos + neg)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))].astype(int)
    perm = rng.permutation(len(p))
    p, y = p[perm], y[perm]
    cut = int(0.8 * len(p))
    g = ConceptGraph(names=[f"c{i}" for i in range(n)], text=text)
    return g, p[:cut], y[:cut], p[cut:], y[cut:]


FAST = dict(hidden=32, learned_dim=16, epochs=150, patience=40, lr=1e-2, dropout=0.1)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These models are tiny: one torch thread is faster, and much faster on a busy machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_text_mode_learns_planted_rule():
    g, ptr, ytr, pte, yte = planted()
    clf = PairClassifier(PairConfig(mode="text", **FAST)).fit(g, ptr, ytr)
    p, r, f = gp.prf(yte, clf.predict(pte))
    assert f > 0.85, (p, r, f)
    assert clf.val_index is not None and 0 < len(clf.val_index) < len(ptr)


@pytest.mark.parametrize("mode", ["graph", "both"])
def test_graph_modes_run_and_learn(mode):
    g, ptr, ytr, pte, yte = planted(seed=1)
    # an auxiliary node type: one "course" per topic, mentioning its concepts
    topic = np.repeat(np.arange(6), 16)
    g.aux_nodes = {"course": 6}
    g.aux_edges = {("course", "mentions", "concept"): np.stack([topic, np.arange(96)])}
    g.__post_init__()
    clf = PairClassifier(PairConfig(mode=mode, **FAST)).fit(g, ptr, ytr)
    prob = clf.predict_proba(pte)
    assert prob.shape == (len(pte),) and np.all((prob >= 0) & (prob <= 1))
    f = gp.prf(yte, clf.predict(pte))[2]
    if mode == "both":          # text + graph learns the rule
        assert f > 0.85, f
        assert gp._auc(yte, prob) > 0.9
    else:                       # structure alone (no level information) gets part of it
        assert gp._auc(yte, prob) > 0.7


def test_threshold_chosen_on_validation_only(monkeypatch):
    g, ptr, ytr, pte, yte = planted(seed=2)
    seen = []
    real = gp.choose_threshold

    def spy(scores, labels):
        seen.append(np.asarray(labels).copy())
        return real(scores, labels)

    monkeypatch.setattr(gp, "choose_threshold", spy)
    clf = PairClassifier(PairConfig(mode="text", **FAST)).fit(g, ptr, ytr)
    clf.predict(pte)          # predicting must not choose a threshold again
    assert len(seen) == 1
    # exactly the labels of the validation rows carved from the training pairs
    np.testing.assert_array_equal(seen[0], ytr[clf.val_index])
    assert len(seen[0]) != len(yte)
    # and the classifier never saw a test pair while fitting: its message graph holds
    # training positives only
    train_pos = {tuple(x) for x in ptr[ytr == 1]}
    assert {tuple(x) for x in clf._train_pos.T} == train_pos


def test_choose_threshold_best_f1():
    s = np.array([0.95, 0.9, 0.8, 0.3, 0.2, 0.7])
    y = np.array([1, 1, 0, 1, 0, 0])
    t = gp.choose_threshold(s, y)
    assert 0.8 < t < 0.9          # top two: F1 = 4/5 beats top five: 6/8
    # check optimality by brute force
    best = max(gp.prf(y, s >= c)[2] for c in np.r_[s, 0.0])
    assert gp.prf(y, s >= t)[2] == pytest.approx(best)


def test_pair_features_count_paths_and_reverse():
    edges = np.array([[0, 1, 0], [1, 2, 3]])          # 0->1, 1->2, 0->3
    f = gp.pair_features(4, edges, np.array([[0, 2], [2, 0], [1, 0], [1, 3], [2, 2]]))
    assert f[0, 2] == pytest.approx(np.log(2))          # one 2-path 0->1->2
    assert f[1, 3] == pytest.approx(np.log(2))          # reverse 2-path for (2, 0)
    assert f[2, 1] == 1.0                               # reverse edge 0->1 for (1, 0)
    assert f[3, 4] == pytest.approx(np.log(2))          # 1 and 3 share prerequisite 0
    assert f[4, 0] == 1.0 and f[:4, 0].sum() == 0       # self pair flag
    half = gp.pair_features(4, edges, np.array([[0, 2]]), scale=0.5)
    assert half[0, 2] == pytest.approx(np.log1p(4.0))   # counts rescaled by 1/scale^2


def test_bad_inputs_are_named_errors():
    g, ptr, ytr, _, _ = planted()
    with pytest.raises(PairDataError, match="indexes outside"):
        PairClassifier(PairConfig(mode="text", **FAST)).fit(g, np.r_[ptr, [[0, 999]]], np.r_[ytr, 1])
    with pytest.raises(PairDataError, match="needs ConceptGraph.text"):
        PairClassifier(PairConfig(mode="both")).fit(ConceptGraph(names=g.names), ptr, ytr)
    with pytest.raises(PairDataError, match="labels must be 0 or 1"):
        PairClassifier(PairConfig(mode="text")).fit(g, ptr, np.where(ytr == 1, 2, 0))
    with pytest.raises(PairDataError, match="mode"):
        PairConfig(mode="gnn")
    with pytest.raises(PairDataError, match="not fitted"):
        PairClassifier().predict_proba(ptr)


def test_uniform_negatives_exclude_positives_and_self_pairs():
    rng = np.random.default_rng(0)
    pos = np.array([[0, 1], [1, 2], [2, 3]])
    neg = gp.sample_negatives(5, 500, pos, rng)
    assert neg.shape == (500, 2)
    assert (neg[:, 0] != neg[:, 1]).all()
    assert not ({tuple(p) for p in neg.tolist()} & {tuple(p) for p in pos.tolist()})
    assert len({tuple(p) for p in neg.tolist()}) == 5 * 4 - 3      # every other pair drawn
    with pytest.raises(PairDataError, match="no pair is left"):
        gp.sample_negatives(2, 1, np.array([[0, 1], [1, 0]]), rng)


def test_uniform_mode_validation_negatives_are_sampled_non_positives():
    g, ptr, ytr, pte, yte = planted(seed=3)
    cfg = PairConfig(mode="text", neg_sampling="uniform", val_balance=True, **FAST)
    clf = PairClassifier(cfg).fit(g, ptr, ytr)
    vp = clf.val_pairs_sampled
    pos = {tuple(p) for p in ptr[ytr == 1].tolist()}
    n_val_pos = int(ytr[clf.val_index].sum())
    assert len(vp) == 2 * n_val_pos                                   # balanced
    assert all(tuple(p) in pos for p in vp[:n_val_pos].tolist())
    assert not any(tuple(p) in pos for p in vp[n_val_pos:].tolist())
    assert gp.prf(yte, clf.predict(pte))[2] > 0.7


def test_planted_order_rule_is_found_from_reading_order_evidence_alone():
    """Labels follow the reading order only (u is a prerequisite of v iff u is first met
    earlier); text vectors are noise. The order block finds the rule, text alone cannot."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from gnn.pairs import order_features, refd_features, text_pair_features

    rng = np.random.default_rng(0)
    n, d = 60, 80
    first = rng.permutation(n) / n                            # where each concept is first met
    docs = np.linspace(0, 1, d)                               # documents in reading order
    m = (docs[None, :] >= first[:, None]) & (rng.uniform(size=(n, d)) < 0.3)
    m[np.arange(n), np.searchsorted(docs, first)] = True      # met in the first doc at its place
    mention = sp.csr_matrix(m.astype(np.float32))
    pairs = rng.integers(0, n, size=(1200, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    y = (first[pairs[:, 0]] < first[pairs[:, 1]]).astype(int)
    text = rng.normal(size=(n, 16)).astype(np.float32)
    tr, te = slice(0, 800), slice(800, None)
    acc = {}
    for name, x in (("order", order_features(mention, docs[:, None], pairs)),
                    ("refd", refd_features(mention, pairs)),
                    ("text", text_pair_features(text, pairs))):
        clf = LogisticRegression(max_iter=2000).fit(x[tr], y[tr])
        acc[name] = float((clf.predict(x[te]) == y[te]).mean())
    assert acc["order"] > 0.95
    assert acc["refd"] > 0.7            # later concepts' documents keep naming earlier ones
    assert acc["text"] < 0.65           # noise: about chance


def test_similar_edge_evidence_reads_neighbours_and_never_a_pairs_own_edge():
    """Planted: concepts come in near-duplicate twins; a pair is a prerequisite iff its
    twins' pair is a known one. The similar-edge columns find it; a known pair's own edge
    changes none of its features (a training positive looks like a new pair)."""
    from gnn.pairs import similar_edge_features, similar_edge_table

    rng = np.random.default_rng(1)
    base = rng.normal(size=(20, 16))
    x = np.concatenate([base, base + 0.05 * rng.normal(size=base.shape)]).astype(np.float32)   # i, i + 20 twins
    src = rng.permutation(20)[:15]
    dst = (src + 1 + rng.integers(0, 18, 15)) % 20
    known = np.stack([src, dst], 1)                                 # edges among the first copies
    twins = known + 20                                               # the same edges among the twins
    neg = rng.integers(20, 40, size=(60, 2))
    neg = neg[[tuple(p) not in {tuple(t) for t in twins.tolist()} and p[0] != p[1] for p in neg]]
    f_pos = similar_edge_features(x, known, twins)
    f_neg = similar_edge_features(x, known, neg)
    assert f_pos[:, 4].min() > 0.9 > f_neg[:, 4].max()              # a known edge like the pair on both sides
    assert f_pos[:, 0].max() == 0.0                                 # no known prerequisite of the twins
    assert f_pos[:, 11].mean() > f_neg[:, 11].mean() + 0.3          # neighbours' edges vote (S A S^T)
    t = similar_edge_table(x, known)
    assert t.shape == (40, 40, 15)
    assert np.allclose(t[twins[:, 0], twins[:, 1]], f_pos)
    both = np.r_[known, twins]
    for i in range(len(known)):                                     # leave one known edge out
        rest = np.delete(both, i, axis=0)
        assert np.allclose(similar_edge_features(x, rest, known[i:i + 1]),
                           similar_edge_features(x, both, known[i:i + 1]), atol=1e-6)


def test_pair_evidence_tables_reach_the_decoder():
    """Labels depend on a pair evidence column only (text is noise): the text mode with the
    evidence table learns them, without it it cannot."""
    rng = np.random.default_rng(0)
    n = 40
    text = rng.normal(size=(n, 8)).astype(np.float32)
    ev = rng.choice([-1.0, 1.0], size=(n, n, 1)).astype(np.float32)   # a random verdict per pair
    pairs = rng.integers(0, n, size=(900, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    y = (ev[pairs[:, 0], pairs[:, 1], 0] > 0).astype(int)
    g = ConceptGraph(names=[f"c{i}" for i in range(n)], text=text)
    cut = 600
    cfg = PairConfig(mode="text", **FAST)
    with_ev = PairClassifier(cfg).fit(g, pairs[:cut], y[:cut], evidence=(ev, ev))
    without = PairClassifier(cfg).fit(g, pairs[:cut], y[:cut])
    f_ev = gp.prf(y[cut:], with_ev.predict(pairs[cut:]))[2]
    f_no = gp.prf(y[cut:], without.predict(pairs[cut:]))[2]
    assert f_ev > 0.95 and f_no < 0.8, (f_ev, f_no)
    with pytest.raises(PairDataError, match="evidence tables"):
        PairClassifier(cfg).fit(g, pairs[:cut], y[:cut], evidence=(ev[:5], ev))


def test_predict_proba_reads_another_evidence_table_when_given():
    """``predict_proba(evidence=...)`` scores with that table (here: the verdict flipped, so the
    scores flip) and leaves the classifier's own predict table in place afterwards."""
    rng = np.random.default_rng(1)
    n = 30
    text = rng.normal(size=(n, 8)).astype(np.float32)
    ev = rng.choice([-1.0, 1.0], size=(n, n, 1)).astype(np.float32)
    pairs = rng.integers(0, n, size=(600, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    y = (ev[pairs[:, 0], pairs[:, 1], 0] > 0).astype(int)
    g = ConceptGraph(names=[f"c{i}" for i in range(n)], text=text)
    clf = PairClassifier(PairConfig(mode="text", **FAST)).fit(g, pairs[:400], y[:400], evidence=(ev, ev))
    test = pairs[400:]
    own = clf.predict_proba(test)
    flipped = clf.predict_proba(test, evidence=-ev)
    assert gp.prf(y[400:], (own >= .5).astype(int))[2] > 0.9
    assert gp.prf(1 - y[400:], (flipped >= .5).astype(int))[2] > 0.9     # the other table was read
    assert np.allclose(clf.predict_proba(test), own)                      # and not kept
    with pytest.raises(PairDataError, match="shape"):
        clf.predict_proba(test, evidence=ev[:5])


def test_closure_table_reads_chains_of_any_length_never_the_pairs_own_edge():
    from gnn.pairs import closure_table
    # chain 0 -> 1 -> 2 -> 3 -> 4 plus a shortcut 0 -> 4, and a cycle 5 -> 6 -> 7 -> 5 with 5 -> 7
    e = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [0, 4], [5, 6], [6, 7], [7, 5], [5, 7]])
    t = closure_table(8, e)
    assert t[0, 4].tolist() == [0.25, 0.0, 1.0, 0.0]          # 0 ~> 4 by 4 steps besides its own edge
    assert t[4, 0].tolist() == [0.0, 1.0, 0.0, 1.0]           # reversed: the known edge 0 -> 4 says so
    assert t[1, 3].tolist() == [0.5, 0.0, 1.0, 0.0]
    assert t[0, 1].tolist() == [0.0, 0.0, 0.0, 0.0]           # only the own edge links 0 to 1
    assert t[5, 7, 0] == 0.5                                  # 5 -> 6 -> 7, not the own edge 5 -> 7
    for i in range(len(e)):                                   # a known pair looks like a new one
        u, v = e[i]
        rest = np.delete(e, i, axis=0)
        assert np.allclose(closure_table(8, rest)[u, v, [0, 2]], t[u, v, [0, 2]]), (u, v)


def test_grouped_validation_keeps_a_pair_and_its_reverse_together():
    """``split_validation(pairs=...)``: a validation positive takes its reversed negative along,
    and no validation negative is the reverse of a positive left in training."""
    pairs = np.array([[0, 1], [1, 0], [2, 3], [3, 2], [4, 5], [5, 4], [6, 7], [7, 8], [8, 9], [1, 9],
                      [2, 8], [3, 9]])
    y = np.array([1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0])
    for seed in range(5):
        tr, va = gp.split_validation(y, 0.5, seed=seed, pairs=pairs)
        assert sorted(np.r_[tr, va].tolist()) == list(range(len(y)))
        vpos = {tuple(p) for p in pairs[va][y[va] == 1].tolist()}
        tpos = {tuple(p) for p in pairs[tr][y[tr] == 1].tolist()}
        assert len(vpos) == 2
        for u, v in vpos:                                   # its reverse came along
            assert (v, u) not in {tuple(p) for p in pairs[tr].tolist()}
        for u, v in pairs[va][y[va] == 0].tolist():         # never the reverse of a training positive
            assert (v, u) not in tpos
    # without pairs: the plain stratified carve-out, unchanged
    tr, va = gp.split_validation(y, 0.5, seed=0)
    assert int(y[va].sum()) == 2 and len(va) == 6
