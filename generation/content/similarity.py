"""How alike two concepts are, for choosing distractors: the teacher's embeddings when a
teacher is trained, else MiniLM sentence embeddings of "label: definition".

A good distractor is close to the answer (plausible) but not it; the quiz builder ranks
candidates by :meth:`Similarity.scores` and then checks each against the graph (the
similarity never decides correctness). Three sources, best first:

* :class:`TeacherSimilarity` — cosine of the GNN teacher's node embeddings
  (``gnn.infer.Teacher``), which know the graph neighbourhood as well as the text;
* :class:`TextSimilarity` — cosine of all-MiniLM-L6-v2 embeddings of "label. definition"
  (the text the teacher's node features embed). :func:`precompute` embeds every concept
  when a curriculum is imported (``kgstudio import``) and writes the vectors into the
  workspace (:data:`VECTORS_FILE`, keyed by text hash and model): a quiz reads them with
  NumPy and loads no model unless a text is missing (then ``kg.embeddings``'s disk cache,
  then the model);
* :class:`LexicalSimilarity` — word-set overlap (Jaccard) of label and definition, for when
  no embedding model can be loaded (and for fast tests). Clearly weaker.

Each has a ``name`` the quiz stores as provenance of its distractors.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from generation.content.graph import GraphView
from kg import embeddings   # its functions looked up when called (tests replace embed and load_model)
from kg.errors import KGStudioError

#: candidates embedded per call at most, beyond those already embedded (the nearest by words)
SHORTLIST = 48

__all__ = ["Similarity", "TeacherSimilarity", "TextSimilarity", "LexicalSimilarity", "similarity_for",
           "precompute", "VECTORS_FILE"]


class Similarity(Protocol):
    name: str

    def scores(self, focus: str, candidates: Sequence[str]) -> dict[str, float]:
        """Similarity in [-1, 1] of each candidate concept to ``focus``."""
        ...


#: the workspace file of concept embeddings (see :func:`precompute` and ``kg.embeddings.VectorFile``)
VECTORS_FILE = "cache/concept-embeddings.npz"
_DESC_CHARS = 1000   # as kg.hetero: the teacher's node features embed the same text


def _text(view, iri: str) -> str:
    """"label. definition" (at most 1000 characters of it, whitespace collapsed): the text the
    teacher's node features (``kg.hetero``) embed for a concept, so one embedding serves both."""
    c = view.concepts.get(iri)
    if c is None:
        return view.label(iri)
    desc = " ".join((c.definition or "").split())[:_DESC_CHARS]
    return f"{c.label}. {desc}" if desc and desc != c.label else c.label


def vectors_path(workspace):
    return Path(workspace.root) / VECTORS_FILE


def precompute(workspace, store=None, *, log=None) -> int:
    """Embed every concept of the workspace once (the disk cache first: a text the teacher's
    features or an earlier import already embedded is not embedded again) and write the
    vectors into the workspace (:data:`VECTORS_FILE`), so the first quiz loads no model.
    Returns the number of concepts. Raises ``kg.embeddings.EmbeddingError`` when a text is
    missing and no model can be loaded."""
    model = workspace.settings.get("embeddings.model") or embeddings.DEFAULT_MODEL
    own = store is None
    store = workspace.open_store(read_only=True) if own else store
    try:
        view = GraphView(store)
        iris = sorted(view.concepts)
        texts = [_text(view, i) for i in iris]
    finally:
        if own:
            store.close()
    f = embeddings.VectorFile(vectors_path(workspace))
    name = embeddings._cache_model_name(model)
    keys = [embeddings.text_key(t, name) for t in texts]
    try:
        have = f.read()
    except Exception:   # unreadable: rebuilt below
        have = {}
    if keys and all(k in have for k in keys) and len(have) == len(set(keys)):
        return len(iris)
    vecs = embeddings.embed(texts, model=model,
                 progress=(lambda d, n: log(f"embedded {d}/{n} concept texts")) if log else None)
    f.write(dict(zip(keys, vecs)), name)
    return len(iris)


class TextSimilarity:
    """Cosine of MiniLM embeddings of "label: definition" (vectors cached per view)."""

    def __init__(self, view, model: str | None = None, workspace=None):
        self.view = view
        self.model = model or embeddings.DEFAULT_MODEL
        self.name = f"minilm:{self.model}"
        self._vec: dict[str, np.ndarray] = {}
        self._saved: dict[bytes, np.ndarray] = {}   # the workspace's precomputed vectors
        if workspace is not None:
            try:
                self._saved = embeddings.VectorFile(vectors_path(workspace)).read()
            except Exception:   # unreadable: the disk cache and the model, as without it
                self._saved = {}
        self._keys: dict[str, bytes] = {}

    def _key(self, iri: str) -> bytes:
        k = self._keys.get(iri)
        if k is None:
            k = self._keys[iri] = embeddings.text_key(_text(self.view, iri), embeddings._cache_model_name(self.model))
        return k

    def _take_saved(self, iris) -> None:
        """Vectors the workspace file holds (NumPy only: no model, no SQLite)."""
        if self._saved:
            for i in iris:
                if i not in self._vec:
                    v = self._saved.get(self._key(i))
                    if v is not None:
                        self._vec[i] = v

    def _vectors(self, iris: Sequence[str]) -> np.ndarray:
        self._take_saved(iris)
        todo = [i for i in dict.fromkeys(iris) if i not in self._vec]
        if todo:
            vs = embeddings.embed([_text(self.view, i) for i in todo], model=self.model)   # (N, 384)
            self._vec.update(zip(todo, vs))
        return np.stack([self._vec[i] for i in iris]) if iris else np.zeros((0, 384), np.float32)

    def scores(self, focus: str, candidates: Sequence[str]) -> dict[str, float]:
        """Cosine of each candidate to ``focus``. Only candidates already embedded (in this
        object or the disk cache) and the :data:`SHORTLIST` nearest by word overlap are
        embedded now; the others score -1 (never nearer than an embedded one). A first quiz
        on a fresh workspace so embeds a few dozen texts, not the whole curriculum."""
        candidates = list(candidates)
        if not candidates:
            return {}
        self._take_saved([focus] + candidates)
        todo = [c for c in candidates if c not in self._vec]
        if len(todo) > SHORTLIST:
            self._load_cached(todo)
            todo = [c for c in todo if c not in self._vec]
            if len(todo) > SHORTLIST:
                lex = LexicalSimilarity(self.view).scores(focus, todo)
                keep = set(sorted(todo, key=lambda c: (-lex[c], c))[:SHORTLIST])
                candidates = [c for c in candidates if c in self._vec or c in keep]
        out = {c: -1.0 for c in (set(todo) - set(candidates))}
        m = self._vectors([focus] + candidates)                                 # (1 + N, 384)
        sims = m[1:] @ m[0]                                                     # (N,)
        out.update({c: float(s) for c, s in zip(candidates, sims)})
        return out

    def _load_cached(self, iris: Sequence[str]) -> None:
        """Take the vectors the disk cache already holds (no model load)."""
        try:
            cache = embeddings.EmbeddingCache()
        except Exception:   # unreadable cache: embed as before
            return
        try:
            name = embeddings._cache_model_name(self.model)
            keys = {i: embeddings.text_key(_text(self.view, i), name) for i in iris}
            found = cache.get(list(keys.values()))
        finally:
            cache.close()
        for i, k in keys.items():
            if k in found:
                self._vec[i] = found[k]


class TeacherSimilarity:
    """Cosine of the teacher's node embeddings; candidates the teacher never saw (imported
    after training) fall back to ``fallback``."""

    def __init__(self, teacher, fallback: Similarity):
        self.teacher = teacher
        self.fallback = fallback
        self.name = f"teacher:{teacher.checkpoint_id or 'in-memory'}"

    def scores(self, focus: str, candidates: Sequence[str]) -> dict[str, float]:
        if focus not in self.teacher:
            return self.fallback.scores(focus, candidates)
        known = [c for c in candidates if c in self.teacher]
        out = dict(zip(known, self.teacher.relevance(focus, known)))
        rest = [c for c in candidates if c not in out]
        if rest:
            out.update(self.fallback.scores(focus, rest))
        return out


_TOKEN = re.compile(r"\w+", re.UNICODE)


class LexicalSimilarity:
    """Jaccard overlap of the word sets of "label: definition" (no model needed).

    >>> from types import SimpleNamespace as NS
    >>> v = NS(concepts={"a": NS(label="for loop", definition="a loop over items"),
    ...                  "b": NS(label="while loop", definition="a loop with a condition"),
    ...                  "c": NS(label="string", definition="text")}, label=str)
    >>> s = LexicalSimilarity(v).scores("a", ["b", "c"])
    >>> s["b"] > s["c"]
    True
    """

    name = "lexical"

    def __init__(self, view):
        self.view = view

    def _words(self, iri: str) -> set[str]:
        return {w.lower() for w in _TOKEN.findall(_text(self.view, iri)) if len(w) > 2}

    def scores(self, focus: str, candidates: Sequence[str]) -> dict[str, float]:
        f = self._words(focus)
        out = {}
        for c in candidates:
            w = self._words(c)
            out[c] = len(f & w) / len(f | w) if f | w else 0.0
        return out


def similarity_for(view, workspace=None, *, prefer: str = "teacher", teacher=None, log=None) -> Similarity:
    """The best similarity available: ``prefer`` is ``teacher`` (``teacher`` when given,
    else MiniLM), ``text`` (MiniLM) or ``lexical``. MiniLM that cannot be loaded falls back
    to lexical. The teacher is loaded by the caller (:func:`load_teacher`) before it opens
    the workspace store: loading opens the store itself."""
    if prefer == "lexical":
        return LexicalSimilarity(view)
    model = workspace.settings.get("embeddings.model") if workspace is not None else None
    text: Similarity = TextSimilarity(view, model, workspace)
    try:  # probe: raises when no model can be loaded and nothing is cached
        if view.concepts:
            first = next(iter(view.concepts))
            text.scores(first, [first])
    except Exception as e:  # noqa: BLE001 - any failure to load a model: degrade, say so
        if log:
            log(f"sentence embeddings unavailable ({e}); distractors ranked by word overlap")
        text = LexicalSimilarity(view)
    if prefer == "teacher" and teacher is not None:
        return TeacherSimilarity(teacher, text)
    return text


def load_teacher(workspace, *, log=None):
    """The workspace's trained teacher, or None (no checkpoint, or a stale one)."""
    # checked before importing gnn (torch takes seconds to import): models/teacher/teacher.pt
    if not (Path(workspace.models_dir) / "teacher" / "teacher.pt").exists():
        return None
    try:
        from gnn.infer import Teacher
    except ImportError:
        return None
    try:
        return Teacher.load(workspace)
    except KGStudioError as e:
        if log:
            log(f"teacher not used: {e}")
        return None
