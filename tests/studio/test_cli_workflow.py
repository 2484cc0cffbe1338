"""The ``kgstudio`` CLI end to end, in process (``click.testing.CliRunner``).

One workspace is built from the bundled demo curriculum (``kg/demo.py``) for the module;
the commands a user runs on it (import, sparql in every output form, stats, analytics,
validate, export-graph, settings) are checked against what the store and the demo YAML
really hold, and the errors a user can cause exit 1 with one clean message. ``reason``
(HermiT on Java) and ``export-graph --format pt`` (MiniLM node features) take seconds:
they are marked ``slow`` and still run by default, each on its own copy of the workspace.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph, Literal

from kg.demo import demo_curriculum_path
from kg.iris import source_graph
from kg.settings import SETTINGS
from kg.workspace import Workspace
from studio.cli import cli

DEMO_SOURCE = "foundations-of-programming"
DEMO_GRAPH = str(source_graph(DEMO_SOURCE))
CONCEPT_LABELS = "SELECT ?c ?l WHERE { GRAPH <%s> { ?c a skos:Concept ; skos:prefLabel ?l } }" % DEMO_GRAPH


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, (args, result.output, result.exception)
        assert "Traceback (most recent call last)" not in result.output
    return result


def clean_error(result, *words: str) -> str:
    """Exit status 1, exactly one 'error:' line (naming ``words``), no traceback."""
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback (most recent call last)" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip().endswith(errors[0]), "the error is the last thing printed"
    for w in words:
        assert w in errors[0], (w, errors[0])
    return errors[0]


@pytest.fixture(scope="module")
def demo():
    """The demo YAML as data: what the store must hold."""
    return yaml.safe_load(demo_curriculum_path().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A workspace holding the imported demo; returns (path, output of the import)."""
    root = tmp_path_factory.mktemp("cli") / "ws"
    out = run("init", root)
    assert f"Created workspace {root} (embedded store)" in out.stdout
    imported = run("import", "-w", root, "--demo")
    return root, imported


def store_dump(root: Path) -> bytes:
    with Workspace(root).open_store() as store:
        return store.dump()


def store_count(root: Path, graph: str | None = None) -> int:
    with Workspace(root).open_store() as store:
        return store.count(graph)


# ---- init ------------------------------------------------------------------------------------

def test_init_makes_a_workspace(tmp_path):
    root = tmp_path / "new-ws"
    r = run("init", root)
    assert r.stdout.strip() == f"Created workspace {root} (embedded store)"
    assert (root / "kgstudio.toml").is_file()
    assert {p.name for p in root.iterdir()} >= {"kgstudio.toml", "store", "models", "exports"}
    ws = Workspace(root)
    assert ws.settings["store.backend"] == "embedded"
    with ws.open_store() as store:   # the ontology graph is loaded, nothing imported yet
        graphs = store.named_graphs()
    assert graphs and not any("/graph/source/" in g for g in graphs)


def test_init_twice_is_a_clean_error(tmp_path):
    run("init", tmp_path / "w")
    toml_before = (tmp_path / "w" / "kgstudio.toml").read_bytes()
    clean_error(run("init", tmp_path / "w", ok=False), "already a workspace", str(tmp_path / "w"))
    assert (tmp_path / "w" / "kgstudio.toml").read_bytes() == toml_before


# ---- import ----------------------------------------------------------------------------------

def test_import_demo_prints_counts(ws, demo):
    root, r = ws
    lines = r.stdout.strip().splitlines()
    m = re.fullmatch(rf"{DEMO_SOURCE}: (\d+) triples \((\d+) added, 0 removed\) — (.+)", lines[0])
    assert m, r.stdout
    triples, added = int(m[1]), int(m[2])
    counts = {k: int(v) for v, k in (part.split(" ", 1) for part in m[3].split(", "))}
    assert triples == added == store_count(root, DEMO_GRAPH)
    sections = sum(len(ch["sections"]) for ch in demo["chapters"])
    assert counts["chapters"] == len(demo["chapters"]) and counts["sections"] == sections
    assert counts["concepts"] == len(demo["concepts"])
    assert counts["prerequisites"] == sum(len(c.get("requires") or []) for c in demo["concepts"])
    assert re.fullmatch(r"Imported 1 source\(s\) in \d+\.\d s", lines[1])
    assert "as native-yaml" in r.stderr   # the progress log goes to stderr


def test_reimport_of_the_demo_changes_nothing(ws):
    root, _ = ws
    before = store_dump(root)
    r = run("import", "-w", root, "--demo", "-q")
    assert re.match(rf"{DEMO_SOURCE}: \d+ triples \(0 added, 0 removed\)", r.stdout)
    assert r.stderr == ""   # --quiet
    assert store_dump(root) == before


def test_import_needs_a_path(ws):
    r = run("import", "-w", ws[0], ok=False)
    assert r.exit_code == 2 and "give at least one PATH" in r.output


@pytest.mark.parametrize("content, args, words", [
    ("curriculum: [\n", [], ["malformed YAML", ":2:"]),
    (b"curriculum:\n  id: x\n  title: Caf\xe9\n", [], ["not valid UTF-8", ":3:"]),
    ("curriculum: {id: x, title: X}\nchapters: []\n", ["--format", "bogus"], ["unknown format 'bogus'"]),
    (None, [], ["no such file or folder"]),
    ("just some notes\n", [], ["cannot tell the format"]),
], ids=["malformed", "latin-1", "unknown-format", "missing", "undetectable"])
def test_import_of_a_bad_file_is_one_clean_line_and_changes_nothing(ws, tmp_path, content, args, words):
    root, _ = ws
    bad = tmp_path / ("bad.yaml" if content is None or "curriculum" in str(content) else "notes.txt")
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content is not None:
        bad.write_text(content, encoding="utf-8")
    before = store_dump(root)
    msg = clean_error(run("import", "-w", root, bad, *args, ok=False), str(bad), *words)
    assert r"\n" not in msg
    assert store_dump(root) == before


def test_import_second_path_bad_first_does_not_land(ws, tmp_path):
    root, _ = ws
    good = tmp_path / "good.yaml"
    good.write_text("curriculum: {id: tiny, title: Tiny}\nchapters:\n"
                    "  - {id: c1, title: One, sections: [{id: s1, title: S}]}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("curriculum: {id: other, title: Other}\nconcepts:\n  - {id: a, label: A, requires: [b]}\n"
                   "chapters:\n  - {id: c1, title: One, sections: [{id: s1, title: S}]}\n", encoding="utf-8")
    before = store_dump(root)
    clean_error(run("import", "-w", root, good, bad, ok=False), f"{bad}:3:", "unknown concept id 'b'")
    assert store_dump(root) == before


def _set_size_limit(root: Path, mb) -> None:
    cfg = root / "kgstudio.toml"
    text, n = re.subn(r"(?m)^max_file_mb = .*$", f"max_file_mb = {mb}", cfg.read_text(encoding="utf-8"))
    assert n == 1
    cfg.write_text(text, encoding="utf-8")


def test_import_refuses_a_file_above_the_size_limit(tmp_path):
    root = tmp_path / "w"
    run("init", root)
    _set_size_limit(root, 1)
    big = tmp_path / "big.yaml"   # the demo padded to 1.3 MB with comments: valid, but too big
    big.write_text(demo_curriculum_path().read_text(encoding="utf-8") + "# padding\n" * 120_000,
                   encoding="utf-8")
    before = store_dump(root)
    clean_error(run("import", "-w", root, big, ok=False), str(big), "MB, above the limit of 1 MB",
                "import.max_file_mb")
    assert store_dump(root) == before
    r = run("import", "-w", root, "--demo", "-q")   # under the limit: lands
    assert "0 removed" in r.stdout and store_dump(root) != before


def test_fractional_size_limit_is_kept(tmp_path):
    """``import.max_file_mb = 0.05`` must mean 50 kB, not be truncated to 0 (every file refused)."""
    root = tmp_path / "w"
    run("init", root)
    _set_size_limit(root, 0.05)
    assert Workspace(root).settings["import.max_file_mb"] == 0.05
    small = tmp_path / "small.yaml"
    small.write_text("curriculum: {id: tiny, title: Tiny}\nchapters:\n"
                     "  - {id: c1, title: One, sections: [{id: s1, title: S}]}\n", encoding="utf-8")
    run("import", "-w", root, small, "-q")
    clean_error(run("import", "-w", root, "--demo", ok=False), "above the limit")


# ---- sparql ----------------------------------------------------------------------------------

def test_sparql_json_has_every_demo_concept(ws, demo):
    r = run("sparql", "-w", ws[0], CONCEPT_LABELS, "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["head"]["vars"] == ["c", "l"]
    labels = {b["l"]["value"] for b in doc["results"]["bindings"]}
    assert labels == {c["label"] for c in demo["concepts"]}
    first = next(b for b in doc["results"]["bindings"] if b["l"]["value"] == demo["concepts"][0]["label"])
    assert first["l"]["xml:lang"] == "en"
    assert first["c"] == {"type": "uri", "value": f"https://w3id.org/kgstudio/id/{DEMO_SOURCE}/concept/"
                                                   f"{demo['concepts'][0]['id']}"}


def test_sparql_table(ws, demo):
    query = CONCEPT_LABELS.replace("}", "FILTER(STR(?l) = %s) }" % json.dumps(demo["concepts"][0]["label"]), 1)
    r = run("sparql", "-w", ws[0], query.replace("?c ?l", "?l"))
    assert f'"{demo["concepts"][0]["label"]}"@en' in r.stdout
    assert r.stdout.rstrip().endswith("1 row")
    r = run("sparql", "-w", ws[0], "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?c a skos:Concept } }" % DEMO_GRAPH)
    assert re.search(rf"\|\s*{len(demo['concepts'])}\s*\|", r.stdout), r.stdout


def test_sparql_csv(ws, demo):
    r = run("sparql", "-w", ws[0], CONCEPT_LABELS, "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
    assert rows[0] == ["c", "l"]
    assert sorted(row[1] for row in rows[1:]) == sorted(c["label"] for c in demo["concepts"])


def test_sparql_construct_as_turtle(ws, demo):
    query = "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { GRAPH <%s> { ?c a skos:Concept ; skos:prefLabel ?l } }" \
            % DEMO_GRAPH
    for fmt in ("turtle", "table"):   # a table of a graph result is Turtle too
        r = run("sparql", "-w", ws[0], query, "--format", fmt)
        g = Graph().parse(data=r.stdout, format="turtle")
        assert len(g) == len(demo["concepts"])
        assert Literal(demo["concepts"][0]["label"], lang="en") in set(g.objects())


def test_sparql_ask_and_query_file_and_stdin(ws, tmp_path):
    r = run("sparql", "-w", ws[0], "ASK { GRAPH <%s> { ?s ?p ?o } }" % DEMO_GRAPH, "--format", "json")
    assert json.loads(r.stdout) == {"head": {}, "boolean": True}
    q = tmp_path / "q.rq"
    q.write_text("SELECT (COUNT(*) AS ?n)\nWHERE { GRAPH <%s> { ?s ?p ?o } }\n" % DEMO_GRAPH, encoding="utf-8")
    n = store_count(ws[0], DEMO_GRAPH)
    for args, kw in ((["@" + str(q)], {}), (["-"], {"input": q.read_text()})):
        res = CliRunner().invoke(cli, ["sparql", "-w", str(ws[0]), *args, "--format", "json"], **kw)
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["results"]["bindings"][0]["n"]["value"] == str(n)


def test_sparql_bad_syntax_is_a_clean_error(ws):
    clean_error(run("sparql", "-w", ws[0], "SELEC ?x WHERE { ?x ?y ?z }", ok=False), "SPARQL syntax error")
    clean_error(run("sparql", "-w", ws[0], "@" + str(ws[0] / "no-such.rq"), ok=False),
                "no-such.rq", "cannot read the query file")


# ---- stats / analytics / validate --------------------------------------------------------------

def _find(obj, pred) -> bool:
    """True when ``pred`` holds for some key or value anywhere in a JSON document."""
    if pred(obj):
        return True
    if isinstance(obj, dict):
        return any(pred(k) or _find(v, pred) for k, v in obj.items())
    if isinstance(obj, list):
        return any(_find(v, pred) for v in obj)
    return False


def test_stats_text_and_json(ws, demo):
    root, _ = ws
    n = store_count(root, DEMO_GRAPH)
    stats = json.loads(run("stats", "-w", root, "--format", "json").stdout)
    assert _find(stats, lambda x: isinstance(x, str) and DEMO_SOURCE in x), stats
    assert _find(stats, lambda x: x == n), f"the demo graph's {n} triples are not in {stats}"
    assert _find(stats, lambda x: x == len(demo["concepts"])), "the number of concepts is not in the stats"
    text = run("stats", "-w", root).stdout
    assert DEMO_SOURCE in text and f"{n:,}" in text


def test_analytics_json_has_gaps(ws, demo):
    out = json.loads(run("analytics", "-w", ws[0], "--format", "json").stdout)
    assert "gaps" in out and "curricula" in out
    mine = [c for c in out["gaps"] if c["name"] == demo["curriculum"]["title"]]
    assert len(mine) == 1
    assert mine[0]["counts"]["concepts"] == len(demo["concepts"])
    text = run("analytics", "-w", ws[0]).stdout
    assert demo["curriculum"]["title"] in text


def test_validate_passes_on_the_demo(ws):
    r = run("validate", "-w", ws[0])
    assert re.search(rf"^ok  {re.escape(DEMO_GRAPH)} \(\d+ triples\)$", r.stdout, re.M), r.stdout


# ---- export-graph / settings ---------------------------------------------------------------------

def test_export_graph_nquads_parses_to_the_store(ws, tmp_path):
    root, _ = ws
    r = run("export-graph", "-w", root, "--format", "nquads")
    out = root / "exports" / "graph.nq"
    assert r.stdout.strip() == f"Wrote {out}"
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == store_count(root) > 0
    assert {q.graph_name.value for q in quads} >= {DEMO_GRAPH}
    # one graph as Turtle, to a chosen file
    ttl = tmp_path / "demo.ttl"
    run("export-graph", "-w", root, "--format", "turtle", "--graph", DEMO_GRAPH, "-o", ttl)
    assert len(Graph().parse(ttl, format="turtle")) == store_count(root, DEMO_GRAPH)
    assert not list(tmp_path.glob("*.part"))


def test_settings_lists_every_setting(ws):
    text = run("settings").stdout
    for s in SETTINGS:
        assert f"{s.name}  (default {s.default!r})" in text
        assert s.help in text
    text = run("settings", "-w", ws[0]).stdout
    for s in SETTINGS:
        assert f"{s.name} = {Workspace(ws[0]).settings[s.name]!r}  (default {s.default!r})" in text


# ---- the slow ones: real HermiT and real MiniLM ---------------------------------------------------

@pytest.fixture
def ws_copy(ws, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(ws[0], root)
    return root


@pytest.mark.slow
def test_reason_writes_the_inferred_graph(ws_copy):
    r = run("reason", "-w", ws_copy)
    out = dict(part.split(": ", 1) for part in r.stdout.strip().split(", "))
    inferred = int(out["inferred_triples"])
    assert inferred > 0 and int(out["transitive_requires"]) > 0
    assert store_count(ws_copy, "https://w3id.org/kgstudio/graph/inferred") == inferred
    # reasoning again changes nothing
    again = dict(part.split(": ", 1) for part in run("reason", "-w", ws_copy).stdout.strip().split(", "))
    assert (again["added"], again["removed"]) == ("0", "0")


@pytest.mark.slow
def test_export_graph_pt_is_heterodata_with_minilm_features(ws_copy, demo, monkeypatch, tmp_path):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("KGSTUDIO_CACHE", str(tmp_path / "cache"))
    r = run("export-graph", "-w", ws_copy)
    out = ws_copy / "exports" / "graph.pt"
    assert r.stdout.strip().endswith(f"Wrote {out}")
    from kg.hetero import feature_layout, load_heterodata
    loaded = load_heterodata(out)
    data = loaded[0] if isinstance(loaded, tuple) else loaded
    sizes = {t: data[t].num_nodes for t in data.node_types}
    assert len(demo["concepts"]) in sizes.values(), sizes
    concept_type = next(t for t, n in sizes.items() if n == len(demo["concepts"]) and "oncept" in t)
    width = data[concept_type].x.shape[1]
    assert data[concept_type].x.shape[0] == len(demo["concepts"])
    assert width >= 384 and feature_layout(True)  # all-MiniLM-L6-v2 (384) + structural features
    assert torch.allclose(data[concept_type].x[:, :384].norm(dim=1), torch.ones(len(demo["concepts"])), atol=1e-3)
    assert data.edge_types and all(data[e].edge_index.shape[0] == 2 for e in data.edge_types)
