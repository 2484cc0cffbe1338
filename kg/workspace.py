"""A workspace: a folder holding ``kgstudio.toml``, the embedded store (``store/``),
model checkpoints (``models/``) and exports (``exports/``). Nothing is written outside it
except caches (``~/.cache/kgstudio`` or ``$KGSTUDIO_CACHE``)."""
from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from kg.atomic import atomic_write
from kg.errors import WorkspaceError
from kg.settings import DEFAULTS, coerce, to_toml
from kg.ontology_graph import ensure_ontology
from kg.store.base import Store
from kg.store.embedded import EmbeddedStore, MirroredStore
from kg.store.remote import RemoteStore

CONFIG_NAME = "kgstudio.toml"
#: seconds a command waits for the embedded store while another process holds its lock
STORE_LOCK_WAIT_S = 15.0


def _say(message: str) -> None:
    print(f"kgstudio: {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """Where caches live (embeddings by text hash)."""
    root = os.environ.get("KGSTUDIO_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "kgstudio")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


class Workspace:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        cfg = self.root / CONFIG_NAME
        if not cfg.is_file():
            raise WorkspaceError(f"{self.root} is not a kgstudio workspace (no {CONFIG_NAME}); "
                                 f"create one with `kgstudio init {root}`")
        try:
            data = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise WorkspaceError(f"{cfg}: {e}") from e
        self.settings: dict[str, Any] = dict(DEFAULTS)
        for table, kv in data.items():
            if not isinstance(kv, dict):
                raise WorkspaceError(f"{cfg}: top-level key {table!r} must be a [table]")
            for key, value in kv.items():
                name = f"{table}.{key}"
                try:
                    self.settings[name] = coerce(name, value)
                except (KeyError, ValueError) as e:
                    raise WorkspaceError(f"{cfg}: {e}") from e
        self._store: Store | None = None

    # ---- creation -------------------------------------------------------------------
    @classmethod
    def init(cls, root: str | Path, **overrides: Any) -> "Workspace":
        root = Path(root)
        if (root / CONFIG_NAME).exists():
            raise WorkspaceError(f"{root} is already a workspace")
        root.mkdir(parents=True, exist_ok=True)
        values = dict(DEFAULTS)
        for k, v in overrides.items():
            values[k] = coerce(k, v)
        atomic_write(root / CONFIG_NAME, to_toml(values))
        for sub in ("models", "exports"):
            (root / sub).mkdir(exist_ok=True)
        ws = cls(root)
        with ws.open_store() as store:  # creates the store and loads the ontology graph
            ensure_ontology(store)
        return ws

    # ---- paths --------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        return self.root / "store"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    # ---- the store ------------------------------------------------------------------------
    def open_store(self, *, read_only: bool = False, in_memory: bool = False) -> Store:
        """A new store handle per the workspace's ``store.*`` settings. Close it when done.

        ``in_memory``: for long-running readers of an embedded store, answer reads from an
        in-memory mirror (:class:`kg.store.embedded.MirroredStore`). While another process
        holds the embedded store's lock this waits up to :data:`STORE_LOCK_WAIT_S` seconds,
        saying so on stderr, then raises :class:`kg.store.embedded.StoreLocked`."""
        backend = self.settings["store.backend"]
        if backend == "embedded":
            wait = {"lock_wait": STORE_LOCK_WAIT_S, "log": _say}
            if in_memory and not read_only:
                return MirroredStore(self.store_path, **wait)
            return EmbeddedStore(self.store_path, read_only=read_only, **wait)
        if backend == "remote":
            url = self.settings["store.query_url"]
            if not url:
                raise WorkspaceError(f"{self.root / CONFIG_NAME}: store.backend is 'remote' but "
                                     "store.query_url is empty")
            return RemoteStore(url, update_url=self.settings["store.update_url"] or None,
                               gsp_url=self.settings["store.gsp_url"] or None,
                               token=self.settings["store.token"] or os.environ.get("KGSTUDIO_STORE_TOKEN") or None,
                               timeout=self.settings["store.timeout_s"],
                               union_mode=self.settings["store.union_mode"])
        raise WorkspaceError(f"unknown store.backend {backend!r}: use 'embedded' or 'remote'")
