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
            out[i, hash(t.split(":")[0].split()[-1]) % 384] = 1.0      # same last label word: cosine 1
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
