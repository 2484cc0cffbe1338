"""Workspace settings: one table (name, default, help) that ``kgstudio.toml``, the CLI and
the README all read. ``tests/studio/test_cli.py`` fails when a setting is undocumented.

Every value is validated (pydantic) against the type of its default, its choices and its
range: a wrong one is a :class:`SettingError` naming the setting, the value and what is
allowed, never a quiet guess.

>>> coerce("serve.in_memory", "false"), coerce("serve.port", 8080)
(False, 8080)
>>> coerce("serve.in_memory", "ture")
Traceback (most recent call last):
...
kg.settings.SettingError: serve.in_memory = 'ture' is not allowed: true or false
>>> coerce("store.backend", "sqlite")
Traceback (most recent call last):
...
kg.settings.SettingError: store.backend = 'sqlite' is not allowed: one of 'embedded', 'remote'
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import tomli_w
from pydantic import TypeAdapter, ValidationError

from kg.errors import KGStudioError


class SettingError(KGStudioError, ValueError):
    """A setting's value has the wrong type, is not one of its choices or is out of range."""


class UnknownSetting(SettingError, KeyError):
    """No setting has this name."""

    def __str__(self) -> str:          # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Setting:
    name: str      # dotted name: "<table>.<key>" in kgstudio.toml
    default: Any
    help: str
    choices: tuple[str, ...] = ()       # the allowed values of a text setting (empty: any text)
    minimum: float | None = None        # lowest allowed number (inclusive)
    maximum: float | None = None        # highest allowed number (inclusive)
    positive: bool = False              # a number above 0


SETTINGS: list[Setting] = [
    Setting("store.backend", "embedded", "'embedded' (pyoxigraph in the workspace) or 'remote' (a SPARQL 1.1 endpoint)",
            choices=("embedded", "remote")),
    Setting("store.query_url", "", "remote backend: SPARQL 1.1 Query endpoint URL"),
    Setting("store.update_url", "", "remote backend: SPARQL 1.1 Update endpoint URL (default: the query URL)"),
    Setting("store.gsp_url", "", "remote backend: Graph Store Protocol URL (optional; speeds up graph reads)"),
    Setting("store.token", "", "remote backend: bearer token sent with every request (or env KGSTUDIO_STORE_TOKEN)"),
    Setting("store.union_mode", "dataset", "remote backend: how triple patterns outside GRAPH see all named graphs: 'dataset' (portable), 'oxigraph', or 'server' (GraphDB, Virtuoso, QLever)",
            choices=("dataset", "oxigraph", "server")),
    Setting("store.timeout_s", 60.0, "remote backend: HTTP timeout per request in seconds", positive=True),
    Setting("import.max_file_mb", 200.0, "files larger than this are refused before they are read", positive=True),
    Setting("serve.host", "127.0.0.1", "address kgstudio serve listens on"),
    Setting("serve.port", 7878, "port kgstudio serve listens on", minimum=0, maximum=65535),
    Setting("serve.in_memory", True, "kgstudio serve: each query worker answers from an in-memory copy of the embedded store, re-read from disk after every update (faster lookups; costs memory per worker and a reload per update)"),
    Setting("serve.query_timeout_s", 10.0, "kgstudio serve: a query running longer is cut (HTTP 503) and its worker process killed", positive=True),
    Setting("serve.max_results", 100000, "kgstudio serve: rows/triples returned at most per query", minimum=1),
    Setting("serve.max_result_mb", 32.0, "kgstudio serve: bytes returned at most per query, in MB (the result is cut at a row)", positive=True),
    Setting("serve.workers", 4, "kgstudio serve: query worker processes, i.e. queries running at once", minimum=1, maximum=256),
    Setting("serve.queue_wait_s", 2.0, "kgstudio serve: how long a query waits for a free worker before HTTP 503 with Retry-After", minimum=0),
    Setting("serve.query_memory_mb", 1024, "kgstudio serve: address space a query may add to its worker process (RLIMIT_AS), in MB; 0: no limit", minimum=0),
    Setting("serve.max_query_bytes", 1000000, "kgstudio serve: largest query accepted, in bytes", minimum=1),
    Setting("serve.max_update_bytes", 16000000, "kgstudio serve: largest update accepted, in bytes", minimum=1),
    Setting("serve.max_depth", 64, "kgstudio serve and the SPARQL page: deepest bracket nesting accepted in a query (thousands crash the parser)", minimum=1, maximum=1000),
    Setting("serve.max_chain", 512, "kgstudio serve and the SPARQL page: longest chain of operators or group elements accepted in a query", minimum=1, maximum=4000),
    Setting("serve.allowed_endpoints", "", "kgstudio serve and the SPARQL page: IRIs that SERVICE and LOAD may name, space-separated (empty: none, so queries open no connections)"),
    Setting("serve.cors_origins", "", "kgstudio serve: origins whose pages may read query results, space-separated ('*': any; empty: none)"),
    Setting("serve.max_connections", 512, "kgstudio serve: open connections at most (HTTP 503 past it)", minimum=1),
    Setting("serve.header_timeout_s", 10.0, "kgstudio serve: a client must send its request headers within this many seconds", positive=True),
    Setting("serve.update_token", "", "kgstudio serve: bearer token that enables SPARQL Update (empty: read-only; or env KGSTUDIO_UPDATE_TOKEN)"),
    Setting("embeddings.model", "all-MiniLM-L6-v2", "sentence embedding model for node features (local path, or the bundled all-MiniLM-L6-v2)"),
    Setting("export.schemas_dir", "", "kgstudio export: folder holding the IMS cc-1.1/ and qti-1.2/ XSDs that imscc and qti-canvas packs are validated with (empty: $KGSTUDIO_SCHEMAS, then ../shared/schemas/common-cartridge)"),
    Setting("studio.similarity", "teacher", "kgstudio studio: how quiz distractors are ranked when composing: 'teacher' (the GNN teacher's embeddings, else MiniLM), 'text' (MiniLM) or 'lexical' (word overlap; loads no model, so the generator is ready in seconds)",
            choices=("teacher", "text", "lexical")),
]

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False,
               "1": True, "0": False}


@functools.lru_cache(maxsize=None)
def _adapter(kind: type) -> TypeAdapter:
    # lax for numbers ("8080" from an environment or a form is fine), strict where a guess
    # would be wrong: booleans are read by _bool, text is never made from a number
    return TypeAdapter(kind, config={"allow_inf_nan": False})


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise SettingError(f"{name} = {value!r} is not allowed: true or false")


def coerce(name: str, value: Any) -> Any:
    """``value`` as the setting ``name`` holds it; :class:`SettingError` when it is not
    allowed (wrong type, not one of the choices, out of range)."""
    s = BY_NAME.get(name)
    if s is None:
        raise UnknownSetting(f"unknown setting {name!r}; known: {', '.join(DEFAULTS)}")
    if isinstance(s.default, bool):
        return _bool(name, value)
    kind = type(s.default)
    if kind is str and not isinstance(value, str):
        raise SettingError(f"{name} = {value!r} is not allowed: text (a quoted TOML string)")
    if kind in (int, float) and isinstance(value, bool):
        raise SettingError(f"{name} = {value!r} is not allowed: a number")
    try:
        v = _adapter(kind).validate_python(value)
    except ValidationError:
        what = "a whole number" if kind is int else "a finite number"
        raise SettingError(f"{name} = {value!r} is not allowed: {what}") from None
    if s.choices and v not in s.choices:
        raise SettingError(f"{name} = {value!r} is not allowed: one of "
                           + ", ".join(repr(c) for c in s.choices))
    if kind in (int, float):
        if (s.positive and not v > 0) or (s.minimum is not None and v < s.minimum) \
                or (s.maximum is not None and v > s.maximum) or (isinstance(v, float) and not math.isfinite(v)):
            rng = ("above 0" if s.positive else
                   f"from {s.minimum:g} to {s.maximum:g}" if s.maximum is not None else f"at least {s.minimum:g}")
            raise SettingError(f"{name} = {value!r} is not allowed: a number {rng}")
    return v


def to_toml(values: dict[str, Any]) -> str:
    """The settings as ``kgstudio.toml`` text (tables per dotted prefix), written by
    tomli-w, so any text (quotes, backslashes, control characters) reads back as it was."""
    tables: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        table, key = name.split(".", 1)
        tables.setdefault(table, {})[key] = value
    return ("# kgstudio workspace settings; see `kgstudio settings` for what each one does.\n\n"
            + tomli_w.dumps(tables))


def markdown_table() -> str:
    """The settings as a Markdown table (pasted into the README by ``python -m kg.settings``)."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    rows += [f"| `{s.name}` | `{s.default!r}` | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)


if __name__ == "__main__":  # rewrite the README's settings table in place
    import re
    import sys
    from pathlib import Path

    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    text = readme.read_text(encoding="utf-8")
    new = re.sub(r"(<!-- settings:start[^>]*-->\n).*?(\n<!-- settings:end -->)",
                 lambda m: m.group(1) + markdown_table() + m.group(2), text, flags=re.S)
    readme.write_text(new, encoding="utf-8")
