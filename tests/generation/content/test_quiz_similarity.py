"""The MiniLM similarity embeds a shortlist (the nearest by words), not the whole
curriculum, when it ranks distractors: the first quiz on a fresh workspace stays fast."""
from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np

from generation.content import similarity as sim


def test_text_similarity_embeds_a_shortlist_only(monkeypatch, tmp_path):
    monkeypatch.setenv("KGSTUDIO_CACHE", str(tmp_path))
    embedded: list[str] = []

    def fake_embed(texts, model=None, **kw):
        embedded.extend(texts)
        out = np.zeros((len(texts), 384), np.float32)
        for i, t in enumerate(texts):
            out[i, hash(t.split(". ")[0].split()[-1]) % 384] = 1.0      # same last label word: cosine 1
        return out
    import kg.embeddings
    monkeypatch.setattr(kg.embeddings, "embed", fake_embed)
    concepts = {f"c{i}": NS(label=f"thing {i}", definition=f"word{i} filler text") for i in range(200)}
    concepts["loop"] = NS(label="while loop", definition="repeats a block while a condition holds")
    concepts["for"] = NS(label="for loop", definition="repeats a block for each item")
    view = NS(concepts=concepts, label=lambda i: concepts[i].label)
    ts = sim.TextSimilarity(view)
    cands = [c for c in concepts if c != "loop"]
    scores = ts.scores("loop", cands)
    assert set(scores) == set(cands)
    assert len(embedded) <= 1 + sim.SHORTLIST < len(cands)
    assert scores["for"] == max(scores.values()) and scores["for"] > 0.99     # the word-nearest is embedded
    assert sum(v == -1.0 for v in scores.values()) == len(cands) - sim.SHORTLIST


def test_first_quiz_reads_the_workspace_vectors_and_loads_no_model(monkeypatch, tmp_path):
    """`kgstudio import` embeds every concept once into the workspace (keyed by text hash and
    model); a quiz then ranks distractors with no model and no embedding call, and a text
    missing from the file (an edited definition) is the only one embedded."""
    from kg.workspace import Workspace
    import kg.embeddings as E
    monkeypatch.setenv("KGSTUDIO_CACHE", str(tmp_path / "cache"))
    concepts = {"a": NS(label="while loop", definition="repeats a block while a condition holds"),
                "b": NS(label="for loop", definition="repeats a block for each item"),
                "c": NS(label="string", definition="a sequence of characters")}
    view = NS(concepts=concepts, label=lambda i: concepts[i].label)
    vecs = {"a": [1, 0, 0], "b": [0.8, 0.6, 0], "c": [0, 0, 1]}
    ws = Workspace.init(tmp_path / "ws")
    name = E._cache_model_name(E.DEFAULT_MODEL)
    E.VectorFile(sim.vectors_path(ws)).write(
        {E.text_key(sim._text(view, i), name): np.asarray(v, np.float32) for i, v in vecs.items()}, name)
    assert sim._text(view, "a") == "while loop. repeats a block while a condition holds"   # kg.hetero's text

    def no_model(*a, **k):
        raise AssertionError("no model may be loaded")
    monkeypatch.setattr(E, "load_model", no_model)
    ts = sim.TextSimilarity(view, workspace=ws)
    s = ts.scores("a", ["b", "c"])
    assert s == {"b": np.float32(0.8), "c": 0.0}
    # an edited definition misses the file: that text alone goes to the embedder
    concepts["c"] = NS(label="string", definition="text")
    embedded = []
    monkeypatch.setattr(E, "embed", lambda texts, **k: embedded.extend(texts) or np.ones((len(texts), 3), np.float32))
    s2 = sim.TextSimilarity(view, workspace=ws).scores("a", ["b", "c"])
    assert embedded == ["string. text"] and s2["c"] == 1.0


def test_precompute_embeds_every_concept_once(monkeypatch, tmp_path, demo_store):
    """The import step's precompute writes one vector per concept; run again on an unchanged
    graph it embeds nothing."""
    import kg.embeddings as E
    from generation.content.graph import GraphView
    from kg.workspace import Workspace
    monkeypatch.setenv("KGSTUDIO_CACHE", str(tmp_path / "cache"))
    calls = []

    def fake(texts, **k):
        calls.append(len(texts))
        return np.eye(len(texts), 384, dtype=np.float32)
    monkeypatch.setattr(E, "embed", fake)
    ws = Workspace.init(tmp_path / "ws")
    n = sim.precompute(ws, demo_store)
    view = GraphView(demo_store)
    assert n == len(view.concepts) > 20 and calls == [n]
    saved = E.VectorFile(sim.vectors_path(ws)).read()
    assert len(saved) == n
    assert sim.precompute(ws, demo_store) == n and calls == [n]
