"""gnn.infer.Teacher: the trained teacher as a service (embeddings, prerequisite scores,
similarity), loaded from a tiny trained workspace; clean errors when untrained or stale."""
from __future__ import annotations

import pytest
import torch

from gnn.checkpoint import CheckpointError, CheckpointMismatch, teacher_dir
from gnn.config import TeacherConfig
from gnn.data import build_teacher_data
from gnn.infer import Teacher, UnknownNode, clear_cache
from gnn.train import train_teacher
from kg.errors import KGStudioError
from tests.gnn.test_cli_teacher import _ws
from tests.gnn.test_data import G, I, K


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    ws = _ws(tmp_path_factory.mktemp("infer"))
    with ws.open_store() as st:
        td = build_teacher_data(st, embed=False)
    r = train_teacher(td, TeacherConfig(epochs=3, use_text=False, device="cpu", hidden=16),
                      out_dir=teacher_dir(ws))
    return ws, r


def test_untrained_workspace_is_a_clear_error(tmp_path):
    ws = _ws(tmp_path)
    with pytest.raises(CheckpointError, match="train one with `kgstudio train-teacher"):
        Teacher.load(ws)


def test_load_and_query(trained):
    ws, r = trained
    clear_cache()
    t = Teacher.load(ws, saved=False)                # runs the GNN (td.data is needed below)
    assert t.checkpoint_id == r.sha256[:16] and len(t.checkpoint_id) == 16
    assert t.dim == 16
    a, b, c = f"{I}a", f"{I}b", f"{I}c"
    assert t.node_type(a) == "concept" and a in t and "urn:nope" not in t
    e = t.embedding(a)
    assert e.shape == (16,) and torch.isfinite(e).all()
    E = t.embeddings([a, b, f"{I}o1"])              # several types at once
    assert E.shape == (3, 16) and torch.equal(E[0], e)
    # the same as running the checkpoint's model by hand on the full graph
    model = r.model.eval()
    with torch.no_grad():
        h = model(t.td.data.x_dict, t.td.data.edge_index_dict)["concept"]
        row_a, row_b = t.td.index.index_of(a)[1], t.td.index.index_of(b)[1]
        want = torch.sigmoid(model.prereq_logits(h[[row_a]], h[[row_b]]))
    s = t.prereq_scores([(a, b), (b, a), (a, c)])
    assert s.shape == (3,) and ((s > 0) & (s < 1)).all()
    assert torch.allclose(s[0], want[0], atol=1e-5)
    rel = t.relevance(a, [a, b, c])
    assert len(rel) == 3 and abs(rel[0] - 1) < 1e-5 and all(-1 - 1e-5 <= x <= 1 + 1e-5 for x in rel)
    near = t.nearest(a, k=2)
    assert len(near) == 2 and a not in [x for x, _ in near]
    assert near[0][1] >= near[1][1]
    assert set(x for x, _ in t.nearest(a, k=99)) == set(t.iris("concept")) - {a}
    assert t.prereq_scores([]).shape == (0,) and t.relevance(a, []) == []
    with pytest.raises(UnknownNode, match="urn:nope"):
        t.prereq_scores([(a, "urn:nope")])
    with pytest.raises(UnknownNode, match="no 'widget' nodes"):
        t.nearest(a, 3, node_type="widget")
    assert Teacher.load(ws) is t                     # cached per process


def test_saved_embeddings_skip_the_rebuild_and_match(trained, monkeypatch):
    import gnn.data
    from gnn.infer import EMBEDDINGS_FILE
    ws, r = trained
    path = teacher_dir(ws) / EMBEDDINGS_FILE
    clear_cache()
    path.unlink(missing_ok=True)
    full = Teacher.load(ws, cache=False)             # rebuilds, then saves the embeddings
    assert full.td.data is not None and path.is_file()
    a, b, c = f"{I}a", f"{I}b", f"{I}c"

    def no_rebuild(*a, **k):
        raise AssertionError("the teacher data was rebuilt although embeddings were saved")
    monkeypatch.setattr(gnn.data, "build_teacher_data", no_rebuild)
    fast = Teacher.load(ws, cache=False)
    assert fast.td.data is None and fast.checkpoint_id == full.checkpoint_id
    iris = [a, b, c, f"{I}o1"]
    assert torch.equal(fast.embeddings(iris), full.embeddings(iris))
    pairs = [(a, b), (b, a), (a, c)]
    assert torch.allclose(fast.prereq_scores(pairs), full.prereq_scores(pairs))
    assert fast.nearest(a, 3, same_curriculum=True) == full.nearest(a, 3, same_curriculum=True)
    assert fast.iris("concept") == full.iris("concept") and fast.graph_hash == full.graph_hash
    # a file of another checkpoint, or a damaged one, is never trusted: rebuild
    monkeypatch.undo()
    good = path.read_bytes()
    p = torch.load(path, weights_only=True)
    p["checkpoint_sha256"] = "0" * 64
    torch.save(p, path)
    assert Teacher.load(ws, cache=False).td.data is not None
    path.write_bytes(good[: len(good) // 2])
    assert Teacher.load(ws, cache=False).td.data is not None
    assert path.read_bytes() == good                 # and the rebuild wrote a good file again
    clear_cache()


def test_changed_graph_is_refused(trained):
    ws, _r = trained
    with ws.open_store() as st:
        st.add_to_graph(G, f"<{I}a> <{K}requires> <{I}b> .\n")
    # runs last in this module: the fixture's workspace is left changed
    with pytest.raises(CheckpointMismatch, match="changed since") as e:
        Teacher.load(ws)
    assert isinstance(e.value, KGStudioError)
