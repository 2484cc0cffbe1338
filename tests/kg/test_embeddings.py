"""Sentence embeddings with the real bundled model, and the on-disk cache."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kg.embeddings import (DIM, EmbeddingCache, EmbeddingError, embed, load_model,
                           model_path, text_key)


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    monkeypatch.setenv("KGSTUDIO_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture
def counted(monkeypatch):
    """The real model with its ``encode`` counting calls and texts."""
    m = load_model()
    calls = {"calls": 0, "texts": 0}
    real = m.encode

    def encode(texts, **kw):
        calls["calls"] += 1
        calls["texts"] += len(texts)
        return real(texts, **kw)

    monkeypatch.setattr(m, "encode", encode)
    return calls


def test_second_call_embeds_nothing(cache_env, counted):
    texts = ["Photosynthesis turns light into chemical energy.", "Mitose é a divisão celular.",
             "Photosynthesis turns light into chemical energy."]
    first = embed(texts)
    assert first.shape == (3, DIM) and first.dtype == np.float32
    assert counted == {"calls": 1, "texts": 2}           # the repeated text embedded once
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    again = embed(list(reversed(texts)))
    assert counted == {"calls": 1, "texts": 2}           # all from the cache
    np.testing.assert_array_equal(again, first[::-1])
    assert len(EmbeddingCache(cache_env / "embeddings.sqlite")) == 2
    embed(texts + ["A new sentence."])
    assert counted == {"calls": 2, "texts": 3}           # only the new one
    embed(texts, cache=False)
    assert counted == {"calls": 3, "texts": 5}
    own = EmbeddingCache(cache_env / "other.sqlite")                # an explicit, empty cache
    embed(texts[:1], cache=own)
    assert counted == {"calls": 4, "texts": 6} and len(own) == 1


def test_similar_sentences_are_closer(cache_env):
    v = embed(["A cat is sitting on the mat.", "A kitten sits on a rug.",
               "Interest rates rose after the central bank meeting."])
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2] + 0.3
    assert embed([]).shape == (0, DIM)


def test_cache_is_shared_between_processes(tmp_path):
    script = textwrap.dedent(f"""
        import sys, numpy as np
        from kg.embeddings import EmbeddingCache, text_key
        c = EmbeddingCache({str(tmp_path / 'c.sqlite')!r})
        w = int(sys.argv[1])
        for i in range(150):
            c.put([(text_key(str(i + w * 100)), np.full(4, i, np.float32))], "m")
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(w)]) for w in (0, 1)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    c = EmbeddingCache(tmp_path / "c.sqlite")
    assert len(c) == 250                                   # 0..249, overlaps stored once
    got = c.get([text_key("120"), text_key("nothing")])
    assert list(got) == [text_key("120")] and got[text_key("120")].tolist() in ([120.0] * 4, [20.0] * 4)


def test_keys_and_errors(tmp_path):
    assert text_key("é") != text_key("e") and len(text_key("x")) == 32
    with pytest.raises(EmbeddingError, match="neither"):
        model_path(str(tmp_path / "no-such-model"))
    (tmp_path / "bad.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(EmbeddingError, match="delete it"):
        EmbeddingCache(tmp_path / "bad.sqlite")


def test_vector_file_round_trip_and_errors(tmp_path):
    """The workspace's vector file keeps every key byte (a digest may end in NUL), and an
    unreadable file is a named error that says how to rebuild it."""
    from kg.embeddings import VectorFile
    f = VectorFile(tmp_path / "ws" / "cache" / "v.npz")
    assert f.read() == {}
    keys = [b"\x01" * 31 + b"\x00", text_key("a"), text_key("b")]
    f.write({k: np.full(DIM, i, np.float32) for i, k in enumerate(keys)}, "all-MiniLM-L6-v2")
    got = f.read()
    assert list(got) == keys and [float(v[0]) for v in got.values()] == [0.0, 1.0, 2.0]
    assert [p.name for p in f.path.parent.iterdir()] == ["v.npz"]          # no temporary file left
    f.path.write_bytes(b"garbage")
    with pytest.raises(EmbeddingError, match="v.npz.*re-import"):
        f.read()
