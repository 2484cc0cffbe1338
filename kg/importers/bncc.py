"""BNCC (Base Nacional Comum Curricular, Brazil) importer: Portuguese learning objectives.

Reads the structured BNCC JSON of the PyPI package ``bncc`` (its ``dados/*.json``; a copy
is described in ``../shared/data/curricula/bncc/README.md``): a folder holding
``estrutura.json`` plus one or more of ``educacao-infantil.json``,
``ensino-fundamental.json``, ``ensino-medio.json`` and ``computacao.json``. Every text is
written ``@pt``, unchanged (no normalisation, no trimming inside the text), so accents,
``ç``, en dashes and curly or straight quotes come back byte-for-byte.

Mapping onto ``docs/data-model.md`` (source slug ``bncc``, one named graph):

============================  =====================  =====================================
BNCC                          data model             notes
============================  =====================  =====================================
etapa (EI, EF, EM)            curriculum             "BNCC — Ensino Fundamental"; its
                                                     ``kgs:educationalLevel`` is the stage
campo de experiências (EI),   chapter                ordered as in ``estrutura.json``; EM
componente curricular (EF),                          skills mostly name no component, so
área do conhecimento (EM),                           EM chapters are the four areas; the
Computação (per stage)                               Computing complement is one chapter
                                                     "Computação" inside each stage
grupo etário (EI),            section                ordered by first use (document order);
unidade temática (EF),                               EM competências ordered by number.
prática de linguagem (EF LP),                        Section ids are the source's ids (EI:
competência específica (EM),                         ``<campo>-<grupo>``; Computing:
eixo (Computação EI/EF),                             ``<stage>-<eixo>``)
competência (Computação EM)
objeto de conhecimento        concept                id = its name (slugged, as every
(EF, Computação)                                     concept); ``kgs:teaches`` from each
                                                     objective; Computing objects keep
                                                     their tree as ``skos:broader``
objetivo / habilidade         learning objective     ``mint("bncc", "objective", code)``;
                                                     ``rdfs:label`` = the text @pt;
                                                     ``kgs:sourceId`` = the code;
                                                     ``kgs:partOf`` its section with
                                                     ``kgs:position`` (file order);
                                                     ``kgs:educationalLevel`` per year
                                                     ("1º ano"), age group ("Bebês
                                                     (0–1a6m)") or "Ensino Médio"
EI alinhamento                ``kgs:precedes``       the same objective across the age
                                                     groups: EI01.. precedes EI02.. ...
campo de atuação (EF/EM LP),  ``kgs:keyword`` @pt    on the objective (LP and LI skills
eixo (EF LI), área (EF)                              have a second axis of organisation)
============================  =====================  =====================================

An EM skill with several competências específicas is ``kgs:partOf`` the first and every
listed competência ``kgs:hasObjective`` it. Objectives whose ``vigencia.status`` is not
``vigente`` are skipped (counted in ``counts["not_in_force"]``).

Errors (each names the file, the line and the code or id at fault, and nothing is
written): malformed JSON, a missing ``estrutura.json`` or a folder with no objectives
file, an objective without ``codigo``/``texto``, a code used twice (in one or two files),
and a reference to an id that does not exist (componente, unidade temática, objeto de
conhecimento, campo de experiências, grupo etário, eixo, competência, alinhamento member).

Limitations: the competências gerais, the EF competências específicas (not linked to
skills in the data), direitos de aprendizagem, marcos legais and perfis are not imported;
EM skills have no knowledge objects in the source, so they teach no concept; the
``fonte`` locators (spreadsheet row, PDF page) are not kept.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.errors import ImportFailed
from kg.importers.base import Importer, ImportResult, Progress, register
from kg.importers.case import json_key_line, json_line_of, load_json
from kg.iris import mint, source_graph
from ontology.namespaces import DCTERMS, KGS, RDF, RDFS, SDO, SKOS

__all__ = ["BnccImporter", "SOURCE", "STAGE_FILES"]

SOURCE = "bncc"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
STAGE_FILES = ("educacao-infantil.json", "ensino-fundamental.json", "ensino-medio.json", "computacao.json")
LANG = "pt"
TITLE = "Base Nacional Comum Curricular (BNCC)"


def _pt(text: str) -> Literal:
    return Literal(text, lang=LANG)


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


@register
class BnccImporter(Importer):
    name = "bncc"
    description = "BNCC (Brazil's national curriculum) JSON folder from the PyPI package 'bncc'"

    def detect(self, path: Path) -> bool:
        # a stage file that is not a regular file (a folder, a FIFO) still marks the format:
        # reading it is then refused naming that file, not "cannot tell the format"
        return (path.is_dir() and (path / "estrutura.json").exists()
                and any((path / f).exists() for f in STAGE_FILES))

    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        if not path.is_dir():
            raise ImportFailed("a BNCC source is a folder (estrutura.json and the stage files)", path=path,
                               hint="Pass the folder that holds estrutura.json")
        return _Builder(path, max_bytes, progress).build()


@dataclass
class _File:
    path: Path
    text: str
    data: dict


@dataclass
class _Section:
    node: URIRef
    chapter: str
    objectives: list[URIRef] = field(default_factory=list)


class _Builder:
    def __init__(self, folder: Path, max_bytes: int, progress: Progress | None):
        self.folder, self.max_bytes, self.progress = folder, max_bytes, progress
        self.g = Graph()
        self.counts: Counter[str] = Counter()
        self.codes: dict[str, _File] = {}
        self.not_in_force: set[str] = set()
        self.curricula: dict[str, URIRef] = {}
        self.chapters: dict[str, tuple[str, int, URIRef]] = {}  # id -> (stage, order key, node)
        self.chapter_order: dict[str, list[str]] = defaultdict(list)
        self.sections: dict[str, _Section] = {}
        self.section_order: dict[str, list[tuple[Any, str]]] = defaultdict(list)
        self.concepts: dict[str, URIRef] = {}

    # ---- reading --------------------------------------------------------------------------------
    def load(self, name: str, required: bool = False) -> _File | None:
        path = self.folder / name
        if not path.exists():
            if required:
                raise ImportFailed(f"{name} is missing: not a BNCC data folder", path=self.folder,
                                   hint="Pass the bncc 'dados' folder (estrutura.json and the stage files)")
            return None
        if path.is_dir():
            raise ImportFailed(f"{name} is a folder, not a JSON file", path=path,
                               hint=f"{name} must be the BNCC JSON file of that name")
        data, text = load_json(path, self.max_bytes)
        if not isinstance(data, dict):
            raise ImportFailed(f"expected a JSON object at the top level, found {type(data).__name__}",
                               path=path, line=1)
        return _File(path, text, data)

    def records(self, f: _File, key: str) -> list[dict]:
        value = f.data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise ImportFailed(f"'{key}' must be an array of objects", path=f.path,
                               line=json_key_line(f.text, key))
        return value

    def fail(self, f: _File, message: str, code: str, *, key: str = "codigo", hint: str | None = None,
             occurrence: int = 1) -> ImportFailed:
        return ImportFailed(message, path=f.path, line=json_line_of(f.text, key, code, occurrence),
                            item=code, hint=hint)

    def ref(self, f: _File, table: dict, ref_id: Any, what: str, code: str, key: str = "codigo") -> Any:
        if not isinstance(ref_id, str) or ref_id not in table:
            raise self.fail(f, f"{code} refers to {what} {ref_id!r}, which does not exist", code, key=key,
                            hint=f"Use the id of a {what} defined in estrutura.json or in this file")
        return table[ref_id]

    # ---- the whole folder -----------------------------------------------------------------------
    def build(self) -> ImportResult:
        est = self.load("estrutura.json", required=True)
        stage_files = {name: self.load(name) for name in STAGE_FILES}
        if not any(stage_files.values()):
            raise ImportFailed("no objectives file (" + ", ".join(STAGE_FILES) + ")", path=self.folder)
        self.index_structure(est)
        version = self.load("VERSAO.json")
        title = TITLE
        if version and isinstance(version.data.get("data_version"), str):
            title += f", {version.data['data_version']}"

        if stage_files["educacao-infantil.json"]:
            self.infantil(stage_files["educacao-infantil.json"])
        if stage_files["ensino-fundamental.json"]:
            self.fundamental(stage_files["ensino-fundamental.json"])
        if stage_files["ensino-medio.json"]:
            self.medio(stage_files["ensino-medio.json"])
        if stage_files["computacao.json"]:
            self.computacao(stage_files["computacao.json"])
        self.finish()
        counts = dict(sorted(self.counts.items()))
        counts["objectives"] = sum(v for k, v in self.counts.items() if k.startswith("objectives_"))
        counts["curricula"] = len(self.curricula)
        counts["chapters"] = len(self.chapters)
        counts["sections"] = len(self.sections)
        counts["concepts"] = len(self.concepts)
        return ImportResult(source=SOURCE, graph_iri=source_graph(SOURCE), graph=self.g, path=self.folder,
                            format="bncc", title=title, counts=counts)

    def index_structure(self, est: _File) -> None:
        def table(key: str) -> dict[str, dict]:
            out: dict[str, dict] = {}
            for r in self.records(est, key):
                rid = r.get("id")
                if not isinstance(rid, str) or not rid:
                    raise ImportFailed(f"a record of '{key}' has no id", path=est.path,
                                       line=json_key_line(est.text, key))
                if rid in out:
                    raise self.fail(est, f"duplicate id {rid!r} in '{key}'", rid, key="id", occurrence=2)
                out[rid] = r
            return out

        self.est = est
        self.etapas = table("etapas")
        self.areas = table("areas_conhecimento")
        self.componentes = table("componentes_curriculares")
        self.recortes = table("recortes_temporais")
        self.campos = table("campos_experiencias")
        self.competencias = table("competencias_especificas")

    # ---- nodes ---------------------------------------------------------------------------------
    def curriculum(self, stage: str) -> URIRef:
        if stage not in self.curricula:
            etapa = self.etapas.get(stage)
            if etapa is None:
                raise ImportFailed(f"stage {stage!r} is not among the 'etapas' of estrutura.json",
                                   path=self.est.path, line=json_key_line(self.est.text, "etapas"))
            node = mint(SOURCE, "curriculum", stage)
            name = etapa.get("nome") or stage
            g = self.g
            g.add((node, RDF.type, KGS.Curriculum))
            g.add((node, RDF.type, SDO.Course))
            g.add((node, RDFS.label, _pt(f"BNCC — {name}")))
            g.add((node, KGS.educationalLevel, _pt(name)))
            g.add((node, DCTERMS.license, LICENSE))
            g.add((node, KGS.sourceId, Literal(stage)))
            self.curricula[stage] = node
        return self.curricula[stage]

    def chapter(self, stage: str, cid: str, label: str, order: int, keyword: str | None = None) -> URIRef:
        if cid not in self.chapters:
            node = mint(SOURCE, "chapter", cid)
            cur = self.curriculum(stage)
            g = self.g
            g.add((node, RDF.type, KGS.Chapter))
            g.add((node, RDF.type, SDO.LearningResource))
            g.add((node, RDFS.label, _pt(label)))
            g.add((node, KGS.partOf, cur))
            g.add((node, KGS.inCurriculum, cur))
            g.add((node, KGS.sourceId, Literal(cid)))
            if keyword:
                g.add((node, KGS.keyword, _pt(keyword)))
            self.chapters[cid] = (stage, order, node)
            self.chapter_order[stage].append(cid)
        return self.chapters[cid][2]

    def section(self, stage: str, chapter_id: str, sid: str, label: str, order: Any,
                text: str | None = None) -> _Section:
        if sid not in self.sections:
            node = mint(SOURCE, "section", sid)
            g = self.g
            g.add((node, RDF.type, KGS.Section))
            g.add((node, RDF.type, SDO.LearningResource))
            g.add((node, RDFS.label, _pt(label)))
            g.add((node, KGS.partOf, self.chapters[chapter_id][2]))
            g.add((node, KGS.inCurriculum, self.curriculum(stage)))
            g.add((node, KGS.sourceId, Literal(sid)))
            if text:
                g.add((node, KGS.text, _pt(text)))
            self.sections[sid] = _Section(node, chapter_id)
            self.section_order[chapter_id].append((order, sid))
        return self.sections[sid]

    def concept(self, stage: str, name: str, source_id: str) -> URIRef:
        node = mint(SOURCE, "concept", name)
        g = self.g
        if str(node) not in self.concepts:
            self.concepts[str(node)] = node
            g.add((node, RDF.type, KGS.Concept))
            g.add((node, RDF.type, SKOS.Concept))
            g.add((node, SKOS.prefLabel, _pt(name)))
            g.add((node, RDFS.label, _pt(name)))
        g.add((node, KGS.sourceId, Literal(source_id)))
        cur = self.curriculum(stage)
        g.add((node, KGS.inCurriculum, cur))
        g.add((node, SKOS.inScheme, cur))
        return node

    def objective(self, f: _File, rec: dict, stage: str, section: _Section, levels: list[str],
                  teaches: list[URIRef] = (), keywords: list[str] = ()) -> URIRef | None:
        code, text = rec.get("codigo"), rec.get("texto")
        if not isinstance(code, str) or not code.strip():
            raise ImportFailed("an objective has no 'codigo'", path=f.path,
                               line=json_line_of(f.text, "texto", text) if isinstance(text, str) else None,
                               hint="Every BNCC objective needs its code, e.g. EF01LP01")
        if not isinstance(text, str) or not text.strip():
            raise self.fail(f, f"objective {code} has no 'texto'", code)
        if code in self.codes:
            other = self.codes[code]
            line = json_line_of(other.text, "codigo", code)
            raise self.fail(f, f"duplicate code {code}: already defined at {other.path.name}:{line}", code,
                            occurrence=2 if other is f else 1, hint="Each objective code must be unique")
        self.codes[code] = f
        node = mint(SOURCE, "objective", code)
        g = self.g
        g.add((node, RDF.type, KGS.LearningObjective))
        g.add((node, RDFS.label, _pt(text)))
        g.add((node, KGS.sourceId, Literal(code)))
        g.add((node, KGS.partOf, section.node))
        g.add((section.node, KGS.hasObjective, node))
        g.add((node, KGS.inCurriculum, self.curriculum(stage)))
        for level in levels:
            g.add((node, KGS.educationalLevel, _pt(level)))
        for c in teaches:
            g.add((node, KGS.teaches, c))
        for k in keywords:
            g.add((node, KGS.keyword, _pt(k)))
        section.objectives.append(node)
        return node

    def in_force(self, rec: dict) -> bool:
        vigencia = rec.get("vigencia")
        status = vigencia.get("status", "vigente") if isinstance(vigencia, dict) else "vigente"
        if status != "vigente":
            self.counts["not_in_force"] += 1
            self.not_in_force.add(str(rec.get("codigo")))
            return False
        return True

    # ---- levels ---------------------------------------------------------------------------------
    def age_group(self, f: _File, gid: Any, code: str) -> tuple[str, str]:
        grp = self.ref(f, self.recortes, gid, "grupo etário", code)
        name = grp.get("nome") or gid
        return name, f"{name} ({grp['faixa']})" if grp.get("faixa") else name

    def years(self, f: _File, rec: dict, code: str) -> list[str]:
        anos = rec.get("anos")
        if not isinstance(anos, list) or not anos or not all(isinstance(a, int) and 1 <= a <= 9 for a in anos):
            raise self.fail(f, f"objective {code} has no valid 'anos' (years 1–9): {anos!r}", code)
        return [f"{a}º ano" for a in anos]

    # ---- Educação Infantil ------------------------------------------------------------------------
    def infantil(self, f: _File) -> None:
        order = list(self.campos)
        recs = self.records(f, "objetivos")
        for rec in recs:
            if not self.in_force(rec):
                continue
            code = str(rec.get("codigo"))
            campo = self.ref(f, self.campos, rec.get("campo_experiencias"), "campo de experiências", code)
            self.chapter("EI", campo["id"], campo.get("nome") or campo["id"], order.index(campo["id"]))
            gid = rec.get("grupo_etario")
            name, level = self.age_group(f, gid, code)
            sec = self.section("EI", campo["id"], f"{campo['id']}-{gid}", level, gid)
            self.objective(f, rec, "EI", sec, [level])
            self.counts["objectives_ei"] += 1
        # alignments: the same objective across the age groups, in order
        for al in self.records(f, "alinhamentos"):
            aid = str(al.get("id"))
            members = [c for c in al.get("objetivos") or [] if c not in self.not_in_force]
            for code in members:
                if code not in self.codes:
                    raise self.fail(f, f"alinhamento {aid} names objective {code!r}, which does not exist",
                                    aid, key="id")
            for a, b in zip(members, members[1:]):
                self.g.add((mint(SOURCE, "objective", a), KGS.precedes, mint(SOURCE, "objective", b)))
                self.counts["precedes"] += 1

    # ---- Ensino Fundamental -----------------------------------------------------------------------
    def fundamental(self, f: _File) -> None:
        contexts = self.context_table(f)
        comp_order = list(self.componentes)
        recs = self.records(f, "habilidades")
        for n, rec in enumerate(recs):
            if not self.in_force(rec):
                continue
            code = str(rec.get("codigo"))
            comp = self.ref(f, self.componentes, rec.get("componente"), "componente curricular", code)
            area = self.areas.get(comp.get("area"), {}).get("nome")
            self.chapter("EF", comp["id"], comp.get("nome") or comp["id"], comp_order.index(comp["id"]), area)
            org = rec.get("organizacao") or {}
            keywords: list[str] = []
            if org.get("tipo") == "campo_pratica":
                unit = self.ref(f, contexts, org.get("pratica_linguagem"), "prática de linguagem", code)
                for cid in org.get("campos_atuacao") or []:
                    keywords.append(self.ref(f, contexts, cid, "campo de atuação", code)["nome"])
            else:
                unit = self.ref(f, contexts, org.get("unidade_tematica"), "unidade temática", code)
                if org.get("eixo"):
                    keywords.append(self.ref(f, contexts, org["eixo"], "eixo", code)["nome"])
            sec = self.section("EF", comp["id"], unit["id"], unit["nome"], n)
            teaches = [self.concept("EF", self.ref(f, contexts, oc, "objeto de conhecimento", code)["nome"], oc)
                       for oc in rec.get("objetos_conhecimento") or []]
            self.objective(f, rec, "EF", sec, self.years(f, rec, code), teaches, keywords)
            self.counts["objectives_ef"] += 1
            if self.progress and n % 200 == 0:
                self.progress("BNCC Ensino Fundamental", n, len(recs))

    def context_table(self, f: _File) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for r in self.records(f, "contextos_organizacao"):
            rid = r.get("id")
            if not isinstance(rid, str) or not isinstance(r.get("nome"), str):
                raise ImportFailed("a record of 'contextos_organizacao' has no id or nome", path=f.path,
                                   line=json_line_of(f.text, "id", rid) if isinstance(rid, str) else None)
            if rid in out:
                raise self.fail(f, f"duplicate id {rid!r} in 'contextos_organizacao'", rid, key="id", occurrence=2)
            out[rid] = r
        return out

    # ---- Ensino Médio ------------------------------------------------------------------------------
    def medio(self, f: _File) -> None:
        contexts = self.context_table(f)
        area_order = list(self.areas)
        for rec in self.records(f, "habilidades"):
            if not self.in_force(rec):
                continue
            code = str(rec.get("codigo"))
            area = self.ref(f, self.areas, rec.get("area"), "área do conhecimento", code)
            self.chapter("EM", area["id"], area.get("nome") or area["id"], area_order.index(area["id"]))
            ces = rec.get("competencias_especificas") or []
            if not ces:
                raise self.fail(f, f"objective {code} names no competência específica", code)
            comps = [self.ref(f, self.competencias, c, "competência específica", code) for c in ces]
            secs = [self.section("EM", area["id"], c["id"], f"Competência específica {c.get('numero')}",
                                 c.get("numero") or 0, c.get("texto")) for c in comps]
            keywords = [self.ref(f, contexts, c, "campo de atuação social", code)["nome"]
                        for c in rec.get("campos_atuacao_social") or []]
            node = self.objective(f, rec, "EM", secs[0], [self.etapas["EM"].get("nome") or "EM"],
                                  keywords=keywords)
            for s in secs[1:]:
                self.g.add((s.node, KGS.hasObjective, node))
            self.counts["objectives_em"] += 1

    # ---- Computação (complement, 2022) -------------------------------------------------------------
    def computacao(self, f: _File) -> None:
        eixos = {r.get("id"): r for r in self.records(f, "eixos")}
        eixo_order = list(eixos)
        objs = {r.get("id"): r for r in self.records(f, "objetos_conhecimento")}
        comps = {r.get("id"): r for r in self.records(f, "competencias")}
        concepts: dict[str, tuple[URIRef, str]] = {}

        def chapter(stage: str) -> str:
            cid = f"{stage.lower()}-computacao"
            self.chapter(stage, cid, "Computação", 10_000)
            return cid

        def concept(stage: str, oid: Any, code: str) -> URIRef:
            obj = self.ref(f, objs, oid, "objeto de conhecimento", code)
            node = self.concept(stage, obj["nome"], oid)
            concepts[oid] = (node, stage)
            return node

        def by_eixo(stage: str, rec: dict, code: str, levels: list[str]) -> None:
            eixo = self.ref(f, eixos, rec.get("eixo"), "eixo", code)
            cid = chapter(stage)
            sec = self.section(stage, cid, f"{stage.lower()}-{eixo['id']}", eixo.get("nome") or eixo["id"],
                               eixo_order.index(eixo["id"]))
            teaches = [concept(stage, o, code) for o in rec.get("objetos_conhecimento") or []]
            self.objective(f, rec, stage, sec, levels, teaches)
            self.counts["objectives_computacao"] += 1

        for rec in self.records(f, "objetivos_ei"):
            if self.in_force(rec):
                code = str(rec.get("codigo"))
                by_eixo("EI", rec, code, [self.age_group(f, rec.get("grupo_etario"), code)[1]])
        for rec in self.records(f, "habilidades_ef"):
            if self.in_force(rec):
                code = str(rec.get("codigo"))
                by_eixo("EF", rec, code, self.years(f, rec, code))
        for rec in self.records(f, "habilidades_em"):
            if not self.in_force(rec):
                continue
            code = str(rec.get("codigo"))
            comp = self.ref(f, comps, rec.get("competencia"), "competência", code)
            cid = chapter("EM")
            sec = self.section("EM", cid, comp["id"], f"Competência específica {comp.get('numero')}",
                               comp.get("numero") or 0, comp.get("texto"))
            self.objective(f, rec, "EM", sec, [self.etapas["EM"].get("nome") or "EM"])
            self.counts["objectives_computacao"] += 1
        # the knowledge objects' own tree (``pai``), above the objects some objective teaches
        for oid, (node, stage) in list(concepts.items()):
            parent = objs[oid].get("pai")
            while parent:
                pobj = self.ref(f, objs, parent, "objeto de conhecimento (pai)", oid, key="id")
                pnode = self.concept(stage, pobj["nome"], parent)
                if (node, SKOS.broader, pnode) in self.g:
                    break
                self.g.add((node, SKOS.broader, pnode))
                self.counts["broader"] += 1
                oid, node, parent = parent, pnode, pobj.get("pai")

    # ---- order ----------------------------------------------------------------------------------------
    def finish(self) -> None:
        g = self.g
        for stage, ids in self.chapter_order.items():
            for pos, cid in enumerate(sorted(ids, key=lambda c: self.chapters[c][1]), 1):
                g.add((self.chapters[cid][2], KGS.position, _int(pos)))
        for _chapter, entries in self.section_order.items():
            for pos, (_key, sid) in enumerate(sorted(entries, key=lambda e: _sort_key(e[0])), 1):
                g.add((self.sections[sid].node, KGS.position, _int(pos)))
        for sec in self.sections.values():
            for pos, node in enumerate(sec.objectives, 1):
                g.add((node, KGS.position, _int(pos)))


def _sort_key(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int) else (1, str(key))

