"""Every generated quiz item's evidence (section, paragraph, sentence) and verification travel
into each export: Canvas QTI metadata, the CC QTI general feedback (the profile allows no
other item metadata), Moodle XML general feedback and tags, GIFT comments; the packs still
validate, and hostile evidence text is escaped."""
from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree

from generation.content.model import Choice, ItemEvidence, Quiz, QuizItem
from generation.content.repository import item_iri
from generation.export import get_exporter
from generation.export.evidence import _where
from generation.export.gift import gift_escape, parse_gift
from generation.export.validate import QTI_NS, find_schemas, validate_cc, validate_qti_canvas

from generation.export.pack import collect_pack

from .conftest import concept, save_all, section

Q = f"{{{QTI_NS}}}"
EVIL = 'Loops [tag:evil] [id:x1] <script>alert(1)</script> ~ = # { } : \\ & “quoted” | pipe'


@pytest.fixture
def schemas(shared_dir):
    return find_schemas(shared_dir / "schemas" / "common-cartridge")


@pytest.fixture
def evidence_pack(demo_store):
    """A real generated quiz on the demo's "While Loops" section, plus one hand-made item
    whose evidence sentence is hostile."""
    from generation.content.builder import Builder
    from generation.content.quiz import build_quiz
    q = build_quiz(Builder(demo_store, similarity_kind="lexical"), section("s4-1"), n=10)
    gen = [it for it in q.items if it.source == "generated"]
    assert len(gen) >= 4 and all(it.evidence and it.verification for it in gen)
    evil = QuizItem(type="truefalse", stem="True or false: a while loop checks its condition first.",
                    answer="true", concept=concept("while-loop"),
                    evidence=[ItemEvidence(EVIL, section("s4-1"), "While <Loops>", "p2", concept("while-loop"))],
                    verification="key 'true': the statement is a sentence of the cited section")
    mc = QuizItem(type="multichoice", stem="Which loop checks first?", answer="while loop",
                  choices=[Choice("while loop", True), Choice("for loop", False), Choice("if", False)],
                  concept=concept("while-loop"),
                  evidence=[ItemEvidence(EVIL, section("s4-1"), "While <Loops>", "p2", concept("while-loop"))])
    hostile = Quiz(iri=item_iri("quiz", concept("while-loop")), title="Evidence quiz", scope=concept("while-loop"),
                   items=[evil, mc])
    save_all(demo_store, [q, hostile])
    return collect_pack(demo_store), q


def _sentences(q):
    return [(it, ev) for it in q.items if it.source == "generated" for ev in it.evidence]


def test_canvas_qti_metadata_carries_the_evidence(evidence_pack, tmp_path, schemas):
    pack, q = evidence_pack
    e = type(get_exporter("qti-canvas"))()
    e.schemas_dir = str(schemas)
    r = e.export(pack, tmp_path / "c.zip")
    rep = validate_qti_canvas(r.path, schemas=schemas)
    assert rep.ok, rep.text()
    with zipfile.ZipFile(r.path) as zf:
        docs = [etree.fromstring(zf.read(n)) for n in zf.namelist()
                if n.endswith(".xml") and not n.endswith("assessment_meta.xml") and n != "imsmanifest.xml"]
    entries, verified = [], []
    for d in docs:
        for f in d.iter(f"{Q}qtimetadatafield"):
            if f.findtext(f"{Q}fieldlabel") == "kgstudio_evidence":
                entries.append(f.findtext(f"{Q}fieldentry"))
            if f.findtext(f"{Q}fieldlabel") == "kgstudio_verification":
                verified.append(f.findtext(f"{Q}fieldentry"))
    parsed = [e.split(" | ") for e in entries]
    assert all(len(p) == 4 for p in parsed)
    for it, ev in _sentences(q):
        assert [ev.section, ev.paragraph] in [p[:2] for p in parsed], ev
    # the hostile sentence is text in the XML (lxml escaped it), its "|" kept out of the fields
    assert any(p[3].startswith("Loops [tag:evil] [id:x1] <script>") and "¦ pipe" in p[3] for p in parsed)
    assert any(p[2] == "While <Loops>" for p in parsed)
    assert len(verified) >= len({id(it) for it, _ in _sentences(q)})


def test_cc_qti_general_feedback_carries_the_evidence(evidence_pack, tmp_path, schemas):
    pack, q = evidence_pack
    e = type(get_exporter("imscc"))()
    e.schemas_dir = str(schemas)
    r = e.export(pack, tmp_path / "p.imscc")
    rep = validate_cc(r.path, schemas=schemas)
    assert rep.ok, rep.text()
    with zipfile.ZipFile(r.path) as zf:
        xml = [zf.read(n) for n in zf.namelist() if n.endswith(".xml") and b"questestinterop" in zf.read(n)]
    fb_html = []
    for x in xml:
        for fb in etree.fromstring(x).iter(f"{Q}itemfeedback"):
            if fb.get("ident") == "general_fb":
                fb_html.append("".join(fb.itertext()))
    text = "\n".join(fb_html)
    flat = " ".join(text.split()).replace("&amp;", "&").replace("&gt;", ">").replace("&lt;", "<")
    for it, ev in _sentences(q):
        first = ev.text.strip().splitlines()[0] if ev.paragraph == "code" else " ".join(ev.text.split())[:50]
        assert first in flat, ev
    # the HTML in the feedback is escaped once more: the script tag is text, never an element
    assert "&lt;script&gt;" in text and "<script>" not in text


def test_moodle_xml_general_feedback_and_tags(evidence_pack, tmp_path):
    pack, q = evidence_pack
    r = get_exporter("moodle-xml").export(pack, tmp_path / "m.xml")
    root = etree.fromstring(r.path.read_bytes())
    general = {qq.findtext("name/text"): qq.findtext("generalfeedback/text") or "" for qq in root.iter("question")}
    tags = [t.text for t in root.iter("text") if t.getparent().tag == "tag"]
    joined = " ".join(" ".join(general.values()).split())
    for it, ev in _sentences(q):
        first = ev.text.strip().splitlines()[0] if ev.paragraph == "code" else " ".join(ev.text.split())[:40]
        assert first.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in joined, ev
        local = ev.section.rsplit("/", 1)[-1]
        assert f"evidence:{local}#{ev.paragraph}" in tags
    assert "&lt;script&gt;" in joined and "<script>" not in joined
    assert "evil" not in " ".join(tags)


def test_gift_comment_lines_carry_the_evidence_and_inject_no_tag(evidence_pack, tmp_path):
    pack, q = evidence_pack
    r = get_exporter("gift").export(pack, tmp_path / "b.gift.txt")
    text = r.path.read_text(encoding="utf-8")
    ev_lines = [ln for ln in text.splitlines() if ln.startswith("// evidence: ")]
    for it, ev in _sentences(q):
        where = gift_escape(_where(ev))       # "“While Loops”, paragraph p2" and the like
        assert ev.paragraph and any(ln.startswith(f"// evidence: {where}") for ln in ev_lines), ev
    hostile = [ln for ln in ev_lines if "tag" in ln and "evil" in ln]
    assert hostile and all("[tag\\:evil]" in ln and "[id\\:x1]" in ln for ln in hostile)
    # Moodle's own patterns for tags and ids in comments find only kgstudio's
    comments = "\n".join(ln for ln in text.splitlines() if ln.startswith("//"))
    assert "evil" not in re.findall(r"\[tag:([^\]]*)\]", comments) and "x1" not in re.findall(r"\[id:([^\]]*)\]", comments)
    assert sum(1 for ln in text.splitlines() if ln.startswith("// verified: ")) >= 2
    parsed = [b for b in parse_gift(text) if b["type"] != "category"]
    assert len(parsed) + len(r.skipped) == len(q.items) + 2 and len(parsed) >= len(q.items)
