"""Static HTML site and Markdown: pages per lesson, answers in <details>, diagrams, links."""
from __future__ import annotations

import pytest
from lxml import etree

from generation.export import get_exporter

X = "{http://www.w3.org/1999/xhtml}"


def test_html_site(demo_pack, tmp_path):
    r = get_exporter("html").export(demo_pack, tmp_path / "site")
    site = r.path
    assert (site / "index.html").is_file() and (site / "style.css").is_file()
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len([p for p in pages if p.startswith("lessons/")]) == 1
    assert len([p for p in pages if p.startswith("quizzes/")]) == 2
    index = etree.parse(str(site / "index.html")).getroot()
    hrefs = [a.get("href") for a in index.iter(f"{X}a")]
    assert sorted(hrefs) == sorted(p for p in pages if p != "index.html")
    toc = " ".join(index.itertext())
    assert toc.index("Expressions and Variables") < toc.index("Repetition")
    for p in site.rglob("*.html"):
        doc = etree.parse(str(p)).getroot()             # XHTML: every page is well-formed XML
        assert doc.find(f".//{X}script") is None
        for img in doc.iter(f"{X}img"):
            assert (p.parent / img.get("src")).resolve().is_file()
    quiz = etree.parse(str(next(site.glob("quizzes/quiz-while-loops-*.html")))).getroot()
    details = list(quiz.iter(f"{X}details"))
    assert len(details) == 9
    assert "Correct: while loop" in " ".join(details[0].itertext())
    assert [li.text for li in details[7].iter(f"{X}li")] == ["Value", "Variable", "Boolean expression", "While loop"]


def test_markdown_folder(demo_pack, tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    r = get_exporter("markdown").export(demo_pack, tmp_path / "md")
    readme = (r.path / "README.md").read_text("utf-8")
    assert "- Foundations of Programming" in readme and "(lesson)" in readme
    lesson = next((r.path / "lessons").glob("*.md")).read_text("utf-8")
    html = markdown_it.MarkdownIt("commonmark").render(lesson)
    assert "<h1>While loops</h1>" in html
    assert "<h2>Worked example</h2>" in html
    assert "<details>" in html


def test_failed_site_export_leaves_the_old_site(demo_pack, tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old")
    from generation.export import templates

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(templates, "quiz_html", boom)
    with pytest.raises(RuntimeError):
        get_exporter("html").export(demo_pack, out)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert [p.name for p in out.iterdir()] == ["index.html"] and (out / "index.html").read_text() == "old"
    monkeypatch.undo()
    get_exporter("html").export(demo_pack, out)          # a good export replaces the old site whole
    assert (out / "style.css").is_file() and "old" not in (out / "index.html").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
