"""Hostile input, one test per case the extraction and front-door issues name: each is
refused with a clear :class:`ImportFailed` (or the one cycle error, :class:`PrerequisiteCycle`)
naming the file and the line or item, fast and in bounded memory, and a refused import
leaves the store exactly as it was (its sorted N-Quads dump, as in test_import_atomicity).

The CNXML importer's path safety (``../`` module paths, symbolic links, FIFOs, ``/dev/zero``)
is tested in test_importers_cnxml.py."""
from __future__ import annotations

import json
import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from kg.errors import ImportFailed, PrerequisiteCycle
from kg.importers.base import check_terms, get_importer
from kg.importers.case import CaseImporter
from kg.importers.curricular_analytics import MAX_COURSES, CurricularAnalyticsImporter
from kg.importers.native_yaml import MAX_ALIAS_NODES, MAX_DEPTH, NativeYamlImporter
from kg.importing import import_sources
from tests.kg.test_importers_native_yaml import TINY as YAML_TINY

FIXTURES = Path(__file__).parent / "fixtures"
CASE_TINY = FIXTURES / "case" / "tiny.json"
CA_TINY = FIXTURES / "ca" / "tiny-plan.csv"
BNCC_VALID = FIXTURES / "bncc" / "valid"
MINIBOOK = FIXTURES / "cnxml" / "minibook"
MB = 10_000_000


def snapshot(store) -> list[str]:
    return sorted(store.dump(fmt="nquads").decode("utf-8").splitlines())


@pytest.fixture
def loaded_store(mem_store, tmp_path):
    """A store holding one good source of every format, and its dump."""
    good = tmp_path / "good"
    good.mkdir()
    (good / "course.yaml").write_text(YAML_TINY, encoding="utf-8")
    import_sources(mem_store, [good / "course.yaml", CASE_TINY, CA_TINY, BNCC_VALID], validate=False)
    before = snapshot(mem_store)
    assert len(before) > 300
    return mem_store, before


def refused(store_and_before, paths, exc=ImportFailed):
    """The error importing ``paths`` raises; the store must be unchanged after it."""
    store, before = store_and_before
    with pytest.raises(exc) as info:
        import_sources(store, [Path(p) for p in paths], validate=False)
    assert snapshot(store) == before
    return info.value


# ---- native YAML -----------------------------------------------------------------------------

def yaml_file(tmp_path: Path, text: str, name: str = "course.yaml", *, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def alias_bomb(levels: int = 9) -> str:
    """A valid-looking curriculum whose concept's 'requires' expands to 9**levels ids."""
    anchors = ['      a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    anchors += [f"      a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return ("curriculum: {id: bomb, title: Bomb}\nconcepts:\n  - id: x\n    label: X\n    lol:\n"
            + "\n".join(anchors) + f"\n    requires: *a{levels - 1}\n"
            "chapters: [{id: ch, title: T, sections: [{id: s, title: S}]}]\n")


def test_yaml_alias_bomb_fails_fast_in_bounded_memory(tmp_path, loaded_store):
    path = yaml_file(tmp_path, alias_bomb(9))  # 387 million nodes once expanded
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ImportFailed) as info:
            NativeYamlImporter().parse(path, max_bytes=MB)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    e = info.value
    assert e.path == str(path) and e.line == 11  # the anchor whose expansion crosses the bound
    assert f"YAML aliases expand this document by more than {MAX_ALIAS_NODES:,} nodes (an alias bomb)" in e.message
    assert seconds < 30 and peak < 20_000_000, (seconds, peak)  # unbounded: minutes and GBs
    assert refused(loaded_store, [path]).message == e.message


def test_yaml_few_aliases_still_import(tmp_path):
    text = YAML_TINY.replace("    requires: [value]\n    related: [value]\n",
                             "    requires: &deps [value]\n    related: *deps\n")
    res = NativeYamlImporter().parse(yaml_file(tmp_path, text), max_bytes=MB)
    assert res.counts["concepts"] == 2 and res.counts["prerequisites"] == 1


def test_yaml_recursive_alias_is_refused(tmp_path):
    path = yaml_file(tmp_path, YAML_TINY.replace("    requires: [value]\n", "    requires: &r [value, *r]\n"))
    with pytest.raises(ImportFailed) as info:
        NativeYamlImporter().parse(path, max_bytes=MB)
    assert "a YAML alias refers to a value that contains it (a recursive alias)" in info.value.message
    assert info.value.line == 15


@pytest.mark.parametrize("depth, words, line", [
    (MAX_DEPTH + 5, f"the document is nested more than {MAX_DEPTH} levels deep", 52),
    (5000, "malformed YAML: nested too deeply", 52),   # libyaml's own bound (1000 levels)
])
def test_yaml_deep_nesting_is_refused(tmp_path, loaded_store, depth, words, line):
    path = yaml_file(tmp_path, YAML_TINY + "extra: " + "[" * depth + "]" * depth + "\n")
    t0 = time.perf_counter()
    e = refused(loaded_store, [path])
    assert time.perf_counter() - t0 < 30   # a loaded CI machine; unbounded it would not end
    assert words in e.message and e.path == str(path)
    assert e.line == line


def test_yaml_bom_is_accepted(tmp_path, mem_store):
    path = yaml_file(tmp_path, "\ufeff" + YAML_TINY)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert get_importer(path).name == "native-yaml"  # detected, not "cannot tell the format"
    (summary,) = import_sources(mem_store, [path], validate=False)
    assert summary.counts["concepts"] == 2 and summary.title == "Tiny Course"


def test_yaml_nul_byte_names_its_line(tmp_path, loaded_store):
    path = yaml_file(tmp_path, YAML_TINY.replace("text: Every value has a type.", "text: Every va\x00lue."))
    e = refused(loaded_store, [path])
    assert (e.path, e.line) == (str(path), 25)
    assert "malformed YAML: the character U+0000 at column 23 is not allowed" in e.message
    assert "tabs" not in str(e)  # the old hint blamed tab indentation


@pytest.mark.parametrize("tag, words, line", [
    ("en-a", "language 'en-a' is not a BCP 47 language tag", 4),   # passes the schema's pattern
    ("en_US", "schema violation at curriculum.language", 4),
])
def test_yaml_bad_language_tag(tmp_path, loaded_store, tag, words, line):
    path = yaml_file(tmp_path, YAML_TINY.replace("language: en", f"language: {tag}"))
    e = refused(loaded_store, [path])
    assert words in e.message and (e.path, e.line) == (str(path), line)


def test_yaml_lone_surrogate_escape(tmp_path, loaded_store):
    path = yaml_file(tmp_path, YAML_TINY.replace("title: Tiny Course", 'title: "Tiny \\ud800 Course"'))
    e = refused(loaded_store, [path])
    assert (e.path, e.line) == (str(path), 3)
    assert "invalid Unicode character escape" in e.message and "surrogate pair" in e.hint


@pytest.mark.parametrize("licence", ["'https://creativecommons.org/licenses/by 4.0/'",
                                     "'https://example.org/a\"b'", "https://example.org/a{b}"])
def test_yaml_licence_iri_with_spaces_or_quotes(tmp_path, loaded_store, licence):
    path = yaml_file(tmp_path, YAML_TINY.replace("https://creativecommons.org/licenses/by/4.0/", licence))
    e = refused(loaded_store, [path])
    assert (e.path, e.line, e.item) == (str(path), 6, "curriculum.license")
    assert e.message.startswith("licence ") and "is not a valid IRI (Invalid IRI code point" in e.message


def test_yaml_licence_name_stays_text(tmp_path):
    res = NativeYamlImporter().parse(yaml_file(tmp_path, YAML_TINY.replace(
        "https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0")), max_bytes=MB)
    from rdflib import Literal
    from ontology.namespaces import DCTERMS
    assert Literal("CC BY 4.0") in set(res.graph.objects(None, DCTERMS.license))


# ---- CASE JSON -------------------------------------------------------------------------------

A1, A2, A3 = (f"0a6c7a55-1111-4c5b-9c2e-0000000000a{i}" for i in (1, 2, 3))


def case_file(tmp_path: Path, edit, name: str = "case.json") -> Path:
    data = json.loads(CASE_TINY.read_text(encoding="utf-8"))
    edit(data["CFPackage"])
    p = tmp_path / name
    p.write_text(json.dumps(data, indent=1), encoding="utf-8")  # ensure_ascii: \ud800 stays an escape
    return p


def assoc(n: int, kind: str, origin: str, dest: str) -> dict:
    return {"identifier": f"0a6c7a55-1111-4c5b-9c2e-00000000cc{n:02d}", "associationType": kind,
            "originNodeURI": {"identifier": origin, "uri": "x"},
            "destinationNodeURI": {"identifier": dest, "uri": "y"}}


@pytest.mark.parametrize("drop, extra, kind, members", [
    ((), [assoc(1, "isChildOf", A2, A2)], "isChildOf", [A2, A2]),                  # a self-child
    ((), [assoc(1, "isChildOf", A1, A2)], "isChildOf", [A1, A2, A1]),              # A2 isChildOf A1 already
    # length 3 (the tiny package's A2/A3 isChildOf A1 dropped), isPartOf counting as a parent link
    ((1, 2), [assoc(1, "isChildOf", A1, A2), assoc(2, "isChildOf", A2, A3), assoc(3, "isPartOf", A3, A1)],
     "isChildOf", [A1, A2, A3, A1]),
    ((), [assoc(1, "precedes", A2, A3)], "precedes", [A2, A3, A2]),                # A3 precedes A2 already
])
def test_case_cycles_refused_like_prerequisite_cycles(tmp_path, loaded_store, drop, extra, kind, members):
    def edit(p):
        p["CFAssociations"] = [a for i, a in enumerate(p["CFAssociations"]) if i not in drop] + extra
    path = case_file(tmp_path, edit)
    e = refused(loaded_store, [path], PrerequisiteCycle)
    assert e.cycle == members and e.what == f"CASE {kind} cycle"
    assert str(e).startswith(f"{path}: CASE {kind} cycle: ")
    assert "N.1.b <0a6c7a55-1111-4c5b-9c2e-0000000000a2>" in str(e)
    if len(members) == 2:
        assert "an item cannot be its own child" in str(e)


@pytest.mark.parametrize("where, tag, item", [
    ("document", "en_US", "CFDocument"),
    ("item", "x", A2),
    ("item", "en-", A2),
])
def test_case_bad_language_tag(tmp_path, loaded_store, where, tag, item):
    def edit(p):
        (p["CFDocument"] if where == "document" else p["CFItems"][1])["language"] = tag
    path = case_file(tmp_path, edit)
    e = refused(loaded_store, [path])
    assert e.message.startswith(f"language {tag!r} is not a BCP 47 language tag")
    assert (e.path, e.item) == (str(path), item) and e.line is not None
    assert f'"language": "{tag}"' in path.read_text().splitlines()[e.line - 1]


def test_case_lone_surrogate(tmp_path, loaded_store):
    path = case_file(tmp_path, lambda p: p["CFItems"][1].update(fullStatement="Sumar \ud800 dos"))
    assert "\\ud800" in path.read_text()
    e = refused(loaded_store, [path])
    assert e.item == "CFPackage.CFItems[1].fullStatement"
    assert "lone surrogate escape (\\ud800)" in e.message
    assert "\\ud800" in path.read_text().splitlines()[e.line - 1]


def test_case_surrogate_pair_is_fine(tmp_path):
    path = case_file(tmp_path, lambda p: p["CFItems"][1].update(fullStatement="Sumar \U0001F600"))
    res = CaseImporter().parse(path, max_bytes=MB)
    assert any("\U0001F600" in str(o) for o in res.graph.objects())


@pytest.mark.parametrize("uri", ["https://creativecommons.org/licenses/by 4.0/", 'https://example.org/"x"',
                                 "CC BY 4.0"])
def test_case_licence_iri_with_spaces_or_quotes(tmp_path, loaded_store, uri):
    path = case_file(tmp_path, lambda p: p["CFDocument"]["licenseURI"].update(uri=uri))
    e = refused(loaded_store, [path])
    assert (e.path, e.item) == (str(path), "CFDocument.licenseURI") and e.line is not None
    assert "is not an absolute IRI" in e.message or "is not a valid IRI" in e.message


# ---- CNXML metadata --------------------------------------------------------------------------

def minibook(tmp_path: Path, old: str, new: str) -> Path:
    dest = tmp_path / "minibook"
    shutil.copytree(MINIBOOK, dest)
    col = dest / "collections" / "mini-book.collection.xml"
    text = col.read_text(encoding="utf-8")
    assert old in text
    col.write_text(text.replace(old, new), encoding="utf-8")
    return dest


@pytest.mark.parametrize("old, new, item, words", [
    ("<md:language>en</md:language>", "<md:language>en_GB</md:language>", "md:language",
     "language 'en_GB' is not a BCP 47 language tag"),
    ('url="http://creativecommons.org/licenses/by/4.0/"', 'url="http://creativecommons.org/licenses/by 4.0/"',
     "md:license", "licence url 'http://creativecommons.org/licenses/by 4.0/' is not a valid IRI"),
    ('url="http://creativecommons.org/licenses/by/4.0/"', 'url="http://example.org/&quot;x&quot;"',
     "md:license", "is not a valid IRI (Invalid IRI code point '\"')"),
])
def test_cnxml_bad_language_or_licence(tmp_path, loaded_store, old, new, item, words):
    book = minibook(tmp_path, old, new)
    e = refused(loaded_store, [book])
    assert words in e.message and e.item == item
    assert e.path.endswith("mini-book.collection.xml") and e.line in (4, 5)


# ---- Curricular Analytics CSV ----------------------------------------------------------------

CA_HEADER = ("Curriculum,Big,,,,,,,,\r\nCourses,,,,,,,,,\r\n"
             "Course ID,Course Name,Prefix,Number,Prerequisites,Corequisites,Strict-Corequisites,"
             "Credit Hours,Institution,Canonical Name\r\n")


def ca_file(tmp_path: Path, rows: int, name: str = "big.csv", credits: str = "3") -> Path:
    p = tmp_path / name
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write(CA_HEADER)
        step = 100_000
        for start in range(1, rows + 1, step):
            f.write("".join(f"{i},C{i},M,{i},,,,{credits},,\r\n" for i in range(start, min(rows, start + step - 1) + 1)))
    return p


def test_ca_million_rows_fail_fast_in_bounded_memory(tmp_path, loaded_store):
    # 1,000,000 course rows, 27 MB: 10,000 distinct ones, then a 10,000-row block 99 times
    # (written in a blink; the reader must stop long before the repeats)
    path = tmp_path / "million.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(CA_HEADER + "".join(f"{i},C{i},M,{i},,,,3,,\r\n" for i in range(1, 10_001)))
        block = "".join(f"x{i},C{i},M,{i},,,,3,,\r\n" for i in range(10_000))
        for _ in range(99):
            f.write(block)
    assert path.stat().st_size > 25_000_000
    with pytest.raises(ImportFailed) as info:
        CurricularAnalyticsImporter().parse(path, max_bytes=200_000_000)
    e = info.value      # refused at the first row past the limit (its line below): not read to the end
    assert f"too many courses: more than {MAX_COURSES:,}" in e.message and "KGSTUDIO_CA_MAX_COURSES" in e.hint
    assert (e.path, e.line, e.item) == (str(path), MAX_COURSES + 4, str(MAX_COURSES + 1))
    assert refused(loaded_store, [path]).message == e.message
    # memory: the file is streamed, so what is held is the rows read, never the 27 MB
    # (tracemalloc slows Python ten times: measured with a lower limit)
    imp = CurricularAnalyticsImporter()
    imp.max_courses = 1000
    tracemalloc.start()
    try:
        with pytest.raises(ImportFailed, match="more than 1,000"):
            imp.parse(path, max_bytes=200_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3_000_000, peak  # about 1 MB measured


def test_ca_course_limit_is_configurable(tmp_path, monkeypatch):
    path = ca_file(tmp_path, 30)
    imp = CurricularAnalyticsImporter()
    imp.max_courses = 29
    with pytest.raises(ImportFailed, match="more than 29 ") as info:
        imp.parse(path, max_bytes=MB)
    assert info.value.line == 33
    imp.max_courses = 30
    assert imp.parse(path, max_bytes=MB).counts["courses"] == 30
    monkeypatch.setenv("KGSTUDIO_CA_MAX_COURSES", "10")
    with pytest.raises(ImportFailed, match="more than 10 "):
        CurricularAnalyticsImporter().parse(path, max_bytes=MB)
    monkeypatch.setenv("KGSTUDIO_CA_MAX_COURSES", "many")
    with pytest.raises(ImportFailed, match="KGSTUDIO_CA_MAX_COURSES='many' is not a positive whole number"):
        CurricularAnalyticsImporter().parse(path, max_bytes=MB)


def test_ca_streamed_read_keeps_bom_crlf_and_utf8_line(tmp_path):
    path = ca_file(tmp_path, 3)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert CurricularAnalyticsImporter().parse(path, max_bytes=MB).counts["courses"] == 3
    big = ca_file(tmp_path, 4000, "late.csv")
    data = big.read_bytes()
    at = data.index(b"C3999,")
    big.write_bytes(data[:at] + b"\xff" + data[at + 1:])  # a bad byte far past the reader's first chunk
    with pytest.raises(ImportFailed, match="not valid UTF-8") as info:
        CurricularAnalyticsImporter().parse(big, max_bytes=MB)
    assert info.value.line == 3999 + 3


@pytest.mark.parametrize("credits, words", [
    ("1e999999", "Credit Hours '1e999999' is out of range: at most 999 with 4 decimal places"),
    ("1e-999999", "is out of range"),
    ("1000", "is out of range"),
    ("nan", "Credit Hours 'nan' is not a number"),
    ("-3", "Credit Hours '-3' is not a number"),
])
def test_ca_absurd_credit_hours_refused(tmp_path, loaded_store, credits, words):
    path = ca_file(tmp_path, 2, "credits.csv", credits=credits)
    e = refused(loaded_store, [path])
    assert words in e.message and (e.path, e.line, e.item) == (str(path), 4, "1")


def test_ca_reasonable_credit_hours_kept(tmp_path):
    res = CurricularAnalyticsImporter().parse(ca_file(tmp_path, 1, credits="1.25e2"), max_bytes=MB)
    from ontology.namespaces import KGS
    assert [str(o) for o in res.graph.objects(None, KGS.creditHours)] == ["125"]


# ---- BNCC ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ensino-fundamental.json", "estrutura.json"])
def test_bncc_file_that_is_a_folder_is_named(tmp_path, loaded_store, name):
    folder = tmp_path / "dados"
    folder.mkdir()
    for f in ("estrutura.json", "ensino-fundamental.json"):
        if f == name:
            (folder / f).mkdir()
        else:
            shutil.copy(BNCC_VALID / f, folder / f)
    e = refused(loaded_store, [folder])
    assert e.message == f"{name} is a folder, not a JSON file"
    assert e.path == str(folder / name)


def test_bncc_stage_file_that_is_a_fifo_is_named_before_reading(tmp_path, loaded_store):
    folder = tmp_path / "dados"
    folder.mkdir()
    shutil.copy(BNCC_VALID / "estrutura.json", folder / "estrutura.json")
    os.mkfifo(folder / "ensino-medio.json")  # reading it would block forever
    e = refused(loaded_store, [folder])
    assert e.message.startswith(f"not a regular file: {folder / 'ensino-medio.json'} is a named pipe (FIFO)")
    assert e.path == str(folder / "ensino-medio.json")


# ---- the net under every importer ------------------------------------------------------------

def test_check_terms_names_the_subject():
    from rdflib import Graph, Literal, URIRef
    s = URIRef("https://example.org/item/1")
    for obj, words in ((Literal("a \ud800 b"), "lone surrogate (U+D800) at character 3"),
                       (Literal("x", lang="en-a"), "language 'en-a' is not a BCP 47 language tag"),
                       (URIRef("https://example.org/a b"), "is not a valid IRI")):
        g = Graph()
        g.add((s, URIRef("https://example.org/p"), obj))
        with pytest.raises(ImportFailed) as info:
            check_terms(g, "src.json")
        assert words in info.value.message and info.value.item == str(s) and info.value.path == "src.json"
    g = Graph()
    g.add((s, URIRef("https://example.org/p"), Literal("fine é \U0001F600", lang="pt-BR")))
    check_terms(g, "src.json")


def test_cnxml_lone_surrogate_character_reference(tmp_path, loaded_store):
    book = minibook(tmp_path, "<md:language>en</md:language>", "<md:language>en</md:language>")
    module = book / "modules" / "m10000" / "index.cnxml"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("Preface</title>", "Preface &#xD800;</title>", 1), encoding="utf-8")
    e = refused(loaded_store, [book])
    assert (e.path, e.line) == (str(module), 2)
    assert "malformed XML" in e.message and "invalid xmlChar value 55296" in e.message


def test_file_name_that_is_not_utf8_imports(tmp_path, mem_store):
    name = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xff.csv")  # a lone surrogate once decoded
    try:
        shutil.copy(CA_TINY, name)
    except (OSError, UnicodeEncodeError):  # pragma: no cover - a file system that refuses the name
        pytest.skip("the file system refuses a file name that is not UTF-8")
    (summary,) = import_sources(mem_store, [Path(name)], validate=False)
    assert summary.source == "caf" and summary.counts["courses"] == 6
    rows = mem_store.select("SELECT ?n WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source> ?n } }")
    assert [str(r["n"]) for r in rows] == ["caf\ufffd.csv"]
