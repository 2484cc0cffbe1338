"""BNCC importer: the real data (1,721 objectives, counts from its README), Portuguese text
surviving the store and Turtle byte-for-byte, a tiny fixture folder, and one tiny fixture
per error (overlaid on the valid folder), each leaving the store unchanged."""
from __future__ import annotations

import importlib.util
import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from kg.errors import ImportFailed
from kg.importers import get_importer
from kg.importers.bncc import BnccImporter
from kg.importing import import_sources
from kg.iris import mint, source_graph
from ontology.namespaces import KGS, RDF, RDFS, SKOS

FIXTURES = Path(__file__).parent / "fixtures" / "bncc"
VALID = FIXTURES / "valid"
HAVE_SHACL = importlib.util.find_spec("ontology.validation") is not None
OBJECTIVE_LISTS = [("educacao-infantil.json", "objetivos"), ("ensino-fundamental.json", "habilidades"),
                   ("ensino-medio.json", "habilidades"), ("computacao.json", "objetivos_ei"),
                   ("computacao.json", "habilidades_ef"), ("computacao.json", "habilidades_em")]
TEXTS_QUERY = """PREFIX kgs: <https://w3id.org/kgstudio/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?code ?text WHERE { ?o a kgs:LearningObjective ; kgs:sourceId ?code ; rdfs:label ?text }"""


def parse(path: Path):
    return BnccImporter().parse(path, max_bytes=50_000_000)


def obj(code: str):
    return mint("bncc", "objective", code)


def json_texts(folder: Path) -> dict[str, str]:
    out = {}
    for name, key in OBJECTIVE_LISTS:
        if (folder / name).exists():
            for rec in json.loads((folder / name).read_text(encoding="utf-8")).get(key, []):
                if rec.get("vigencia", {}).get("status", "vigente") == "vigente":
                    out[rec["codigo"]] = rec["texto"]
    return out


def snapshot(store) -> list[str]:
    return sorted(store.dump(fmt="nquads").decode("utf-8").splitlines())


@pytest.fixture(scope="module")
def bncc_dir(shared_data) -> Path:
    return shared_data / "curricula" / "bncc"


@pytest.fixture(scope="module")
def real(bncc_dir):
    return parse(bncc_dir)


# ---- the real data --------------------------------------------------------------------------------------

def test_counts_match_readme(real):
    c = real.counts
    assert c["objectives"] == 1721
    assert (c["objectives_ei"], c["objectives_ef"], c["objectives_em"], c["objectives_computacao"]) == (93, 1304, 183, 141)
    assert c["curricula"] == 3
    assert c["precedes"] == 29 * 2 + 3 * 1  # 32 alignments: 29 of three age groups, 3 of two
    g = real.graph
    assert len(set(g.subjects(RDF.type, KGS.LearningObjective))) == 1721
    # 780 EF knowledge objects with 779 distinct names ("Variação linguística" in LI and LP)
    # + the 61 Computing objects, 31 of them under a parent
    assert c["concepts"] == len(set(g.subjects(RDF.type, KGS.Concept))) == 779 + 61
    assert set(g.subjects(RDF.type, KGS.Concept)) == set(g.subjects(RDF.type, SKOS.Concept))
    assert real.source == "bncc" and real.graph_iri == source_graph("bncc")
    assert real.title == "Base Nacional Comum Curricular (BNCC), dados-2026.07.1"
    labels = list(g.objects(None, RDFS.label))
    assert labels and all(lit.language == "pt" for lit in labels)


def test_structure_of_one_skill(real):
    g = real.graph
    o = obj("EF01LP01")
    assert g.value(o, KGS.sourceId) == Literal("EF01LP01")
    assert g.value(o, RDFS.label) == Literal("Reconhecer que textos são lidos e escritos da esquerda para a "
                                             "direita e de cima para baixo da página.", lang="pt")
    assert list(g.objects(o, KGS.educationalLevel)) == [Literal("1º ano", lang="pt")]
    section = g.value(o, KGS.partOf)
    assert section == mint("bncc", "section", "ef-comp-lp-prat-leitura-escuta-compartilhada-e-autonoma")
    assert (section, KGS.hasObjective, o) in g and g.value(o, KGS.position) == Literal(1, datatype=XSD.integer)
    chapter = g.value(section, KGS.partOf)
    assert g.value(chapter, RDFS.label) == Literal("Língua Portuguesa", lang="pt")
    assert g.value(chapter, KGS.partOf) == mint("bncc", "curriculum", "EF")
    assert g.value(mint("bncc", "curriculum", "EF"), RDFS.label) == Literal("BNCC — Ensino Fundamental", lang="pt")
    concept = g.value(o, KGS.teaches)
    assert g.value(concept, SKOS.prefLabel) == Literal("Protocolos de leitura", lang="pt")
    assert Literal("Todos os campos de atuação", lang="pt") in set(g.objects(o, KGS.keyword))
    # a skill of several years has one level per year
    assert set(g.objects(obj("EF69LP01"), KGS.educationalLevel)) == {
        Literal(f"{y}º ano", lang="pt") for y in (6, 7, 8, 9)}


def test_stages_chapters_and_order(real):
    g = real.graph
    chapters = {stage: sorted((int(g.value(c, KGS.position)), str(g.value(c, RDFS.label)))
                              for c in g.subjects(KGS.partOf, mint("bncc", "curriculum", stage)))
                for stage in ("EI", "EF", "EM")}
    assert [n for _, n in chapters["EI"]] == [
        "O eu, o outro e o nós", "Corpo, gestos e movimentos", "Traços, sons, cores e formas",
        "Escuta, fala, pensamento e imaginação", "Espaços, tempos, quantidades, relações e transformações",
        "Computação"]
    assert len(chapters["EF"]) == 10 and chapters["EF"][-1][1] == "Computação"
    assert [n for _, n in chapters["EM"]] == [
        "Linguagens e suas Tecnologias", "Matemática e suas Tecnologias",
        "Ciências da Natureza e suas Tecnologias", "Ciências Humanas e Sociais Aplicadas", "Computação"]
    assert real.counts["chapters"] == 6 + 10 + 5
    # every section and chapter has one position; positions inside each parent are 1..n
    for parent in set(g.objects(None, KGS.partOf)):
        kids = [s for s in g.subjects(KGS.partOf, parent)]
        assert sorted(int(g.value(k, KGS.position)) for k in kids) == list(range(1, len(kids) + 1))


def test_alignments_competencias_and_computing_tree(real):
    g = real.graph
    assert (obj("EI01CG01"), KGS.precedes, obj("EI02CG01")) in g
    assert (obj("EI02CG01"), KGS.precedes, obj("EI03CG01")) in g
    assert g.value(obj("EI01CG01"), KGS.educationalLevel) == Literal("Bebês (0–1a6m)", lang="pt")
    # an EM skill with two competências: partOf the first, listed by both
    em = json.loads((real.path / "ensino-medio.json").read_text(encoding="utf-8"))["habilidades"]
    two = next(h for h in em if len(h["competencias_especificas"]) == 2)
    first, second = (mint("bncc", "section", c) for c in two["competencias_especificas"])
    assert g.value(obj(two["codigo"]), KGS.partOf) == first
    assert (first, KGS.hasObjective, obj(two["codigo"])) in g and (second, KGS.hasObjective, obj(two["codigo"])) in g
    # Computing knowledge objects keep their tree
    child = mint("bncc", "concept", "Algoritmos clássicos")
    assert g.value(child, SKOS.broader) == mint("bncc", "concept", "Programação")
    assert real.counts["broader"] == 31


def test_detect(bncc_dir, shared_data):
    assert BnccImporter().detect(bncc_dir) and BnccImporter().detect(VALID)
    assert not BnccImporter().detect(shared_data / "curricula" / "case-ccss-math")
    assert get_importer(bncc_dir).name == "bncc"


def test_portuguese_survives_store_and_turtle_byte_for_byte(mem_store, real, bncc_dir):
    [summary] = import_sources(mem_store, [bncc_dir], validate=HAVE_SHACL)
    assert summary.triples == mem_store.count(summary.graph) > 24_000
    stored = {str(r["code"]): r["text"] for r in mem_store.select(TEXTS_QUERY)}
    expected = json_texts(bncc_dir)
    assert len(stored) == len(expected) == 1721
    assert {c: str(t).encode("utf-8") for c, t in stored.items()} == {c: t.encode("utf-8") for c, t in expected.items()}
    assert all(t.language == "pt" for t in stored.values())
    # one text with ç, ã, an en dash and straight quotes, against the file's own bytes
    text = str(stored["EF03LP16"])
    assert {"ç", "ã", "–", '"'} <= set(text)
    raw = (bncc_dir / "ensino-fundamental.json").read_bytes()
    assert b'"texto": ' + json.dumps(text, ensure_ascii=False).encode("utf-8") in raw
    # Turtle dump of the stored graph, re-parsed: the same triples, the same bytes
    turtle = mem_store.dump(summary.graph, fmt="turtle")
    back = Graph().parse(data=turtle, format="turtle")
    assert {t for t in back if t[0] != real.graph_iri} == set(real.graph)  # less kg.importing's metadata
    again = {str(back.value(o, KGS.sourceId)): str(back.value(o, RDFS.label))
             for o in back.subjects(RDF.type, KGS.LearningObjective)}
    assert {c: t.encode("utf-8") for c, t in again.items()} == {c: t.encode("utf-8") for c, t in expected.items()}
    # a re-import of the same folder changes nothing
    [second] = import_sources(mem_store, [bncc_dir], validate=HAVE_SHACL)
    assert (second.added, second.removed) == (0, 0)


@pytest.mark.skipif(not HAVE_SHACL, reason="ontology.validation (SHACL shapes) not written yet")
def test_real_graph_conforms_to_shapes(real):
    from ontology.validation import validate

    report = validate(real.graph)
    assert report.conforms, report.text(limit=10)


# ---- the tiny fixture folder ----------------------------------------------------------------------------------

def test_tiny_folder(mem_store):
    res = parse(VALID)
    g = res.graph
    c = res.counts
    assert (c["objectives"], c["objectives_ei"], c["objectives_ef"], c["objectives_em"],
            c["objectives_computacao"]) == (8, 2, 3, 1, 2)
    assert c["not_in_force"] == 1 and (obj("EI03EO01"), None, None) not in g  # revoked objective skipped
    assert list(g.subject_objects(KGS.precedes)) == [(obj("EI01EO01"), obj("EI02EO01"))]
    assert set(g.objects(obj("EF15LP01"), KGS.educationalLevel)) == {Literal(f"{y}º ano", lang="pt") for y in range(1, 6)}
    assert len(set(g.objects(obj("EF15LP01"), KGS.teaches))) == 2
    assert (obj("EF03LP16"), KGS.teaches, mint("bncc", "concept", "Forma de composição do texto")) in g
    assert g.value(mint("bncc", "concept", "Conceituação de algoritmos"), SKOS.broader) == \
        mint("bncc", "concept", "Algoritmos")
    assert g.value(mint("bncc", "section", "computacao-em-ce-01"), KGS.text) == \
        Literal("Compreender o mundo digital como fenômeno social.", lang="pt")
    # decomposed (NFD) text is kept as it is, not normalised
    [summary] = import_sources(mem_store, [VALID], validate=HAVE_SHACL)
    stored = {str(r["code"]): str(r["text"]) for r in mem_store.select(TEXTS_QUERY)}
    assert stored == json_texts(VALID)
    assert stored["EF01MA01"] != unicodedata.normalize("NFC", stored["EF01MA01"])
    assert mem_store.count(summary.graph) == summary.triples


@pytest.mark.skipif(not HAVE_SHACL, reason="ontology.validation (SHACL shapes) not written yet")
def test_tiny_folder_conforms_to_shapes():
    from ontology.validation import validate

    report = validate(parse(VALID).graph)
    assert report.conforms, report.text(limit=10)


# ---- errors: file, line and item named; the store unchanged ----------------------------------------------------

def overlay(tmp_path: Path, case: str) -> Path:
    """The valid folder with the files of ``errors/<case>`` in place of its own."""
    folder = tmp_path / "bncc"
    shutil.copytree(VALID, folder)
    for f in (FIXTURES / "errors" / case).iterdir():
        shutil.copy(f, folder / f.name)
    return folder


def _line(path: Path, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    return hits[nth - 1]


@pytest.mark.parametrize("case, file, words, needle, item", [
    ("malformed", "ensino-fundamental.json", "malformed JSON: Expecting ',' delimiter", '"anos": [', None),
    ("unknown_ref", "ensino-fundamental.json", "refers to objeto de conhecimento 'ef-comp-ma-oc-contagem-inexistente'",
     '"codigo": "EF01MA01"', "EF01MA01"),
    ("duplicate_code", "ensino-medio.json", "duplicate code EF15LP01: already defined at ensino-fundamental.json:",
     '"codigo": "EF15LP01"', "EF15LP01"),
    ("no_text", "educacao-infantil.json", "objective EI02EO01 has no 'texto'", '"codigo": "EI02EO01"', "EI02EO01"),
])
def test_errors_name_file_line_item_and_leave_store_unchanged(mem_store, tmp_path, case, file, words, needle, item):
    import_sources(mem_store, [VALID], validate=HAVE_SHACL)
    before = snapshot(mem_store)
    folder = overlay(tmp_path, case)
    path = folder / file
    with pytest.raises(ImportFailed) as err:
        import_sources(mem_store, [folder], validate=HAVE_SHACL)
    e = err.value
    assert words in str(e)
    assert e.path == str(path) and str(e).startswith(f"{path}:{e.line}: ")
    assert e.line == _line(path, needle, 2 if case == "malformed" else 1)
    assert e.item == item
    assert snapshot(mem_store) == before


def test_missing_estrutura_and_not_a_folder(tmp_path):
    folder = tmp_path / "bncc"
    shutil.copytree(VALID, folder)
    (folder / "estrutura.json").unlink()
    assert not BnccImporter().detect(folder)
    with pytest.raises(ImportFailed, match="estrutura.json is missing"):
        import_sources(None, [folder], fmt="bncc", validate=False)
    with pytest.raises(ImportFailed, match="a BNCC source is a folder"):
        parse(VALID / "estrutura.json")
