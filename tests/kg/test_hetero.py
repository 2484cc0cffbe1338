"""HeteroData export on an 8-node curriculum."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from kg.hetero import (ExportError, NodeIndex, edge_types, export_heterodata, feature_layout,
                       graph_hash, load_heterodata, source_graphs, to_heterodata)
from kg.store.embedded import EmbeddedStore

K = "https://w3id.org/kgstudio/ns#"
I = "https://w3id.org/kgstudio/id/t/"
A = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
L = "http://www.w3.org/2000/01/rdf-schema#label"
XI = "^^<http://www.w3.org/2001/XMLSchema#integer>"
G = "https://w3id.org/kgstudio/graph/source/t"

LINES = [
    f'<{I}cur> <{A}> <{K}Curriculum> .', f'<{I}cur> <{L}> "Biology"@en .',
    f'<{I}ch1> <{A}> <{K}Chapter> .', f'<{I}ch1> <{L}> "Cells"@en .',
    f'<{I}ch1> <{K}partOf> <{I}cur> .', f'<{I}ch1> <{K}position> "1"{XI} .',
    f'<{I}s1> <{A}> <{K}Section> .', f'<{I}s1> <{L}> "The cell"@en .',
    f'<{I}s1> <{K}partOf> <{I}ch1> .', f'<{I}s1> <{K}position> "2"{XI} .',
    f'<{I}s1> <{K}summary> "What cells are made of."@en .',
    f'<{I}s1> <{K}teaches> <{I}a> .', f'<{I}s1> <{K}teaches> <{I}b> .',
    f'<{I}a> <{A}> <{K}Concept> .', f'<{I}a> <{L}> "cell membrane"@en .',
    f'<{I}a> <{K}definition> "The boundary of a cell."@en .',
    f'<{I}b> <{A}> <{K}Concept> .', f'<{I}b> <{L}> "organelle"@en .',
    f'<{I}c> <{A}> <{K}Concept> .', f'<{I}c> <{L}> "lipid"@en .',
    f'<{I}a> <{K}requires> <{I}c> .', f'<{I}b> <{K}requires> <{I}a> .',
    f'<{I}b> <{K}requires> <{I}c> .', f'<{I}a> <{K}definedIn> <{I}s1> .',
    f'<{I}a> <{K}exactMatch> <http://example.org/ext> .',          # untyped target: dropped
    f'<{I}o1> <{A}> <{K}LearningObjective> .', f'<{I}o1> <{L}> "Describe membranes."@en .',
    f'<{I}o1> <{K}teaches> <{I}a> .', f'<{I}o1> <{K}partOf> <{I}s1> .',
    f'<{I}q1> <{A}> <{K}AssessmentItem> .', f'<{I}q1> <{L}> "What bounds a cell?"@en .',
    f'<{I}q1> <{K}assesses> <{I}a> .', f'<{I}q1> <{K}assesses> <{I}o1> .',
]


def _store(lines=LINES, extra: dict | None = None) -> EmbeddedStore:
    st = EmbeddedStore(None)
    st.add_to_graph(G, "\n".join(lines) + "\n")
    for g, nt in (extra or {}).items():
        st.add_to_graph(g, nt)
    return st


def test_shapes_edges_and_reverse():
    data, ix = to_heterodata(_store(), embed=False)
    assert {t: len(v) for t, v in ix.iris.items()} == {
        "concept": 3, "objective": 1, "section": 1, "chapter": 1, "item": 1, "curriculum": 1}
    assert ix.iris["concept"] == [I + "a", I + "b", I + "c"]            # IRI order
    for t, n in {"concept": 3, "section": 1, "item": 1}.items():
        assert data[t].x.shape == (n, 4) and data[t].num_nodes == n and data[t].x.dtype == torch.float32
    counts = {et: data[et].edge_index.shape[1] for et in edge_types(data)[0]}
    assert counts == {
        ("chapter", "partOf", "curriculum"): 1, ("concept", "definedIn", "section"): 1,
        ("concept", "requires", "concept"): 3, ("item", "assesses", "concept"): 1,
        ("item", "assesses", "objective"): 1, ("objective", "partOf", "section"): 1,
        ("objective", "teaches", "concept"): 1, ("section", "partOf", "chapter"): 1,
        ("section", "teaches", "concept"): 2,
    }
    # a requires c, b requires a, b requires c   (a=0, b=1, c=2), sorted
    assert data["concept", "requires", "concept"].edge_index.tolist() == [[0, 1, 1], [2, 0, 2]]
    fwd, rev = edge_types(data)
    assert set(data.edge_types) == set(fwd) | set(rev) and len(rev) == len(fwd)
    for f, r in zip(fwd, rev):
        assert r == (f[2], "rev_" + f[1], f[0])
        assert torch.equal(data[r].edge_index, data[f].edge_index.flip(0))
    # structural features: concept a has in-degree 4 (b requires, s1/o1 teach, q1 assesses)
    a = data["concept"].x[0]
    np.testing.assert_allclose(a.numpy(), [np.log1p(4), np.log1p(2), 0, 0], rtol=1e-6)
    np.testing.assert_allclose(data["section"].x[0, 2:].numpy(), [1, np.log1p(2)], rtol=1e-6)
    data.validate()


def test_index_round_trips(tmp_path):
    _, ix = to_heterodata(_store(), embed=False)
    assert len(ix) == 8 and "http://example.org/ext" not in ix
    for t, iris in ix.iris.items():
        for row, iri in enumerate(iris):
            assert ix.index_of(iri) == (t, row) and ix.iri_of(t, row) == iri
    ix.save(tmp_path / "ix.json")
    assert NodeIndex.load(tmp_path / "ix.json") == ix
    with pytest.raises(KeyError, match="not a node"):
        ix.index_of(I + "nope")


def test_insertion_order_does_not_matter():
    d1, ix1 = to_heterodata(_store(), embed=False)
    shuffled = LINES[:]
    random.Random(4).shuffle(shuffled)
    d2, ix2 = to_heterodata(_store(shuffled), embed=False)
    assert ix1 == ix2 and set(d1.edge_types) == set(d2.edge_types)
    for et in d1.edge_types:
        assert torch.equal(d1[et].edge_index, d2[et].edge_index)
    for t in d1.node_types:
        assert torch.equal(d1[t].x, d2[t].x)


def test_graph_hash():
    h = graph_hash(_store())
    assert len(h) == 64
    shuffled = LINES[::-1]
    assert graph_hash(_store(shuffled)) == h
    changed = [l.replace('"lipid"', '"lipids"') for l in LINES]
    assert graph_hash(_store(changed)) != h
    assert graph_hash(_store(LINES[:-1])) != h
    # other graphs (suggestions, content) are not part of it
    other = {"https://w3id.org/kgstudio/graph/suggestions": f"<{I}a> <{K}requires> <{I}b> .\n"}
    assert graph_hash(_store(extra=other)) == h
    with pytest.raises(ExportError, match="import a curriculum"):
        graph_hash(EmbeddedStore(None))


def test_export_and_load(tmp_path, monkeypatch):
    monkeypatch.setenv("KGSTUDIO_CACHE", str(tmp_path / "cache"))
    st = _store()
    out = tmp_path / "exports" / "graph.pt"
    summary = export_heterodata(st, out)
    assert summary["graph_hash"] == graph_hash(st) and summary["graphs"] == [G]
    assert summary["nodes"]["concept"] == 3 and summary["edges"]["concept/requires/concept"] == 3
    data, ix, meta = load_heterodata(out)
    assert NodeIndex.load(out.with_suffix(".index.json")) == ix
    assert meta["graph_hash"] == summary["graph_hash"] and meta["feature_layout"] == feature_layout()
    assert meta["embedding_model"] == "all-MiniLM-L6-v2"
    x = data["concept"].x
    assert x.shape == (3, 388)
    # columns 0..383 are the cached MiniLM vectors of "label. description"
    from kg.embeddings import embed
    want = embed(["cell membrane. The boundary of a cell.", "organelle", "lipid"])
    np.testing.assert_allclose(x[:, :384].numpy(), want, atol=1e-6)
    np.testing.assert_allclose(data["section"].x[0, :384].numpy(),
                               embed(["The cell. What cells are made of."])[0], atol=1e-6)
    same, _ = to_heterodata(st, embed=True)
    for t in same.node_types:
        assert torch.equal(same[t].x, data[t].x)
    for et in same.edge_types:
        assert torch.equal(same[et].edge_index, data[et].edge_index)


def test_random_link_split_accepts_the_edge_types():
    import torch_geometric.transforms as T
    from kg.synthetic import synthetic_curriculum
    st = EmbeddedStore(None)
    st.add_to_graph(G, synthetic_curriculum(60, seed=2))
    data, _ = to_heterodata(st, embed=False)
    fwd, rev = edge_types(data)
    req = fwd.index(("concept", "requires", "concept"))
    train, val, test = T.RandomLinkSplit(num_val=0.1, num_test=0.1, edge_types=[fwd[req]],
                                         rev_edge_types=[rev[req]])(data)
    et = fwd[req]
    n = data[et].edge_index.shape[1]
    assert train[et].edge_index.shape[1] + val[et].edge_label_index.shape[1] // 2 \
        + test[et].edge_label_index.shape[1] // 2 >= n - 2


def test_errors(tmp_path):
    with pytest.raises(ExportError, match="import a curriculum"):
        to_heterodata(EmbeddedStore(None), embed=False)
    st = _store()
    assert source_graphs(st) == [G]
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(ExportError, match="not a readable"):
        load_heterodata(bad)
    torch.save({"format": "something-else"}, tmp_path / "other.pt")
    with pytest.raises(ExportError, match="not a kgstudio"):
        load_heterodata(tmp_path / "other.pt")
