"""Workspace settings: one table (name, default, help) that ``kgstudio.toml``, the CLI and
the README all read. ``tests/studio/test_docs.py`` fails when a setting is undocumented."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str      # dotted name: "<table>.<key>" in kgstudio.toml
    default: Any
    help: str


SETTINGS: list[Setting] = [
    Setting("store.backend", "embedded", "'embedded' (pyoxigraph in the workspace) or 'remote' (a SPARQL 1.1 endpoint)"),
    Setting("store.query_url", "", "remote backend: SPARQL 1.1 Query endpoint URL"),
    Setting("store.update_url", "", "remote backend: SPARQL 1.1 Update endpoint URL (default: the query URL)"),
    Setting("store.gsp_url", "", "remote backend: Graph Store Protocol URL (optional; speeds up graph reads)"),
    Setting("store.token", "", "remote backend: bearer token sent with every request (or env KGSTUDIO_STORE_TOKEN)"),
    Setting("store.union_mode", "dataset", "remote backend: how triple patterns outside GRAPH see all named graphs: 'dataset' (portable), 'oxigraph', or 'server' (GraphDB, Virtuoso, QLever)"),
    Setting("store.timeout_s", 60.0, "remote backend: HTTP timeout per request in seconds"),
    Setting("import.max_file_mb", 200.0, "files larger than this are refused before they are read"),
    Setting("serve.host", "127.0.0.1", "address kgstudio serve listens on"),
    Setting("serve.port", 7878, "port kgstudio serve listens on"),
    Setting("serve.in_memory", True, "kgstudio serve: answer queries from an in-memory copy of the embedded store (many times faster reads; costs memory and a load at start)"),
    Setting("serve.query_timeout_s", 10.0, "kgstudio serve: a query running longer is cut (HTTP 503)"),
    Setting("serve.max_results", 100000, "kgstudio serve: rows/triples returned at most per query"),
    Setting("serve.update_token", "", "kgstudio serve: bearer token that enables SPARQL Update (empty: read-only; or env KGSTUDIO_UPDATE_TOKEN)"),
    Setting("embeddings.model", "all-MiniLM-L6-v2", "sentence embedding model for node features (local path, or the bundled all-MiniLM-L6-v2)"),
    Setting("export.schemas_dir", "", "kgstudio export: folder holding the IMS cc-1.1/ and qti-1.2/ XSDs that imscc and qti-canvas packs are validated with (empty: $KGSTUDIO_SCHEMAS, then ../shared/schemas/common-cartridge)"),
    Setting("studio.similarity", "teacher", "kgstudio studio: how quiz distractors are ranked when composing: 'teacher' (the GNN teacher's embeddings, else MiniLM), 'text' (MiniLM) or 'lexical' (word overlap; loads no model, so the generator is ready in seconds)"),
]

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


def coerce(name: str, value: Any) -> Any:
    """Coerce ``value`` to the type of the setting's default."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(DEFAULTS)}")
    default = DEFAULTS[name]
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return str(value)


def to_toml(values: dict[str, Any]) -> str:
    """Write settings as TOML tables (only strings, numbers and booleans occur)."""
    tables: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        table, key = name.split(".", 1)
        tables.setdefault(table, {})[key] = value
    lines = ["# kgstudio workspace settings; see `kgstudio settings` for what each one does.\n"]
    for table, kv in tables.items():
        lines.append(f"\n[{table}]\n")
        for k, v in kv.items():
            if isinstance(v, bool):
                lit = "true" if v else "false"
            elif isinstance(v, (int, float)):
                lit = repr(v)
            else:
                lit = '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines.append(f"{k} = {lit}\n")
    return "".join(lines)


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
