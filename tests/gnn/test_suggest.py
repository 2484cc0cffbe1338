"""Suggestions: chunked top-k equals brute force, exclusions hold, the suggestions graph
gets provenance and the source graphs are never touched."""
from __future__ import annotations

import pytest
import torch

from gnn.config import TeacherConfig
from gnn.data import build_teacher_data
from gnn.model import TeacherModel
from gnn.suggest import (RANK, SCORE, TEACHER_PREFIX, neighbour_pairs, suggest, top_k_pairs,
                          write_suggestions)
from gnn.train import train_teacher
from kg.hetero import graph_hash, source_graphs
from ontology.namespaces import KGS, PROV, RDF, SUGGESTIONS_GRAPH
from tests.gnn.conftest import FAST
from tests.gnn.test_data import I, _store


def _model(hidden=8):
    torch.manual_seed(0)
    cfg = TeacherConfig(hidden=hidden, dropout=0.0, use_text=False)
    return TeacherModel(cfg, (["concept"], []), {"concept": 4}, [], {}).eval()


def test_chunked_top_k_equals_brute_force():
    m = _model()
    n = 23
    h = torch.randn(n, 8)
    groups = torch.tensor([0] * 12 + [1] * 10 + [-1])
    exclude = torch.tensor([0 * n + 1, 5 * n + 3, 14 * n + 20])
    pairs, scores = top_k_pairs(m, h, 15, groups=groups, exclude=exclude, chunk_pairs=7)
    with torch.no_grad():
        a, b = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        a, b = a.reshape(-1), b.reshape(-1)
        ok = (a != b) & (groups[a] == groups[b]) & ~torch.isin(a * n + b, exclude)
        s = torch.sigmoid(m.prereq_logits(h[a[ok]], h[b[ok]]))
        top = torch.topk(s, 15)
    assert torch.allclose(scores, top.values, atol=1e-6)
    brute = dict(zip((a[ok] * n + b[ok]).tolist(), s.tolist()))
    keys = (pairs[0] * n + pairs[1]).tolist()
    assert len(set(keys)) == 15 and all(brute[k] == pytest.approx(float(v), abs=1e-6)
                                        for k, v in zip(keys, scores))
    rest = [v for k, v in brute.items() if k not in keys]
    assert min(scores.tolist()) >= max(rest) - 1e-6          # nothing better was left out
    assert not set((pairs[0] * n + pairs[1]).tolist()) & set(exclude.tolist())


def test_scoring_candidates_is_chunked_not_quadratic_in_memory():
    """Every call of the prerequisite head sees at most max(chunk_pairs, n) pairs, never
    the n^2 candidates at once (with or without the per-node cap)."""
    m = _model()
    seen = []
    head = m.prereq_logits

    def spy(ha, hb):
        seen.append(ha.shape[0])
        return head(ha, hb)

    m.prereq_logits = spy
    n, chunk = 300, 1000                       # 89,700 candidate pairs
    h = torch.randn(n, 8)
    for cap in (0, 3):
        seen.clear()
        pairs, scores = top_k_pairs(m, h, 20, chunk_pairs=chunk, max_per_node=cap)
        assert pairs.shape == (2, 20) and scores.shape == (20,)
        assert sum(seen) == n * (n - 1)        # every candidate scored once ...
        assert max(seen) <= max(chunk, n)      # ... a chunk at a time
        assert len(seen) >= n * (n - 1) // max(chunk, n)


def test_neighbour_candidates_equal_brute_force_in_chunks():
    torch.manual_seed(1)
    n, m = 40, 4
    z = torch.randn(n, 5)
    groups = torch.tensor([0] * 20 + [1] * 15 + [-1] * 5)
    exclude = torch.tensor([0 * n + 1, 3 * n + 7, 25 * n + 30])
    got = neighbour_pairs(z, m, groups=groups, exclude=exclude, chunk_pairs=n * 3)  # 3 rows a chunk
    u = torch.nn.functional.normalize(z, dim=-1)
    sim = u @ u.t()
    want = set()
    for a in range(n):
        ok = [b for b in range(n) if b != a and groups[b] == groups[a] and a * n + b not in exclude.tolist()]
        ok.sort(key=lambda b: -float(sim[a, b]))
        want |= {(a, b) for b in ok[:m]}
    assert set(map(tuple, got.t().tolist())) == want
    assert got.shape[1] == len(want) <= n * m


@pytest.fixture(scope="module")
def trained():
    st = _store()
    td = build_teacher_data(st, embed=False)
    r = train_teacher(td, TeacherConfig(**{**FAST, "epochs": 5}))
    return st, td, r


def test_suggestions_skip_known_pairs(trained):
    _st, td, r = trained
    out = suggest(r.model, td, top_k=100)
    iris = td.index.iris["concept"]
    known = {("e", "c"), ("c", "e"), ("b", "a"), ("a", "b"), ("d", "e"), ("e", "d")}
    got = {(s.a.rsplit("/", 1)[1], s.b.rsplit("/", 1)[1]) for s in out}
    assert out and all(s.node_type == "concept" and 0 < s.score < 1 and s.a != s.b for s in out)
    assert not got & known
    # every text label is known too: 5 concepts -> 20 ordered pairs, minus the known ones
    lab = td.extra_prereq["concept"]
    text = {(iris[a].rsplit("/", 1)[1], iris[b].rsplit("/", 1)[1]) for a, b in lab.pos.t().tolist()}
    assert not got & text and not got & {(b, a) for a, b in text}
    assert [s.rank for s in out] == list(range(1, len(out) + 1))
    assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)


def test_written_with_provenance_never_into_sources(trained):
    st, td, r = trained
    before = {g: st.graph_triples(g) for g in source_graphs(st)}
    h0 = graph_hash(st)
    other = f"<{I}x> <{KGS.requires}> <{I}y>"                      # someone else's triple: kept
    st.add_to_graph(str(SUGGESTIONS_GRAPH), other + " .\n")
    out = suggest(r.model, td, top_k=3)
    info = write_suggestions(st, out, checkpoint_sha256="ab" * 32, graph_hash=td.graph_hash)
    assert {g: st.graph_triples(g) for g in source_graphs(st)} == before and graph_hash(st) == h0
    rows = st.select(f"""SELECT ?n ?a ?b ?score ?rank ?act ?ck ?t WHERE {{ GRAPH <{SUGGESTIONS_GRAPH}> {{
        ?n a <{RDF.Statement}> ; <{RDF.subject}> ?a ; <{RDF.predicate}> <{KGS.requires}> ; <{RDF.object}> ?b ;
           <{SCORE}> ?score ; <{RANK}> ?rank ; <{PROV.wasGeneratedBy}> ?act ; <{PROV.wasAttributedTo}> ?ck ;
           <{PROV.generatedAtTime}> ?t .
        ?act a <{PROV.Activity}> ; <{PROV.used}> ?ck .
        ?ck a <{PROV.SoftwareAgent}> }} }} ORDER BY ?rank""")
    assert len(rows) == 3 == info["suggestions"]
    assert [(str(x["a"]), str(x["b"])) for x in rows] == [(s.a, s.b) for s in out]
    # kgs:score is the head's own score; a calibrated probability goes to kgs:probability
    assert [float(x["score"]) for x in rows] == pytest.approx([s.raw_score for s in out])
    assert {str(x["ck"]) for x in rows} == {info["checkpoint"]} and info["checkpoint"].endswith("abababababababab")
    assert str(rows[0]["t"].datatype).endswith("dateTime")
    # a second run replaces the teacher's suggestions and keeps the other triple
    write_suggestions(st, out[:2], checkpoint_sha256="cd" * 32, graph_hash=td.graph_hash)
    lines = st.graph_triples(str(SUGGESTIONS_GRAPH))
    assert other in lines
    subjects = {ln.split(" ")[0] for ln in lines if ln.startswith(f"<{TEACHER_PREFIX}suggestion/")}
    assert len(subjects) == 2
    assert not any("abababab" in ln for ln in lines)


def test_cap_per_node_is_greedy_best_first():
    m = _model()
    n = 30
    h = torch.randn(n, 8)
    pairs, scores = top_k_pairs(m, h, 12, max_per_node=2, chunk_pairs=50)
    assert pairs.shape == (2, 12)
    for side in (0, 1):
        assert torch.bincount(pairs[side], minlength=n).max() <= 2
    assert scores.tolist() == sorted(scores.tolist(), reverse=True)
    # the same greedy over every pair at once
    with torch.no_grad():
        a, b = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        a, b = a.reshape(-1), b.reshape(-1)
        ok = a != b
        s = torch.sigmoid(m.prereq_logits(h[a[ok]], h[b[ok]]))
    from gnn.suggest import _greedy_capped
    _bs, bk = _greedy_capped(s, (a[ok] * n + b[ok]), n, 12, 2)
    assert (pairs[0] * n + pairs[1]).tolist() == bk.tolist()


def test_definition_links_come_first_with_their_kind_and_precision(trained):
    from gnn.data import LABEL_KINDS
    import numpy as np

    import gnn.suggest as gs
    from gnn.suggest import LINK_PRECISION, basis_line, provenance_note
    from kg.definition_links import DefinitionLink
    _st, td, r = trained
    iris = td.index.iris["concept"]
    lab = td.extra_prereq["concept"]
    weak = [(iris[a], iris[b]) for (a, b), k in zip(lab.pos.t().tolist(), lab.kind.tolist())
            if LABEL_KINDS[k].startswith("weak")]
    assert weak
    wa, wb = weak[0]
    links = {(wa, wb): DefinitionLink(wa, wb, "genus", "a kind of thing"),
             (f"{I}e", f"{I}c"): DefinitionLink(f"{I}e", f"{I}c", "kind-of", "e c"),  # a known edge
             (f"{I}nowhere", f"{I}a"): DefinitionLink(f"{I}nowhere", f"{I}a", "names", "x")}
    info = {}
    out = suggest(r.model, td, top_k=100, links=links, info=info)
    # the weak text label is on the list now, first, as a genus link; the known edge is not
    assert (out[0].a, out[0].b, out[0].basis, out[0].basis_text) == (wa, wb, "genus", "a kind of thing")
    assert out[0].score == LINK_PRECISION["genus"] and out[0].band == "likely"
    assert not any((s.a, s.b) == (f"{I}e", f"{I}c") for s in out)
    assert all(s.basis is None for s in out[1:])
    assert info["links"] == 1 and "ranked by probability" in info["method"]
    # the graph has prerequisite edges, but the teacher was calibrated on them against
    # unlabelled pairs, not on decisions: beside links its pairs get their judged share
    assert "not being calibrated on decisions" in info["method"]
    assert all(s.score == gs.WEAK_TEACHER_PRECISION for s in out[1:])
    # a calibrator given (as one fitted on decisions): the teacher's calibrated score stands
    from gnn.calibration import Calibrator
    info_given = {}
    given = suggest(r.model, td, top_k=100, links=links, info=info_given,
                    calibrator=Calibrator("identity").fit(np.array([.2, .8]), np.array([0, 1])))
    assert "its calibrated score" in info_given["method"]
    info_trusted = {}
    suggest(r.model, td, top_k=100, links=links, info=info_trusted, trust_teacher=True)
    assert "its calibrated score" in info_trusted["method"]
    assert {round(s.score, 4) for s in given if s.basis is None} != {gs.WEAK_TEACHER_PRECISION}
    assert basis_line(out[0]).startswith("the definition of ") and "\u201ca kind of thing\u201d" in basis_line(out[0])
    assert "genus" in provenance_note(out[0]) and "teacher" in provenance_note(out[1])
    # without links: the teacher's list, and the weak label is not on it
    plain = suggest(r.model, td, top_k=100)
    assert not any((s.a, s.b) == (wa, wb) for s in plain)


def test_run_and_suggestions_say_how_the_list_was_made(trained):
    from ontology.namespaces import DCTERMS, RDFS
    st, td, r = trained
    out = suggest(r.model, td, top_k=2)
    info = write_suggestions(st, out, checkpoint_sha256="ef" * 32, graph_hash=td.graph_hash,
                             method="the teacher's neighbour pairs")
    rows = st.select(f"""SELECT ?c WHERE {{ GRAPH <{SUGGESTIONS_GRAPH}> {{ <{info['activity']}> <{RDFS.comment}> ?c }} }}""")
    assert [str(x["c"]) for x in rows] == ["the teacher's neighbour pairs"]
    notes = st.select(f"""SELECT ?d WHERE {{ GRAPH <{SUGGESTIONS_GRAPH}> {{ ?n <{DCTERMS.description}> ?d }} }}""")
    assert len(notes) == 2 and all("teacher's calibrated score" in str(x["d"]) for x in notes)


def test_links_whose_texts_differ_are_dropped(trained):
    import copy
    from gnn.suggest import MIN_LINK_SIMILARITY, _link_pairs
    from kg.definition_links import DefinitionLink
    _st, td, r = trained
    td = copy.deepcopy(td)
    iris = td.index.iris["concept"]
    n = len(iris)
    known = set(_known_keys_rows(td))
    # A = p with two linked concepts q (same text direction) and z (orthogonal text)
    p, q, z = next((p, q, z) for p in range(n) for q in range(n) for z in range(n)
                   if len({p, q, z}) == 3 and (p, q) not in known and (p, z) not in known)
    x = torch.zeros(n, 2)
    x[:, 0] = 1.0
    x[z] = torch.tensor([0.0, 1.0])
    td.feature_layout = ["minilm_0", "minilm_1"]
    td.data["concept"].x = x
    links = {(iris[p], iris[b]): DefinitionLink(iris[p], iris[b], "names", "t") for b in (q, z)}
    rows, of, sim = _link_pairs(td, torch.zeros(n, 2), "concept", links)
    assert set(of) == {(p, q)} and rows.t().tolist() == [[p, q]]   # (p, z): cosine 0 < 0.4
    assert sim == {(p, q): 1.0} and MIN_LINK_SIMILARITY == 0.4


def _known_keys_rows(td):
    from gnn.suggest import _known_keys
    n = td.data["concept"].num_nodes
    return [(k // n, k % n) for k in _known_keys(td, None, "concept", weak=False).tolist()]


def test_a_teacher_of_text_labels_alone_gets_its_judged_precision(trained, monkeypatch):
    import numpy as np
    import gnn.suggest as gs
    from kg.definition_links import DefinitionLink
    _st, td, r = trained
    iris = td.index.iris["concept"]
    known = set(_known_keys_rows(td))
    i, j = next((i, j) for i in range(len(iris)) for j in range(len(iris)) if i != j and (i, j) not in known)
    a, b = iris[i], iris[j]
    links = {(a, b): DefinitionLink(a, b, "names", "t", b_later=True)}
    # no prerequisite edge and no decisions: the teacher learnt from the text labels alone
    monkeypatch.setattr(gs, "accepted_edges", lambda td, nt: np.zeros((0, 2), dtype=np.int64))
    info = {}
    out = gs.suggest(r.model, td, top_k=100, links=links, info=info)
    links_out = [s for s in out if s.basis]
    assert [(s.a, s.b, s.score, s.band, s.basis_later) for s in links_out] == \
        [(a, b, gs.LATER_LINK_PRECISION, "possible", True)] and out[0] is links_out[0]
    assert all(s.score == gs.WEAK_TEACHER_PRECISION and s.band == "unlikely" for s in out[1:])
    assert "text labels alone" in info["method"] and "text-derived labels alone" in gs.provenance_note(out[1])
    assert "(but the book defines" in gs.basis_line(out[0])
