"""Canvas "QTI .zip file": every quiz as Canvas-native QTI 1.2 with Canvas's item metadata.

The package is what Canvas's own exporter and text2qti write
(``../shared/fixtures/canvas/README.md``): ``imsmanifest.xml`` with one
``imsqti_xmlv1p2`` resource per quiz pointing at ``<id>/<id>.xml``, which depends on a
``learning-application-resource`` holding ``<id>/assessment_meta.xml`` (Canvas's quiz
settings, namespace ``http://canvas.instructure.com/xsd/cccv1p0``). Items carry
``question_type``, ``points_possible``, ``original_answer_ids`` and
``assessment_question_identifierref``; types: multiple choice, multiple answers,
true/false, matching (ordering too, as position → step), short answer (and cloze) and
essay. Each QTI file validates against the generic QTI 1.2 XSD, which the exporter checks
before the zip is renamed into place (when the schemas are found).

Quiz titles carry the course structure ("Chapter 1 › 1.2 Loops › Quiz: ..."), since a
QTI zip has no organisation Canvas reads.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from generation.export.base import (ExportError, Exporter, ExportResult, Progress, ZipWriter,
                                     finish_manifest, register, write_validated_zip)
from generation.export.pack import ident
from generation.export.qti import Unsupported, canvas_item, html_para, questestinterop, to_bytes, xml_text
from generation.export import validate as checks

CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def assessment_meta(quiz_ident: str, title: str, description: str, points: float) -> bytes:
    root = etree.Element(f"{{{CANVAS}}}quiz", nsmap={None: CANVAS, "xsi": XSI}, identifier=quiz_ident)
    root.set(f"{{{XSI}}}schemaLocation", f"{CANVAS} https://canvas.instructure.com/xsd/cccv1p0.xsd")

    def sub(parent, tag, text=None):
        e = etree.SubElement(parent, f"{{{CANVAS}}}{tag}")
        if text is not None:
            e.text = xml_text(text)
        return e

    sub(root, "title", title)
    sub(root, "description", html_para(description) if description else "")
    for tag, value in (("shuffle_answers", "false"), ("scoring_policy", "keep_highest"),
                       ("quiz_type", "assignment"), ("points_possible", f"{points:.1f}"),
                       ("show_correct_answers", "true"), ("allowed_attempts", "1"),
                       ("one_question_at_a_time", "false"), ("cant_go_back", "false"),
                       ("available", "false")):
        sub(root, tag, value)
    a = sub(root, "assignment")
    a.set("identifier", ident("asg_", quiz_ident))
    sub(a, "title", title)
    sub(a, "workflow_state", "unpublished")
    sub(a, "quiz_identifierref", quiz_ident)
    sub(a, "points_possible", f"{points:.1f}")
    sub(a, "grading_type", "points")
    sub(a, "submission_types", "online_quiz")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_quiz_qti(quiz, quiz_ident: str, title: str) -> tuple[bytes, int, list[str], list[str]]:
    root, section = questestinterop(quiz_ident, title, profile="canvas")
    notes, skipped, written = [], [], 0
    for n, it in enumerate(quiz.items, 1):
        base = ident("q", f"{quiz.iri}#{n}:{it.iri}")
        try:
            notes += [f"{quiz.iri} item {n}: {x}" for x in canvas_item(section, it, base, f"Question {n}")]
            written += 1
        except Unsupported as e:
            skipped.append(f"{quiz.iri} item {n} ({it.type}) left out: {e}")
    return to_bytes(root), written, notes, skipped


@register
class CanvasQtiExporter(Exporter):
    name = "qti-canvas"
    suffix = ".zip"
    description = "Canvas QTI .zip: every quiz as Canvas-native QTI 1.2 (all Canvas item types)"

    def build(self, pack, progress: Progress | None = None) -> tuple[ZipWriter, ExportResult]:
        zw = ZipWriter()
        result = ExportResult(self.name, Path())
        manifest = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP, "xsi": XSI},
                                 identifier=ident("M_", "canvas:" + pack.root.key))
        md = etree.SubElement(manifest, f"{{{CP}}}metadata")
        etree.SubElement(md, f"{{{CP}}}schema").text = "IMS Content"
        etree.SubElement(md, f"{{{CP}}}schemaversion").text = "1.1.3"
        etree.SubElement(manifest, f"{{{CP}}}organizations")
        resources = etree.SubElement(manifest, f"{{{CP}}}resources")
        quizzes = [(trail, node, q) for _, trail, node in pack.nodes() for q in node.quizzes]
        for i, (trail, node, quiz) in enumerate(quizzes, 1):
            qid = ident("g", quiz.iri)
            path = [n.title for n in (*trail, node) if n is not pack.root]
            title = " › ".join([*path, quiz.title])[:255]
            data, written, notes, skipped = build_quiz_qti(quiz, qid, title)
            result.notes += notes
            result.skipped += skipped
            if written:
                href = zw.add(f"{qid}/{qid}.xml", data)
                meta = zw.add(f"{qid}/assessment_meta.xml",
                              assessment_meta(qid, title, "", float(written)))
                r = etree.SubElement(resources, f"{{{CP}}}resource", identifier=qid, type="imsqti_xmlv1p2")
                etree.SubElement(r, f"{{{CP}}}file", href=href)
                dep = ident("d", quiz.iri)
                etree.SubElement(r, f"{{{CP}}}dependency", identifierref=dep)
                r2 = etree.SubElement(resources, f"{{{CP}}}resource", identifier=dep,
                                      type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                                      href=meta)
                etree.SubElement(r2, f"{{{CP}}}file", href=meta)
                result.counts["quiz_items"] = result.counts.get("quiz_items", 0) + written
            else:
                result.skipped.append(f"{quiz.iri}: quiz left out (no item Canvas can hold)")
            if progress:
                progress("writing quizzes", i, len(quizzes))
        if not zw.entries:
            raise ExportError("the pack has no quiz: a Canvas QTI zip holds quizzes only "
                              "(use --format imscc for lessons)")
        finish_manifest(zw, manifest, result, pack)
        return zw, result

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        zw, result = self.build(pack, progress)
        return write_validated_zip(zw, result, out, checks.validate_qti_canvas, validate=self.validate,
                                   schemas_dir=self.schemas_dir)
