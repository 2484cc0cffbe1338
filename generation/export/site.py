"""A static HTML site and a Markdown folder of the pack.

HTML (``--format html``, a folder): ``index.html`` (the course structure with links),
``lessons/<slug>.html`` one page per lesson, ``quizzes/<slug>.html`` with every answer in
a ``<details>`` (revealed on click, no JavaScript), ``diagrams/<slug>.html`` + ``.svg``,
``paths/<slug>.html``, and ``style.css``. Everything is rendered by the autoescaping
templates of :mod:`generation.export.templates`; SVG is shown with ``<img>`` (a browser
runs no script inside an image).

Markdown (``--format markdown``, a folder): ``README.md`` (the structure) and one ``.md``
per lesson and quiz, answers in ``<details>``, diagrams as SVG images, all user text
escaped for Markdown (:func:`generation.export.templates.md_escape`).

Both folders are built under a temporary name and renamed into place when complete.
"""
from __future__ import annotations

from pathlib import Path

from generation.export import templates
from generation.export.base import Exporter, ExportResult, Progress, atomic_dir, register
from generation.export.pack import ident, slug
from generation.export.qti import xml_text


def _name(item) -> str:
    """A file-name stem unique per item: readable slug + short hash of the IRI."""
    s = slug(getattr(item, "title", "") or "") or getattr(item, "kind", "item")
    return f"{s}-{ident('', item.iri)[:8]}"


def _related(node, lesson) -> list:
    about = {lesson.scope, *getattr(lesson, "focus", [])}
    return [d for d in node.diagrams if d.scope in about]


class _Folder:
    def __init__(self, root: Path):
        self.root = root
        self.files: list[str] = []

    def write(self, rel: str, data: str) -> str:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8")
        self.files.append(rel)
        return rel


@register
class HtmlSiteExporter(Exporter):
    name = "html"
    suffix = ""
    is_directory = True
    description = "static HTML site: index, a page per lesson, quizzes with answers on click, diagrams"

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        result = ExportResult(self.name, Path(out))
        total, done = len(pack.all_items()), 0
        with atomic_dir(out) as tmp:
            f = _Folder(tmp)
            f.write("style.css", templates.SITE_CSS)
            links: dict[str, list[tuple[str, str, str]]] = {}
            svgs: dict[str, str] = {}
            for _, _, node in pack.nodes():
                for d in node.diagrams:
                    if d.svg:
                        svgs[d.iri] = f.write(f"diagrams/{_name(d)}.svg", xml_text(d.svg))
            for _, _, node in pack.nodes():
                entries = links.setdefault(node.key, [])
                for lesson in node.lessons:
                    figs = [{"diagram": d, "svg_href": "../" + svgs[d.iri] if d.iri in svgs else ""}
                            for d in _related(node, lesson)]
                    rel = f.write(f"lessons/{_name(lesson)}.html",
                                  templates.lesson_html(lesson, diagrams=figs, css="../style.css", nav="../index.html"))
                    entries.append(("lesson", lesson.title, rel))
                for d in node.diagrams:
                    href = "../" + svgs[d.iri] if d.iri in svgs else ""
                    rel = f.write(f"diagrams/{_name(d)}.html",
                                  templates.diagram_html(d, svg_href=href, css="../style.css",
                                                         nav="../index.html", lang=pack.language))
                    entries.append(("diagram", d.title, rel))
                for p in node.paths:
                    rel = f.write(f"paths/{_name(p)}.html",
                                  templates.path_html(p, css="../style.css", nav="../index.html", lang=pack.language))
                    entries.append(("learning path", p.title or "Learning path", rel))
                for q in node.quizzes:
                    rel = f.write(f"quizzes/{_name(q)}.html",
                                  templates.quiz_html(q, css="../style.css", nav="../index.html"))
                    entries.append(("quiz", q.title, rel))
                done += len(node.items())
                if progress and node.items():
                    progress("writing pages", done, total)
            f.write("index.html", templates.index_html(pack, links, css="style.css"))
        result.files = f.files
        result.counts.update(pack.counts())
        return result


@register
class MarkdownExporter(Exporter):
    name = "markdown"
    suffix = ""
    is_directory = True
    description = "Markdown folder: README.md with the structure, a file per lesson and quiz"

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        result = ExportResult(self.name, Path(out))
        md = templates.md_escape
        with atomic_dir(out) as tmp:
            f = _Folder(tmp)
            toc = [f"# {md(pack.title)}", ""]
            svgs: dict[str, str] = {}
            for _, _, node in pack.nodes():
                for d in node.diagrams:
                    if d.svg:
                        svgs[d.iri] = f.write(f"diagrams/{_name(d)}.svg", xml_text(d.svg))
            for depth, _, node in pack.nodes():
                toc.append(f"{'  ' * depth}- {md(node.title)}")
                pad = "  " * (depth + 1)
                for lesson in node.lessons:
                    figs = [{"diagram": d, "svg_href": "../" + svgs[d.iri] if d.iri in svgs else ""}
                            for d in _related(node, lesson)]
                    rel = f.write(f"lessons/{_name(lesson)}.md", templates.lesson_markdown(lesson, diagrams=figs))
                    toc.append(f"{pad}- [{md(lesson.title)}]({rel}) (lesson)")
                for d in node.diagrams:
                    if d.iri in svgs:
                        toc.append(f"{pad}- [{md(d.title)}]({svgs[d.iri]}) (diagram): {md(d.text_alternative)}")
                    else:
                        toc.append(f"{pad}- {md(d.title)} (diagram): {md(d.text_alternative)}")
                for p in node.paths:
                    steps = "; ".join(md(s.label) for s in p.steps)
                    toc.append(f"{pad}- {md(p.title or 'Learning path')} (path): {steps}")
                for q in node.quizzes:
                    rel = f.write(f"quizzes/{_name(q)}.md", templates.quiz_markdown(q))
                    toc.append(f"{pad}- [{md(q.title)}]({rel}) (quiz)")
            f.write("README.md", "\n".join(toc) + "\n")
        result.files = f.files
        result.counts.update(pack.counts())
        return result
