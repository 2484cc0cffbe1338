"""The import pipeline's promises on bad input (``kg.importing.import_sources``).

For every kind of bad input the error names the file (and the line or item where there
is one), and the store's whole N-Quads dump is byte-identical before and after: nothing
of the import lands, not even the good sources given before the bad one. Hostile text
(markup, quotes, backslashes, newlines, right-to-left text, emoji, would-be SPARQL
injections) survives the store and SPARQL unchanged; an unchanged source re-imports as a
no-op and a changed one updates in place, touching only the triples that changed.

The inputs are tiny native-YAML curricula (``kg/importers/native_yaml.py``) written
here, plus the bad-input fixtures of the other importers in ``tests/kg/fixtures``.
"""
from __future__ import annotations

import builtins
import json
import pathlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg.errors import ImportFailed, KGStudioError, PrerequisiteCycle
from kg.evidence import evidence_graph
from kg.importing import import_sources
from kg.iris import mint, source_graph
from kg.results import serialize
from kg.store.base import nt_term
from kg.store.embedded import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KGS = "https://w3id.org/kgstudio/ns#"

BASE = """\
curriculum:
  id: {cid}
  title: {title}
  language: en
concepts:
  - id: value
    label: Value
    definition: A piece of data a program works with.
    defined_in: s-values
  - id: variable
    label: Variable
    definition: A name that refers to a value.
    requires: [value]
    defined_in: s-names
  - id: assignment
    label: Assignment
    definition: A statement that binds a name to a value.
    requires: [variable]
    defined_in: s-names
chapters:
  - id: ch1
    title: Basics
    sections:
      - id: s-values
        title: Values
        objectives: [Define a value.]
      - id: s-names
        title: Names
        objectives: [Explain what a variable is.]
        questions:
          - id: q1
            type: true-false
            stem: A variable can be reassigned.
            answer: true
            assesses: [variable]
"""


def curriculum(cid: str = "course-a", title: str = "Course A") -> str:
    return BASE.format(cid=cid, title=title)


def write(folder: Path, text: str | bytes, name: str = "course.yaml") -> Path:
    p = folder / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line that contains ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth - 1]


@pytest.fixture
def store(tmp_path):
    """An on-disk embedded store already holding one source (so "unchanged" means something)."""
    s = EmbeddedStore(tmp_path / "store")
    import_sources(s, [write(tmp_path, curriculum("existing", "Existing"), "existing.yaml")])
    assert s.count(str(source_graph("existing"))) > 40
    yield s
    s.close()


# ---- bad input: error names the file (and line / item); the store is byte-identical -----

def _bad_cases(tmp: Path) -> dict[str, tuple[list[Path], dict, type, list[str], int | None, str | None]]:
    """name -> (paths, import kwargs, exception, words in the message, line, item)."""
    ok = curriculum()
    cases = {}

    text = ok.replace("requires: [value]", "requires: [value, valeu]")
    cases["unknown reference"] = ([write(tmp, text, "unknown-ref.yaml")], {}, ImportFailed,
                                  ["unknown concept id 'valeu'", "Did you mean 'value'?"],
                                  line_of(text, "requires: [value, valeu]"), "valeu")

    text = ok.replace("  - id: assignment\n    label: Assignment", "  - id: value\n    label: Again")
    cases["duplicate id"] = ([write(tmp, text, "duplicate.yaml")], {}, ImportFailed,
                             ["duplicate id 'value'", f"line {line_of(text, '- id: value')}"],
                             line_of(text, "- id: value", 2), "value")

    text = ok.replace("title: Names\n", "title: Names\n      oops: [\n")
    cases["malformed YAML"] = ([write(tmp, text, "malformed.yaml")], {}, ImportFailed,
                               ["malformed YAML"], None, None)

    data = ok.replace("label: Variable", "label: Vari\u00e9ble").encode("utf-8").replace(
        "\u00e9".encode("utf-8"), "\u00e9".encode("latin-1"))
    cases["Latin-1 bytes"] = ([write(tmp, data, "latin1.yaml")], {}, ImportFailed,
                              ["not valid UTF-8", "0xe9", "save the file as UTF-8"],
                              line_of(ok, "label: Variable"), None)

    cases["above the size limit"] = ([write(tmp, ok, "big.yaml")], {"max_file_mb": 0.0001},
                                     ImportFailed, ["above the limit", "import.max_file_mb"], None, None)

    cases["unknown format"] = ([write(tmp, ok, "fine.yaml")], {"fmt": "no-such-format"}, ImportFailed,
                               ["unknown format 'no-such-format'", "native-yaml", "curricular-analytics"],
                               None, None)

    cases["missing path"] = ([tmp / "no-such-file.yaml"], {}, ImportFailed,
                             ["no such file or folder"], None, None)
    cases["missing path, format forced"] = ([tmp / "gone.yaml"], {"fmt": "native-yaml"}, ImportFailed,
                                            ["no such file or folder"], None, None)
    folder = tmp / "a-folder"
    folder.mkdir()
    cases["folder given to a one-file format"] = ([folder], {"fmt": "native-yaml"}, ImportFailed,
                                                  ["cannot read", "Is a directory"], None, None)
    undetectable = write(tmp, "just some notes\n", "notes.txt")
    cases["undetectable format"] = ([undetectable], {}, ImportFailed,
                                    ["cannot tell the format", "--format"], None, None)

    text = ok.replace("    label: Value\n", "    label: Value\n    requires: [assignment]\n")
    cases["prerequisite cycle"] = ([write(tmp, text, "cycle.yaml")], {}, PrerequisiteCycle,
                                   ["prerequisite cycle", "Value", "Variable", "Assignment",
                                    "Remove one of these 'requires' links"], None, None)

    # Same source (curriculum id) given twice: the second names the first.
    twin = write(tmp, curriculum("course-a", "Course A again"), "twin.yaml")
    cases["same source twice"] = ([write(tmp, ok, "course-a.yaml"), twin], {}, ImportFailed,
                                  ["given twice", "course-a.yaml"], None, None)
    return cases


CASE_NAMES = ["unknown reference", "duplicate id", "malformed YAML", "Latin-1 bytes",
              "above the size limit", "unknown format", "missing path", "missing path, format forced",
              "folder given to a one-file format", "undetectable format", "prerequisite cycle",
              "same source twice"]


@pytest.mark.parametrize("after_a_good_source", [False, True], ids=["alone", "second-of-two"])
@pytest.mark.parametrize("case", CASE_NAMES)
def test_bad_input_names_the_file_and_leaves_the_store_unchanged(store, tmp_path, case, after_a_good_source):
    paths, kw, exc, words, line, item = _bad_cases(tmp_path)[case]
    if after_a_good_source:
        # A good, new source first: it must not land either (and its graph must not appear).
        good = write(tmp_path, curriculum("good-first", "Good First"), "good-first.yaml")
        paths = [good] + paths
        if kw.get("max_file_mb"):
            kw = dict(kw, max_file_mb=0.01)  # the good file (~1 KB) fits, the bad one must not
            big = paths[-1]
            big.write_text(curriculum() + "# padding\n" * 2000, encoding="utf-8")
    before = store.dump()
    graphs_before = store.named_graphs()

    with pytest.raises(exc) as info:
        import_sources(store, paths, **kw)

    err = info.value
    message = str(err)
    bad = paths[0] if "fmt" in kw and case == "unknown format" else paths[-1]  # --format applies to all
    assert str(bad) in message, message
    for w in words:
        assert w.lower() in message.lower(), f"{w!r} not in {message!r}"
    assert "\n" not in message  # one line, fit for a terminal
    if isinstance(err, ImportFailed):
        assert err.path == str(bad)
        if line is not None:
            assert err.line == line, message
            assert message.startswith(f"{bad}:{line}: ")
        if item is not None:
            assert err.item == item
    assert store.dump() == before          # byte-identical N-Quads of the whole store
    assert store.named_graphs() == graphs_before
    assert str(source_graph("good-first")) not in store.named_graphs()


def test_prerequisite_cycle_lists_the_cycle(tmp_path, mem_store):
    text = curriculum().replace("    label: Value\n", "    label: Value\n    requires: [assignment]\n")
    path = write(tmp_path, text)
    with pytest.raises(PrerequisiteCycle) as info:
        import_sources(mem_store, [path])
    cycle = info.value.cycle
    members = {str(mint("course-a", "concept", c)) for c in ("value", "variable", "assignment")}
    assert cycle[0] == cycle[-1] and len(cycle) == 4 and set(cycle) == members
    # in the order of the 'requires' links: each node requires the next
    requires = {("value", "assignment"), ("variable", "value"), ("assignment", "variable")}
    as_ids = [c.rsplit("/", 1)[1] for c in cycle]
    assert set(zip(as_ids, as_ids[1:])) == requires
    assert str(path) in str(info.value)
    assert mem_store.dump() == b""


def test_size_limit_refuses_before_reading(tmp_path, store, monkeypatch):
    path = write(tmp_path, curriculum(), "course.yaml")   # ~1.3 KB; the limit is 100 bytes
    opened = []
    real_open, real_path_open = builtins.open, pathlib.Path.open

    def guard_open(file, *a, **kw):
        if str(file) == str(path):
            opened.append("open")
        return real_open(file, *a, **kw)

    def guard_path_open(self, *a, **kw):
        if str(self) == str(path):
            opened.append("Path.open")
        return real_path_open(self, *a, **kw)

    monkeypatch.setattr(builtins, "open", guard_open)
    monkeypatch.setattr(pathlib.Path, "open", guard_path_open)
    before = store.dump()
    with pytest.raises(ImportFailed) as info:
        import_sources(store, [path], max_file_mb=0.0001)
    assert opened == [], "the file was opened (format detection included) before the size check"
    assert info.value.path == str(path) and "above the limit" in str(info.value)
    assert store.dump() == before


def test_file_of_hundreds_of_mb_is_refused_without_reading_it(tmp_path, store):
    """A 300 MB (sparse) file under the default 200 MB limit: refused at once, no memory spent."""
    import time
    import tracemalloc

    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.write(curriculum().encode())
        f.truncate(300_000_000)
    before = store.dump()
    tracemalloc.start()
    with pytest.raises(ImportFailed) as info:
        import_sources(store, [path])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "300 MB, above the limit of 200 MB" in str(info.value)
    assert peak < 5_000_000  # refused before reading: no 300 MB buffer
    assert store.dump() == before


# Bad-input fixtures of the other importers go through the same pipeline promise.
OTHER_FORMATS = [
    ("ca/cycle.csv", PrerequisiteCycle, "prerequisite cycle"),
    ("case/malformed.json", ImportFailed, "malformed JSON"),
    ("case/duplicate_item.json", ImportFailed, "duplicate"),
    ("case/dangling_origin.json", ImportFailed, ""),
    ("case/no_document.json", ImportFailed, ""),
    ("cnxml/malformed/index.cnxml", ImportFailed, "malformed XML"),
]


@pytest.mark.parametrize("rel, exc, words", OTHER_FORMATS, ids=[r for r, _, _ in OTHER_FORMATS])
def test_other_formats_bad_fixtures_leave_the_store_unchanged(store, tmp_path, rel, exc, words):
    import shutil
    good = write(tmp_path, curriculum("good-first", "Good First"), "good-first.yaml")
    bad = named = FIXTURES / rel
    if rel.startswith("cnxml/"):  # a bad module inside an otherwise good book
        bad = tmp_path / "book"
        shutil.copytree(FIXTURES / "cnxml" / "minibook", bad)
        named = bad / "modules" / "m10005" / "index.cnxml"
        shutil.copyfile(FIXTURES / rel, named)
    before = store.dump()
    with pytest.raises(exc) as info:
        import_sources(store, [good, bad])
    assert str(named) in str(info.value)
    assert words.lower() in str(info.value).lower()
    assert store.dump() == before


@pytest.mark.parametrize("folder", sorted(p.name for p in (FIXTURES / "bncc" / "errors").iterdir()))
def test_bncc_bad_fixtures_leave_the_store_unchanged(store, tmp_path, folder):
    """Each BNCC error fixture replaces one file of the valid set; the import must fail whole."""
    import shutil
    src = tmp_path / "bncc"
    shutil.copytree(FIXTURES / "bncc" / "valid", src)
    for f in (FIXTURES / "bncc" / "errors" / folder).iterdir():
        shutil.copy(f, src / f.name)
    before = store.dump()
    with pytest.raises(KGStudioError) as info:
        import_sources(store, [src], validate=False)
    assert str(src) in str(info.value)
    assert store.dump() == before


# ---- hostile text survives the store and SPARQL unchanged ----------------------------------

HOSTILE = {
    "markup": '<script>alert("x")</script> & <b>bold</b> &amp; <!-- c -->',
    "quotes": "She said \"hi\", then 'bye' and \"\"\"triple\"\"\" and '''single'''",
    "backslashes": "C:\\path\\to\\new \\n is not a newline, nor is \\u0041 or \\\" or \\",
    "newlines": "line one\nline two\r\nline three\n\nafter a blank line",
    "rtl": "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u2014 "
           "\u05e9\u05dc\u05d5\u05dd \u200fmark\u202eoverride\u202c",
    "emoji": "\U0001F469\u200D\U0001F4BB coder, \U0001F393\U0001F9E0 \U0001F1E7\U0001F1F7 \u2764\ufe0f",
    "injection": '" . <urn:x> <urn:y> "z" } } ; DROP ALL ; INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "',
    "turtle-ish": '@prefix x: <urn:x#> . "v"@en ^^<http://www.w3.org/2001/XMLSchema#integer> _:b0 ?var $v',
    "templates": "{{ jinja }} {% raw %} ${shell} $(rm -rf /) `id` %s %(x)s {0}",
    "decomposed": "Cafe\u0301 na\u0131\u0308ve \u212b",   # NFD and compatibility forms: not normalised
    "tabs": "col1\tcol2\t\tcol4",
}


def hostile_curriculum(labels: dict[str, str], title: str) -> str:
    """A curriculum whose concept labels/definitions, section title and question stem are hostile.

    Strings go in as YAML double-quoted scalars (JSON string syntax is a subset)."""
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731
    concepts = "".join(f"  - id: {key}\n    label: {q(text)}\n    definition: {q('Def: ' + text)}\n"
                       "    defined_in: s1\n" for key, text in labels.items())
    return (f"curriculum:\n  id: hostile\n  title: {q(title)}\n  language: en\n"
            f"concepts:\n{concepts}"
            f"chapters:\n  - id: c1\n    title: {q(labels['markup'])}\n    sections:\n"
            f"      - id: s1\n        title: {q(labels['rtl'])}\n"
            f"        objectives: [{q('Explain ' + labels['quotes'])}]\n"
            f"        questions:\n          - id: q1\n            type: short-answer\n"
            f"            stem: {q(labels['newlines'])}\n            answer: {q(labels['backslashes'])}\n")


def _labels_in_store(store) -> dict[str, Literal]:
    rows = store.select(f"SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l }}")
    return {str(r["c"]).rsplit("/", 1)[1]: r["l"] for r in rows
            if str(r["c"]).startswith(str(mint("hostile", "concept", "x"))[:-1])}


def test_hostile_strings_survive_store_and_sparql(tmp_path, store):
    title = HOSTILE["injection"] + " " + HOSTILE["emoji"]
    path = write(tmp_path, hostile_curriculum(HOSTILE, title), "hostile.yaml")
    other_graphs_before = {g: store.graph_triples(g) for g in store.named_graphs()}
    summary = import_sources(store, [path])[0]
    assert summary.added == summary.triples > 50
    # the would-be injections did nothing to the other graphs and made no new ones
    assert store.named_graphs() == sorted(set(other_graphs_before) | {
        str(source_graph("hostile")), str(evidence_graph(str(source_graph("hostile"))))})
    for g, triples in other_graphs_before.items():
        assert store.graph_triples(g) == triples

    # 1. every label, exactly, through a SELECT
    assert _labels_in_store(store) == {k: Literal(v, lang="en") for k, v in HOSTILE.items()}

    # 2. looked up BY the hostile literal (the SPARQL string escape must be right)
    for key, text in HOSTILE.items():
        rows = store.select(f"SELECT ?c WHERE {{ ?c <{SKOS}prefLabel> {nt_term(Literal(text, lang='en'))} }}")
        assert [str(r["c"]) for r in rows] == [str(mint("hostile", "concept", key))], key
        rows = store.select(f"SELECT ?d WHERE {{ <{mint('hostile', 'concept', key)}> <{KGS}definition> ?d }}")
        assert [r["d"] for r in rows] == [Literal("Def: " + text, lang="en")]

    # 3. the other places: title, chapter, section, objective, stem, answer
    def one(s: URIRef | str, p: str) -> Literal:
        rows = store.select(f"SELECT ?o WHERE {{ <{s}> <{p}> ?o }}")
        assert len(rows) == 1, (s, p, rows)
        return rows[0]["o"]

    assert one(mint("hostile", "curriculum", "hostile"), RDFS + "label") == Literal(title, lang="en")
    assert one(mint("hostile", "chapter", "c1"), RDFS + "label") == Literal(HOSTILE["markup"], lang="en")
    assert one(mint("hostile", "section", "s1"), RDFS + "label") == Literal(HOSTILE["rtl"], lang="en")
    assert one(mint("hostile", "objective", "s1-o1"), RDFS + "label") == \
        Literal("Explain " + HOSTILE["quotes"], lang="en")
    assert one(mint("hostile", "item", "q1"), KGS + "stem") == Literal(HOSTILE["newlines"], lang="en")
    assert one(mint("hostile", "item", "q1"), KGS + "correctAnswer") == \
        Literal(HOSTILE["backslashes"], lang="en")

    # 4. through the SPARQL JSON results a client reads
    result = store.query(f"SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l }}")
    doc = json.loads(serialize(result, "json"))
    got = {b["c"]["value"].rsplit("/", 1)[1]: b["l"]["value"] for b in doc["results"]["bindings"]
           if "/hostile/concept/" in b["c"]["value"]}
    assert got == HOSTILE

    # 5. through the N-Quads dump, parsed back by pyoxigraph
    dumped = {(q.subject.value, q.object.value) for q in ox.parse(store.dump(), format=ox.RdfFormat.N_QUADS)
              if q.predicate.value == SKOS + "prefLabel" and "/hostile/" in q.subject.value}
    assert dumped == {(str(mint("hostile", "concept", k)), v) for k, v in HOSTILE.items()}

    # 6. re-import is a no-op (the store's canonical form and ours agree on every escape)
    again = import_sources(store, [path])[0]
    assert (again.added, again.removed) == (0, 0)


def test_hostile_strings_change_in_place(tmp_path, store):
    """Changing hostile labels goes through SPARQL DELETE DATA / INSERT DATA: exact triples only."""
    path = write(tmp_path, hostile_curriculum(HOSTILE, "Hostile"), "hostile.yaml")
    import_sources(store, [path])
    graph = str(source_graph("hostile"))
    before = store.graph_triples(graph)
    swapped = dict(HOSTILE, injection=HOSTILE["backslashes"] + "!", emoji=HOSTILE["quotes"] + "\U0001F600")
    path.write_text(hostile_curriculum(swapped, "Hostile"), encoding="utf-8")
    change = import_sources(store, [path])[0]
    after = store.graph_triples(graph)
    removed, added = before - after, after - before
    # skos:prefLabel, rdfs:label and definitions (kgs: and skos:) of two concepts, plus the file hash
    assert (change.added, change.removed) == (len(added), len(removed)) == (9, 9)
    assert all("sha256" in t or "/hostile/concept/injection>" in t or "/hostile/concept/emoji>" in t
               for t in added | removed)
    assert _labels_in_store(store) == {k: Literal(v, lang="en") for k, v in swapped.items()}


# ---- re-import and in-place update ---------------------------------------------------------

def test_reimport_of_unchanged_source_adds_and_removes_nothing(tmp_path, store):
    path = write(tmp_path, curriculum())
    first = import_sources(store, [path])[0]
    assert first.added == first.triples and first.removed == 0
    before = store.dump()
    second = import_sources(store, [path])[0]
    assert (second.added, second.removed, second.triples) == (0, 0, first.triples)
    assert store.dump() == before


def test_changed_source_updates_only_the_changed_triples(tmp_path, store):
    path = write(tmp_path, curriculum())
    import_sources(store, [path])
    graph = str(source_graph("course-a"))
    index = str(evidence_graph(graph))     # the source's evidence index changes with it
    other = {g: store.graph_triples(g) for g in store.named_graphs() if g not in (graph, index)}
    before = store.graph_triples(graph)
    # one definition reworded, one prerequisite dropped
    path.write_text(curriculum()
                    .replace("A name that refers to a value.", "A name bound to a value.")
                    .replace("    requires: [variable]\n", ""), encoding="utf-8")
    change = import_sources(store, [path])[0]
    after = store.graph_triples(graph)
    var = mint("course-a", "concept", "variable")
    asg = mint("course-a", "concept", "assignment")
    expected_removed = {
        f'<{var}> <{KGS}definition> "A name that refers to a value."@en',
        f'<{var}> <{SKOS}definition> "A name that refers to a value."@en',
        f"<{asg}> <{KGS}requires> <{var}>",
    }
    expected_added = {
        f'<{var}> <{KGS}definition> "A name bound to a value."@en',
        f'<{var}> <{SKOS}definition> "A name bound to a value."@en',
    }
    sha_removed = {t for t in before - after if "sha256" in t}
    sha_added = {t for t in after - before if "sha256" in t}
    assert len(sha_removed) == len(sha_added) == 1
    assert before - after == expected_removed | sha_removed
    assert after - before == expected_added | sha_added
    assert (change.added, change.removed) == (3, 4)
    assert {g: store.graph_triples(g) for g in store.named_graphs() if g not in (graph, index)} == other


# ---- a folder of one-file sources (Curricular Analytics: one CSV per degree plan) -----------------

def test_a_folder_of_csv_files_imports_each_file_and_skips_the_rest(tmp_path, mem_store):
    from kg.importing import import_sources, parse_sources
    ca = Path(__file__).parent / "fixtures" / "ca"
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(ca / "tiny-plan.csv", folder / "b-plan.csv")
    (folder / "a-plan.csv").write_text((ca / "tiny-plan.csv").read_text(encoding="utf-8")
                                       .replace("Tiny", "Other"), encoding="utf-8")
    (folder / "README.md").write_text("# plans\n", encoding="utf-8")
    (folder / "metrics.json").write_text("{}", encoding="utf-8")
    said = []
    results = parse_sources([folder], validate=False, log=said.append)
    assert [r.path.name for r in results] == ["a-plan.csv", "b-plan.csv"]
    assert f"{folder}: a folder of 2 source file(s); 2 other file(s) skipped" in said
    assert [r.path.name for r in parse_sources([folder], fmt="curricular-analytics", validate=False)] == \
        ["a-plan.csv", "b-plan.csv"]
    # all land or none do: a bad file in the folder stops the whole import, naming it
    shutil.copy(ca / "cycle.csv", folder / "c-cycle.csv")
    with pytest.raises(Exception, match="c-cycle.csv"):
        import_sources(mem_store, [folder], validate=False)
    assert not mem_store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1").rows
    # a folder with no source in it keeps the usual error
    empty = tmp_path / "notes"
    empty.mkdir()
    (empty / "README.md").write_text("x", encoding="utf-8")
    with pytest.raises(Exception, match="cannot tell the format"):
        parse_sources([empty], validate=False)
