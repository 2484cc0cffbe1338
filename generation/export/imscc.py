"""IMS Common Cartridge 1.1 (``.imscc``): what Moodle, Canvas, Blackboard, Brightspace and
Open edX all import.

Layout (the smallest layout that passes every third-party check, after
``../shared/fixtures/cc-minimal-1.1``):

* ``imsmanifest.xml`` with the CC 1.1 namespace in its first KB (Moodle detects the
  version by it), LOM title and language, one ``rooted-hierarchy`` organisation that
  mirrors the course structure (curriculum → chapter → section; the pack's tree);
* ``lessons/<id>/index.html`` (``webcontent``; XHTML, autoescaped) with the SVG of the
  diagrams about the same concept or section beside it, each listed as a ``<file>``;
* ``diagrams/<id>/index.html`` + ``diagram.svg`` for every diagram and
  ``paths/<id>/index.html`` for learning paths (``webcontent``);
* ``quizzes/<id>/assessment.xml`` (``imsqti_xmlv1p2/imscc_xmlv1p1/assessment``): the CC
  profile of QTI 1.2.1 (:mod:`generation.export.qti` says how matching and ordering items
  become CC multiple choice, and which items cannot go in).

The pack is validated before it is renamed into place (XSD + Schematron + manifest ⇔ zip,
:mod:`generation.export.validate`) when the schemas are found; an invalid pack is an
:class:`~generation.export.base.ExportError` and nothing is written.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from generation.export import templates
from generation.export.base import (ExportError, Exporter, ExportResult, Progress, ZipWriter,
                                     finish_manifest, register, write_validated_zip)
from generation.export.pack import ident
from generation.export.qti import Unsupported, cc_items, questestinterop, to_bytes, xml_text
from generation.export import validate as checks

CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = (f"{CP} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd "
                   f"{LOM} http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd")
ASSESSMENT = "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"


def _svg_bytes(svg: str) -> bytes:
    return xml_text(svg).encode("utf-8")


def related_diagrams(node, lesson) -> list:
    """Diagrams on the lesson's node that are about the lesson's scope or one of its concepts."""
    about = {lesson.scope, *getattr(lesson, "focus", [])}
    return [d for d in node.diagrams if d.scope in about and d.svg]


def build_quiz_qti(quiz, assessment_ident: str) -> tuple[bytes, int, list[str], list[str]]:
    """CC-profile QTI of one quiz: (bytes, items written, notes about skipped/converted items)."""
    root, section = questestinterop(assessment_ident, quiz.title, profile="cc")
    notes, skipped, written = [], [], 0
    for n, it in enumerate(quiz.items, 1):
        base = ident("Q_", f"{quiz.iri}#{n}:{it.iri}")
        try:
            for note in cc_items(section, it, base, f"{quiz.title} – {n}"[:200]):
                notes.append(f"{quiz.iri} item {n}: {note}")
            written += 1
        except Unsupported as e:
            skipped.append(f"{quiz.iri} item {n} ({it.type}) left out: {e}")
    return to_bytes(root), written, notes, skipped


@register
class CommonCartridgeExporter(Exporter):
    name = "imscc"
    suffix = ".imscc"
    description = "IMS Common Cartridge 1.1: lessons as web pages + SVG, quizzes as CC QTI, by course structure"

    def build(self, pack, progress: Progress | None = None) -> tuple[ZipWriter, ExportResult]:
        zw = ZipWriter()
        result = ExportResult(self.name, Path())
        E = lambda tag, parent=None, **a: (etree.SubElement(parent, f"{{{CP}}}{tag}", a)  # noqa: E731
                                            if parent is not None else etree.Element(f"{{{CP}}}{tag}", a))
        manifest = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP, "lomimscc": LOM, "xsi": XSI},
                                 identifier=ident("M_", pack.root.key))
        manifest.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
        md = E("metadata", manifest)
        E("schema", md).text = "IMS Common Cartridge"
        E("schemaversion", md).text = "1.1.0"
        lom = etree.SubElement(md, f"{{{LOM}}}lom")
        gen = etree.SubElement(lom, f"{{{LOM}}}general")
        t = etree.SubElement(etree.SubElement(gen, f"{{{LOM}}}title"), f"{{{LOM}}}string", language=pack.language or "en")
        t.text = xml_text(pack.title)
        etree.SubElement(gen, f"{{{LOM}}}language").text = pack.language or "en"
        orgs = E("organizations", manifest)
        org = E("organization", orgs, identifier="O_1", structure="rooted-hierarchy")
        root_item = E("item", org, identifier="I_root")
        resources = E("resources", manifest)
        total = len(pack.all_items())
        done = 0

        def resource(rid: str, rtype: str, files: list[str], href: str | None = None):
            r = E("resource", resources, identifier=rid, type=rtype)
            if href:
                r.set("href", href)
            for f in files:
                E("file", r, href=f)

        def leaf(parent, key: str, title: str, rid: str):
            it = E("item", parent, identifier=ident("I_", key), identifierref=rid)
            E("title", it).text = xml_text(title)

        def add_node(node, parent_el):
            nonlocal done
            here = parent_el
            if node is not pack.root:
                here = E("item", parent_el, identifier=ident("I_", "node:" + node.key))
                E("title", here).text = xml_text(node.title)
            for lesson in node.lessons:
                rid = ident("R_", lesson.iri)
                folder = f"lessons/{rid}"
                files = [f"{folder}/index.html"]
                figs = []
                for d in related_diagrams(node, lesson):
                    svg = f"{ident('svg_', d.iri)}.svg"
                    files.append(zw.add(f"{folder}/{svg}", _svg_bytes(d.svg)))
                    figs.append({"diagram": d, "svg_href": svg})
                zw.add(files[0], templates.lesson_html(lesson, diagrams=figs))
                resource(rid, "webcontent", files, href=files[0])
                leaf(here, lesson.iri, lesson.title, rid)
                done += 1
                if progress:
                    progress("writing items", done, total)
            for d in node.diagrams:
                rid = ident("R_", d.iri)
                folder = f"diagrams/{rid}"
                files = [f"{folder}/index.html"]
                svg_href = ""
                if d.svg:
                    files.append(zw.add(f"{folder}/diagram.svg", _svg_bytes(d.svg)))
                    svg_href = "diagram.svg"
                zw.add(files[0], templates.diagram_html(d, svg_href=svg_href, lang=pack.language))
                resource(rid, "webcontent", files, href=files[0])
                leaf(here, d.iri, d.title, rid)
                done += 1
            for p in node.paths:
                rid = ident("R_", p.iri)
                href = zw.add(f"paths/{rid}/index.html", templates.path_html(p, lang=pack.language))
                resource(rid, "webcontent", [href], href=href)
                leaf(here, p.iri, p.title or "Learning path", rid)
                done += 1
            for quiz in node.quizzes:
                rid = ident("R_", quiz.iri)
                data, written, notes, skipped = build_quiz_qti(quiz, ident("A_", quiz.iri))
                result.notes += notes
                result.skipped += skipped
                done += 1
                if written == 0:
                    result.skipped.append(f"{quiz.iri}: quiz left out (no item the CC profile can hold)")
                    continue
                href = zw.add(f"quizzes/{rid}/assessment.xml", data)
                resource(rid, ASSESSMENT, [href])
                leaf(here, quiz.iri, quiz.title, rid)
                result.counts["quiz_items"] = result.counts.get("quiz_items", 0) + written
                if progress:
                    progress("writing items", done, total)
            for c in node.children:
                add_node(c, here)

        add_node(pack.root, root_item)
        if len(root_item) == 0:
            raise ExportError("nothing in the pack can be written as Common Cartridge content")
        finish_manifest(zw, manifest, result, pack)
        return zw, result

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        zw, result = self.build(pack, progress)
        return write_validated_zip(zw, result, out, checks.validate_cc, validate=self.validate,
                                   schemas_dir=self.schemas_dir)
