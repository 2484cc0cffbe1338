"""Moodle XML and GIFT banks, compared with Moodle's own exports (../shared/fixtures/moodle):
same document structure and element names per question type, categories from the course
structure, and a GIFT reader that parses Moodle's fixtures as Moodle does."""
from __future__ import annotations

import html
from collections import defaultdict

import pytest
from lxml import etree

from generation.export import ExportError, get_exporter
from generation.export.gift import parse_gift
from generation.export.pack import build_pack

from .conftest import sample_items

#: children Moodle's XML format writes for any question but its test fixtures happen not to show
ALWAYS_ALLOWED = {"idnumber", "tags"}
#: children of fixtures that are optional (hints, essay word limits)
OPTIONAL = {"hint", "filetypeslist", "maxwordlimit", "minwordlimit", "idnumber"}


@pytest.fixture(scope="module")
def moodle_children(shared_dir):
    kids = defaultdict(set)
    sub = defaultdict(set)
    for f in sorted((shared_dir / "fixtures" / "moodle" / "xml").glob("*.xml")):
        root = etree.parse(str(f)).getroot()
        assert root.tag == "quiz"
        for q in root.iter("question"):
            kids[q.get("type")] |= {c.tag for c in q if isinstance(c.tag, str)}
            for c in q:
                if c.tag in ("answer", "subquestion", "category"):
                    sub[(q.get("type"), c.tag)] |= {x.tag for x in c if isinstance(x.tag, str)}
    return kids, sub


def _text_of(html_fragment: str) -> str:
    """The text a browser shows for our escaped HTML (tags dropped, entities decoded)."""
    doc = etree.fromstring(f"<div>{html_fragment}</div>".encode())
    return "\n\n".join("".join(p.itertext()) for p in doc) if len(doc) else "".join(doc.itertext())


def test_moodle_xml_has_moodles_structure(demo_pack, tmp_path, moodle_children):
    kids, sub = moodle_children
    r = get_exporter("moodle-xml").export(demo_pack, tmp_path / "bank.xml")
    root = etree.parse(str(r.path)).getroot()
    assert root.tag == "quiz"
    seen = set()
    for q in root.iter("question"):
        t = q.get("type")
        seen.add(t)
        mine = {c.tag for c in q if isinstance(c.tag, str)}
        assert mine <= kids[t] | ALWAYS_ALLOWED, (t, mine - kids[t])
        assert kids[t] - OPTIONAL <= mine, (t, kids[t] - OPTIONAL - mine)
        for c in q:
            if c.tag in ("answer", "subquestion", "category"):
                assert {x.tag for x in c} <= sub[(t, c.tag)], (t, c.tag)
    assert seen == {"category", "multichoice", "truefalse", "matching", "shortanswer", "essay"}


def test_moodle_xml_categories_and_answers(demo_pack, tmp_path):
    root = etree.parse(str(get_exporter("moodle-xml").export(demo_pack, tmp_path / "b.xml").path)).getroot()
    cats = [q.findtext("category/text") for q in root.iter("question") if q.get("type") == "category"]
    assert cats == ["$course$/top/Foundations of Programming/Expressions and Variables/Variables and Assignment/"
                    "Section quiz: variables",
                    "$course$/top/Foundations of Programming/Repetition/While Loops/Quiz: while loops"]
    qs = [q for q in root.iter("question") if q.get("type") != "category"]
    assert len(qs) == 3 + 9
    mr = [q for q in qs if q.findtext("single") == "false"][0]
    assert [a.get("fraction") for a in mr.findall("answer")] == ["50", "50", "-100"]
    tf = [q for q in qs if q.get("type") == "truefalse"]
    assert [[a.get("fraction") for a in q.findall("answer")] for q in tf] == [["100", "0"]] * 2 + [["0", "100"]]
    order = [q for q in qs if q.get("type") == "matching"][-1]
    assert [(s.findtext("text"), s.findtext("answer/text")) for s in order.findall("subquestion")][0] == \
        ("<p>Position 1</p>", "Value")
    cloze = [q for q in qs if q.get("type") == "shortanswer"][-1]
    assert "_____" in _text_of(cloze.findtext("questiontext/text"))


def test_gift_reader_reads_moodles_fixtures_like_moodle(shared_dir):
    qs = parse_gift((shared_dir / "fixtures" / "moodle" / "gift" / "questions.gift.txt").read_text())
    assert [q["type"] for q in qs] == ["essay", "match", "multichoice", "multichoice", "numerical",
                                       "shortanswer", "truefalse", "truefalse", "truefalse"]
    assert qs[3]["single"] is False and [a["fraction"] for a in qs[3]["answers"]] == [50, -100, 50, -100]
    assert qs[6]["correct"] is False and qs[6]["generalfeedback"].startswith("This is, of course")
    cat = parse_gift((shared_dir / "fixtures" / "moodle" / "gift" / "questions_in_category.gift.txt").read_text())
    assert cat[0] == {"type": "category", "category": "$course$/Default for New Features"}
    assert 'href="http://demo.moodle.net/file.php/5/media/bonjour.mp3"' in cat[2]["text"]   # \= \: unescaped


def test_gift_export_round_trips(demo_pack, tmp_path):
    text = (get_exporter("gift").export(demo_pack, tmp_path / "bank.gift.txt").path).read_text("utf-8")
    qs = parse_gift(text)
    cats = [q["category"] for q in qs if q["type"] == "category"]
    assert cats[1] == "$course$/top/Foundations of Programming/Repetition/While Loops/Quiz: while loops"
    body = [q for q in qs if q["type"] != "category"]
    assert [q["type"] for q in body[3:]] == ["multichoice", "multichoice", "truefalse", "truefalse", "match",
                                             "shortanswer", "shortanswer", "match", "essay"]
    mc = body[3]
    assert mc["single"] and [html.unescape(a["text"]) for a in mc["answers"]] == \
        ["while loop", "if statement", "function", "comment"]
    assert [a["fraction"] for a in mc["answers"]] == [100, 0, 0, 0]
    assert _text_of(mc["text"]) == "Which statement repeats while a condition holds?"
    assert [a["fraction"] for a in body[4]["answers"]] == [50, 50, -100]
    assert [q["correct"] for q in body[5:7]] == [True, False]
    assert body[7]["subquestions"][0] == ("Loop", "Repeats statements")
    assert [a["text"] for a in body[8]["answers"]] == ["while", "while loop"]


def test_gift_leaves_out_a_term_with_an_arrow(tmp_path):
    items = sample_items()
    items[1].items[4].pairs[0] = ("a -> b", "x")
    r = get_exporter("gift").export(build_pack(items, None), tmp_path / "g.txt")
    assert len(r.skipped) == 1 and "'->'" in r.skipped[0]


def test_banks_refuse_a_pack_without_quizzes(tmp_path):
    pack = build_pack([x for x in sample_items() if x.kind != "quiz"], None)
    for fmt in ("moodle-xml", "gift", "qti-canvas"):
        with pytest.raises(ExportError, match="no quiz"):
            get_exporter(fmt).export(pack, tmp_path / f"x.{fmt}")
    assert list(tmp_path.iterdir()) == []
