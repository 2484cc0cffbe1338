"""A code listing (a fenced block, contract 1 of the importers) reads back unchanged out of
every exporter: as a ``<pre><code>`` block in the HTML-bearing formats (Common Cartridge,
Canvas QTI, Moodle XML, GIFT, the site), as a fenced block in Markdown, and as the literal
text in the RDF formats. Its ``< & { } = ~ # :`` and its indentation survive each."""
from __future__ import annotations

import zipfile

import lxml.html
import pytest
from lxml import etree
from rdflib import Graph, Literal

from generation.export import get_exporter
from generation.export.gift import parse_gift
from generation.export.pack import collect_pack
from generation.export.validate import QTI_NS, find_schemas

from .conftest import sample_items, save_all

LISTING = ("total = 0\n"
           "for n in range(1, 4):\n"
           "    if n < 3 and n != 2:  # odd {n}: ~keep\n"
           "        total += n\n"
           "print(f\"{total} & <done>\")")
FENCED = f"```python\n{LISTING}\n```"
Q = f"{{{QTI_NS}}}"


def code_blocks(fragment: str) -> list[str]:
    """The text of every <pre><code> of an HTML fragment or page."""
    root = lxml.html.fromstring(f"<div>{fragment}</div>") if not fragment.lstrip().startswith("<?xml") \
        else lxml.html.fromstring(fragment.encode())
    return [c.text_content() for c in root.iter("code") if c.getparent() is not None
            and c.getparent().tag == "pre"]


@pytest.fixture
def code_pack(demo_store):
    items = sample_items()
    lesson, quiz = items[0], items[1]
    lesson.paragraphs[1].text = f"Run this program and watch the total:\n\n{FENCED}\n\nIt prints 1 & done."
    quiz.items[0].stem = f"What does this program print?\n\n{FENCED}"
    save_all(demo_store, items)
    return collect_pack(demo_store)


@pytest.fixture
def schemas(shared_dir):
    return str(find_schemas(shared_dir / "schemas" / "common-cartridge"))


def test_common_cartridge(code_pack, tmp_path, schemas):
    e = type(get_exporter("imscc"))()
    e.schemas_dir = schemas
    path = e.export(code_pack, tmp_path / "p.imscc").path
    with zipfile.ZipFile(path) as zf:
        page = [zf.read(n).decode() for n in zf.namelist() if n.startswith("lessons/") and n.endswith(".html")][0]
        stems = [m.text for n in zf.namelist() if n.endswith("assessment.xml")
                 for m in etree.fromstring(zf.read(n)).iter(f"{Q}mattext") if m.text]
    assert LISTING in code_blocks(page)
    assert any(LISTING in code_blocks(s) for s in stems)


def test_canvas_qti(code_pack, tmp_path, schemas):
    e = type(get_exporter("qti-canvas"))()
    e.schemas_dir = schemas
    path = e.export(code_pack, tmp_path / "c.zip").path
    with zipfile.ZipFile(path) as zf:
        stems = [m.text for n in zf.namelist() if n.endswith(".xml") and n != "imsmanifest.xml"
                 for m in etree.fromstring(zf.read(n)).iter(f"{Q}mattext") if m.text]
    assert any(LISTING in code_blocks(s) for s in stems)


def test_moodle_xml(code_pack, tmp_path):
    root = etree.parse(str(get_exporter("moodle-xml").export(code_pack, tmp_path / "m.xml").path)).getroot()
    stems = [q.findtext("questiontext/text") for q in root.iter("question") if q.get("type") != "category"]
    assert any(LISTING in code_blocks(s) for s in stems)


def test_gift(code_pack, tmp_path):
    text = get_exporter("gift").export(code_pack, tmp_path / "g.txt").path.read_text("utf-8")
    qs = [q for q in parse_gift(text) if q["type"] != "category"]
    assert any(LISTING in code_blocks(q["text"]) for q in qs)


def test_html_site(code_pack, tmp_path):
    site = get_exporter("html").export(code_pack, tmp_path / "site").path
    lesson = next(site.glob("lessons/*.html")).read_text("utf-8")
    quiz = "".join(p.read_text("utf-8") for p in site.glob("quizzes/*.html"))
    assert LISTING in code_blocks(lesson)
    assert LISTING in code_blocks(quiz)


def test_markdown(code_pack, tmp_path):
    out = get_exporter("markdown").export(code_pack, tmp_path / "md").path
    lesson = next(out.glob("lessons/*.md")).read_text("utf-8")
    assert f"```python\n{LISTING}\n```" in lesson
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(lesson)
    assert LISTING + "\n" in code_blocks(html)      # CommonMark ends a code block with its newline


@pytest.mark.parametrize("fmt,parse_as", [("turtle", "turtle"), ("jsonld", "json-ld")])
def test_rdf(code_pack, tmp_path, fmt, parse_as):
    path = get_exporter(fmt).export(code_pack, tmp_path / f"x.{fmt}").path
    g = Graph().parse(path, format=parse_as)
    assert any(FENCED in str(o) for o in g.objects() if isinstance(o, Literal))
