"""Hostile text through every exporter: markup, GIFT control characters, XML entities and
CDATA ends, right-to-left text, emoji. Each output parses (as XML, GIFT the Moodle way, RDF,
Markdown) and shows every text exactly as it was written, and no text becomes markup."""
from __future__ import annotations

import html
import json
import zipfile

import lxml.html
import pytest
from lxml import etree
from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SDO

from generation.export import EXPORTERS, get_exporter
from generation.export.gift import CATEGORY_BACKSLASH, parse_gift
from generation.export.pack import collect_pack
from generation.export.validate import QTI_NS, find_schemas, validate_cc, validate_qti_canvas

from .conftest import HOSTILE, sample_items, save_all

# "%50%" and "#" first: a GIFT answer or a Markdown line that starts with them is the hard case.
ALL = " · ".join([HOSTILE[6], HOSTILE[7], *HOSTILE[:6]])
Q = f"{{{QTI_NS}}}"
X = "{http://www.w3.org/1999/xhtml}"


def t(s: str) -> str:
    return f"{ALL} {s}"


def shown(fragment: str) -> str:
    """What a browser shows for an HTML fragment (paragraphs joined by a blank line)."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    assert not root.xpath(".//script|.//b"), fragment          # no text became markup
    paras = root.findall("p")
    return "\n\n".join(p.text_content() for p in paras) if paras else root.text_content()


@pytest.fixture
def hostile_pack(demo_store):
    items = sample_items(t)
    save_all(demo_store, items)
    return collect_pack(demo_store), items


@pytest.fixture
def schemas(shared_dir):
    return str(find_schemas(shared_dir / "schemas" / "common-cartridge"))


def test_every_exporter_is_covered():
    # a new exporter must be added to this test
    from generation import export  # noqa: F401
    assert set(EXPORTERS) == {"imscc", "qti-canvas", "moodle-xml", "gift", "html", "markdown", "jsonld", "turtle"}


def _quiz_texts(items):
    quiz = items[1]
    return quiz, [it.stem for it in quiz.items], [c.text for it in quiz.items for c in it.choices]


def test_imscc(hostile_pack, tmp_path, schemas):
    pack, items = hostile_pack
    e = type(get_exporter("imscc"))()
    e.schemas_dir = schemas
    r = e.export(pack, tmp_path / "p.imscc")
    assert validate_cc(r.path, schemas=schemas).ok
    quiz, stems, choices = _quiz_texts(items)
    with zipfile.ZipFile(r.path) as zf:
        man = etree.fromstring(zf.read("imsmanifest.xml"))
        titles = [x.text for x in man.iter("{*}title")]
        assert items[0].title in titles and quiz.title in titles
        qti = [etree.fromstring(zf.read(n)) for n in zf.namelist() if n.endswith("assessment.xml")]
        page = etree.fromstring([zf.read(n) for n in zf.namelist() if n.endswith("index.html")
                                 and n.startswith("lessons/")][0])
    shown_stems = [shown(m.text) for doc in qti for it in doc.iter(f"{Q}item")
                   for m in it.find(f"{Q}presentation").iterchildren(f"{Q}material")
                   for m in m.iter(f"{Q}mattext")]
    for s in stems:
        assert any(x == s or x.startswith(s + "\n\n") for x in shown_stems), s
    plain = {m.text for doc in qti for m in doc.iter(f"{Q}mattext") if m.get("texttype") == "text/plain"}
    assert set(choices) <= plain
    assert page.find(f".//{X}h1").text == items[0].title
    assert not page.xpath(".//x:script|.//x:b", namespaces={"x": X[1:-1]})
    assert items[0].paragraphs[0].text in " ".join(page.itertext())


def test_qti_canvas(hostile_pack, tmp_path, schemas):
    pack, items = hostile_pack
    e = type(get_exporter("qti-canvas"))()
    e.schemas_dir = schemas
    r = e.export(pack, tmp_path / "c.zip")
    assert validate_qti_canvas(r.path, schemas=schemas).ok
    quiz, stems, choices = _quiz_texts(items)
    with zipfile.ZipFile(r.path) as zf:
        qti = [etree.fromstring(zf.read(n)) for n in zf.namelist() if n.endswith(".xml")
               and "assessment_meta" not in n and n != "imsmanifest.xml"]
    got = [shown(it.find(f"{Q}presentation/{Q}material/{Q}mattext").text) for d in qti for it in d.iter(f"{Q}item")]
    assert stems == got[-len(stems):]
    plain = {m.text for d in qti for m in d.iter(f"{Q}mattext") if m.get("texttype") == "text/plain"}
    assert set(choices) <= plain
    match = quiz.items[4]
    assert {a for _, a in match.pairs} <= plain and {p for p, _ in match.pairs} <= plain


def test_moodle_xml(hostile_pack, tmp_path):
    pack, items = hostile_pack
    root = etree.parse(str(get_exporter("moodle-xml").export(pack, tmp_path / "m.xml").path)).getroot()
    quiz, stems, choices = _quiz_texts(items)
    qs = [q for q in root.iter("question") if q.get("type") != "category"][-len(stems):]
    assert [shown(q.findtext("questiontext/text")) for q in qs] == stems
    mc = [html.unescape(a.findtext("text")) for q in qs if q.get("type") == "multichoice" for a in q.findall("answer")]
    assert mc == choices
    cats = [q.findtext("category/text") for q in root.iter("question") if q.get("type") == "category"]
    assert cats[-1].endswith("/" + quiz.title.replace("/", "//"))
    sa = [a.findtext("text") for a in qs[5].findall("answer")]
    assert [a.replace("\\*", "*") for a in sa] == quiz.items[5].answers
    match = qs[4]
    assert [(shown(s.findtext("text")), s.findtext("answer/text")) for s in match.findall("subquestion")] == \
        list(quiz.items[4].pairs)
    assert shown(qs[0].find("answer/feedback/text").text) == quiz.items[0].choices[0].feedback


def test_gift(hostile_pack, tmp_path):
    pack, items = hostile_pack
    text = get_exporter("gift").export(pack, tmp_path / "g.txt").path.read_text("utf-8")
    qs = parse_gift(text)
    quiz, stems, choices = _quiz_texts(items)
    body = [q for q in qs if q["type"] != "category"][-len(stems):]
    assert [shown(q["text"]) for q in body] == stems
    assert [q["type"] for q in body] == ["multichoice", "multichoice", "truefalse", "truefalse", "match",
                                         "shortanswer", "shortanswer", "match", "essay"]
    mc = [html.unescape(a["text"]) for q in body if q["type"] == "multichoice" for a in q["answers"]]
    assert mc == choices
    assert [a["fraction"] for a in body[0]["answers"]] == [100, 0, 0, 0]      # "%50%..." not read as a weight
    assert html.unescape(body[0]["answers"][0]["feedback"]) == quiz.items[0].choices[0].feedback
    assert [(html.unescape(a), b) for a, b in body[4]["subquestions"]] == list(quiz.items[4].pairs)
    assert [a["text"].replace("\\*", "*") for a in body[5]["answers"]] == quiz.items[5].answers
    assert html.unescape(body[2]["generalfeedback"]) == quiz.items[2].feedback
    expected = quiz.title.replace("/", "//").replace("\\", CATEGORY_BACKSLASH)   # documented substitution
    assert [q["category"] for q in qs if q["type"] == "category"][-1].endswith("/" + expected)


def test_html_site(hostile_pack, tmp_path):
    pack, items = hostile_pack
    site = get_exporter("html").export(pack, tmp_path / "site").path
    quiz = items[1]
    for p in site.rglob("*.html"):
        doc = etree.parse(str(p)).getroot()
        assert not doc.xpath(".//x:script|.//x:b", namespaces={"x": X[1:-1]}), p
    lesson = etree.parse(str(next(site.glob("lessons/*.html")))).getroot()
    assert lesson.find(f".//{X}h1").text == items[0].title
    page = etree.parse(str(next(site.glob("quizzes/*.html")))).getroot()
    texts = {"".join(e.itertext()) for e in page.iter(f"{X}p", f"{X}li", f"{X}td")}
    for it in quiz.items[:1]:
        assert it.stem in texts and all(c.text in texts for c in it.choices)
    index = etree.parse(str(site / "index.html")).getroot()
    assert quiz.title in [a.text for a in index.iter(f"{X}a")]


def test_markdown(hostile_pack, tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    pack, items = hostile_pack
    out = get_exporter("markdown").export(pack, tmp_path / "md").path
    md = markdown_it.MarkdownIt("commonmark")
    lesson = lxml.html.fragment_fromstring(md.render(next(out.glob("lessons/*.md")).read_text("utf-8")),
                                           create_parent="div")
    assert lesson.find("h1").text_content() == items[0].title
    paras = [p.text_content() for p in lesson.iter("p")]
    assert items[0].paragraphs[0].text in paras
    assert not lesson.xpath(".//script|.//b|.//em|.//code|.//table")
    quiz = lxml.html.fragment_fromstring(md.render(next(out.glob("quizzes/*.md")).read_text("utf-8")),
                                         create_parent="div")
    shown_text = [e.text_content() for e in quiz.iter("p", "li")]
    assert items[1].items[0].stem in shown_text
    assert all(c.text in shown_text for c in items[1].items[0].choices)


@pytest.mark.parametrize("fmt,parse_as", [("turtle", "turtle"), ("jsonld", "json-ld")])
def test_rdf(hostile_pack, tmp_path, fmt, parse_as):
    pack, items = hostile_pack
    path = get_exporter(fmt).export(pack, tmp_path / f"x.{fmt}").path
    if fmt == "jsonld":
        json.loads(path.read_text("utf-8"))
    g = Graph().parse(path, format=parse_as)
    labels = {str(o) for o in g.objects(None, RDFS.label) if isinstance(o, Literal)}
    assert items[0].title in labels and items[1].title in labels
    texts = {str(o) for o in g.objects(None, SDO.text)}
    assert items[0].paragraphs[0].text in texts
    assert {it.stem for it in items[1].items} <= texts
