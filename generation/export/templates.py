"""Pages of the HTML exports (cartridge lessons, the static site) and Markdown, with jinja2.

HTML templates run with autoescaping on, so every text from a user or a source is escaped;
the pages are XHTML (well-formed XML, ``xmlns`` on ``<html>``), which the cartridge
validator parses and which every browser and LMS renders. Quiz answers sit in
``<details>``: revealed on click, no JavaScript.

Markdown has no autoescape: :func:`md_escape` (the project's one Markdown escaper,
:func:`generation.content.render.md_escape`) writes ``&``, ``<``, ``>`` as entities and
backslash-escapes Markdown's syntax characters, so no text can open raw HTML, an entity or
Markdown syntax, and it renders back to the text unchanged.

The templates are strings in this module (not files), so they need no package data.
"""
from __future__ import annotations


import jinja2
from markupsafe import Markup

from generation.content.render import blocks
from generation.content.render import md_escape as render_md_escape
from generation.export.qti import html_para, xml_text

def md_escape(text) -> str:
    """``text`` for Markdown (:func:`generation.content.render.md_escape`) after the
    characters XML cannot hold are dropped (:func:`xml_text`), line breaks kept.

    >>> md_escape("a *b* <i>")
    'a \\\\*b\\\\* &lt;i&gt;'
    """
    return render_md_escape(xml_text(text))


def md_blocks(text) -> str:
    r"""Block-level text for Markdown: prose escaped (:func:`md_escape`), hard line breaks
    kept, and code blocks (contract 1) as fenced blocks with their lines verbatim.

    >>> md_blocks("Run *it*:\n```python\nif a < b: pass\n```")
    'Run \\*it\\*:\n\n```python\nif a < b: pass\n```'
    """
    out = []
    for b in blocks(xml_text(text)):
        if b.code:
            out.append(f"{b.fence}{b.lang}\n{b.text}\n{b.fence}")
        else:
            out.append("  \n".join(md_escape(line) for line in b.text.split("\n")))
    return "\n\n".join(out)


def _paras(text) -> Markup:
    """Plain text as escaped ``<p>`` paragraphs (blank lines split them), code blocks as
    ``<pre><code>`` (:func:`generation.export.qti.html_para`)."""
    return Markup(html_para(text))


def _tf(answer) -> str:
    return "True" if str(answer).strip().lower() in ("true", "t", "1", "yes") else "False"


_BASE = """<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="{{ lang }}" xml:lang="{{ lang }}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{ title }}</title>
{%- if css %}
<link rel="stylesheet" href="{{ css }}"/>
{%- endif %}
</head>
<body>
{%- if nav %}
<nav><a href="{{ nav }}">Contents</a></nav>
{%- endif %}
<main>
{% block main %}{% endblock %}
</main>
</body>
</html>
"""

_QUESTION = """{% macro question(it, n) -%}
<section class="question" id="q{{ n }}">
<h3>Question {{ n }} <small>({{ it.type }}{% if it.bloom %}, Bloom: {{ it.bloom }}{% endif %})</small></h3>
{{ it.stem | paras }}
{%- if it.type in ("multichoice", "multiresponse") %}
<ol type="A">
{%- for c in it.choices %}
<li>{{ c.text }}</li>
{%- endfor %}
</ol>
{%- elif it.type == "truefalse" %}
<ol type="A"><li>True</li><li>False</li></ol>
{%- elif it.type == "matching" %}
<table><tbody>
{%- for t, d in it.pairs %}
<tr><td>{{ t }}</td><td>…</td></tr>
{%- endfor %}
</tbody></table>
<p>Options:</p>
<ul>
{%- for d in it.pairs | map(attribute=1) | unique | sort %}
<li>{{ d }}</li>
{%- endfor %}
</ul>
{%- elif it.type == "ordering" %}
<p>Put in order:</p>
<ul>
{%- for x in it.order | sort %}
<li>{{ x }}</li>
{%- endfor %}
</ul>
{%- endif %}
<details>
<summary>Show answer</summary>
<div class="answer">
{%- if it.type in ("multichoice", "multiresponse") %}
<ul>
{%- for c in it.choices %}
<li class="{{ 'correct' if c.correct else 'wrong' }}">{{ 'Correct' if c.correct else 'Wrong' }}: {{ c.text }}{% if c.feedback %} — {{ c.feedback }}{% endif %}</li>
{%- endfor %}
</ul>
{%- elif it.type == "truefalse" %}
<p>{{ it.answer | tf }}</p>
{%- elif it.type == "matching" %}
<ul>
{%- for t, d in it.pairs %}
<li>{{ t }} → {{ d }}</li>
{%- endfor %}
</ul>
{%- elif it.type == "ordering" %}
<ol>
{%- for x in it.order %}
<li>{{ x }}</li>
{%- endfor %}
</ol>
{%- elif it.type in ("shortanswer", "cloze") %}
<p>{{ (it.answers or [it.answer]) | join(" / ") }}</p>
{%- else %}
{{ it.answer | paras }}
{%- endif %}
{%- if it.feedback %}
<div class="feedback">{{ it.feedback | paras }}</div>
{%- endif %}
</div>
</details>
</section>
{%- endmacro %}
"""

_LESSON = _QUESTION + """{% extends "base" %}
{% block main %}
<article class="lesson">
<h1>{{ lesson.title }}</h1>
{%- if lesson.objectives %}
<section class="objectives">
<h2>Learning objectives</h2>
<ul>
{%- for o in lesson.objectives %}
<li>{{ o.text }} <small>(Bloom: {{ o.bloom }})</small></li>
{%- endfor %}
</ul>
</section>
{%- endif %}
{%- if lesson.prerequisites %}
<section class="prerequisites">
<h2>Before you start</h2>
<ol>
{%- for s in lesson.prerequisites %}
<li><strong>{{ s.label }}</strong>{% if s.reason %}: {{ s.reason }}{% endif %}{% if s.known %} (known){% endif %}</li>
{%- endfor %}
</ol>
</section>
{%- endif %}
<section class="explanation">
{%- for p in lesson.paragraphs %}
<div class="paragraph {{ p.kind }}" data-generator="{{ p.generator }}">{{ p.text | paras }}</div>
{%- endfor %}
</section>
{%- for d in diagrams %}
<figure class="diagram">
{%- if d.svg_href %}
<img src="{{ d.svg_href }}" alt="{{ d.diagram.title }}"/>
{%- endif %}
<figcaption>{{ d.diagram.title }}</figcaption>
<details><summary>Text description</summary>{{ d.diagram.text_alternative | paras }}</details>
</figure>
{%- endfor %}
{%- if lesson.worked_example %}
<section class="example">
<h2>Worked example</h2>
{{ lesson.worked_example.text | paras }}
</section>
{%- endif %}
{%- if lesson.summary %}
<section class="summary">
<h2>Summary</h2>
{{ lesson.summary.text | paras }}
</section>
{%- endif %}
{%- if lesson.check_questions %}
<section class="check">
<h2>Check your understanding</h2>
{%- for it in lesson.check_questions %}
{{ question(it, loop.index) }}
{%- endfor %}
</section>
{%- endif %}
<footer class="provenance">
<p>{{ lesson.iri }} · version {{ lesson.meta.version }} · {{ lesson.meta.state.value if lesson.meta.state.value is defined else lesson.meta.state }} · written by {{ lesson.meta.generator or "kgstudio" }}{% if lesson.meta.checkpoint %} ({{ lesson.meta.checkpoint }}){% endif %}</p>
</footer>
</article>
{% endblock %}
"""

_QUIZ = _QUESTION + """{% extends "base" %}
{% block main %}
<article class="quiz">
<h1>{{ quiz.title }}</h1>
{%- for it in quiz.items %}
{{ question(it, loop.index) }}
{%- endfor %}
</article>
{% endblock %}
"""

_DIAGRAM = """{% extends "base" %}
{% block main %}
<article class="diagram">
<h1>{{ diagram.title }}</h1>
<figure>
{%- if svg_href %}
<img src="{{ svg_href }}" alt="{{ diagram.title }}"/>
{%- endif %}
<figcaption>{{ diagram.text_alternative | paras }}</figcaption>
</figure>
{%- if diagram.mermaid %}
<details><summary>Mermaid source</summary><pre>{{ diagram.mermaid }}</pre></details>
{%- endif %}
{%- if diagram.dot %}
<details><summary>DOT source</summary><pre>{{ diagram.dot }}</pre></details>
{%- endif %}
</article>
{% endblock %}
"""

_PATH = """{% extends "base" %}
{% block main %}
<article class="path">
<h1>{{ path.title or "Learning path" }}</h1>
<ol>
{%- for s in path.steps %}
<li><strong>{{ s.label }}</strong>{% if s.reason %}: {{ s.reason }}{% endif %}</li>
{%- endfor %}
</ol>
</article>
{% endblock %}
"""

_INDEX = """{% extends "base" %}
{% block main %}
<h1>{{ pack.title }}</h1>
{%- macro tree(node) %}
<li>{{ node.title }}
{%- set entries = links.get(node.key, []) %}
{%- if entries or node.children %}
<ul>
{%- for kind, title, href in entries %}
<li class="{{ kind }}"><a href="{{ href }}">{{ title }}</a> <small>({{ kind }})</small></li>
{%- endfor %}
{%- for c in node.children %}{{ tree(c) }}{% endfor %}
</ul>
{%- endif %}
</li>
{%- endmacro %}
<ul class="toc">{{ tree(pack.root) }}</ul>
{% endblock %}
"""

_MD_LESSON = """# {{ lesson.title | md }}
{% if lesson.objectives %}
## Learning objectives
{% for o in lesson.objectives %}
- {{ o.text | md }} (Bloom: {{ o.bloom | md }})
{%- endfor %}
{% endif %}
{%- if lesson.prerequisites %}
## Before you start
{% for s in lesson.prerequisites %}
{{ loop.index }}. **{{ s.label | md }}**{% if s.reason %}: {{ s.reason | md }}{% endif %}
{%- endfor %}
{% endif %}
{% for p in lesson.paragraphs %}
{{ p.text | mdblocks }}
{% endfor %}
{%- for d in diagrams %}
{% if d.svg_href %}![{{ d.diagram.title | md }}]({{ d.svg_href }})
{% endif %}
Figure: {{ d.diagram.title | md }}. {{ d.diagram.text_alternative | md }}
{% endfor %}
{%- if lesson.worked_example %}
## Worked example

{{ lesson.worked_example.text | mdblocks }}
{% endif %}
{%- if lesson.summary %}
## Summary

{{ lesson.summary.text | mdblocks }}
{% endif %}
{%- if lesson.check_questions %}
## Check your understanding
{% for it in lesson.check_questions %}
{{ mdq(it, loop.index) }}
{%- endfor %}
{% endif %}
"""

_MD_QUESTION = """{% macro mdq(it, n) -%}
### Question {{ n }}

{{ it.stem | mdblocks }}
{% if it.type in ("multichoice", "multiresponse") %}
{% for c in it.choices %}
- {{ c.text | md }}
{%- endfor %}
{% elif it.type == "matching" %}
{% for t, d in it.pairs %}
- {{ t | md }}
{%- endfor %}
{% elif it.type == "ordering" %}
{% for x in it.order | sort %}
- {{ x | md }}
{%- endfor %}
{% endif %}
<details><summary>Show answer</summary>

{% if it.type in ("multichoice", "multiresponse") -%}
{% for c in it.choices if c.correct %}
- {{ c.text | md }}
{%- endfor %}
{%- elif it.type == "truefalse" -%}
{{ it.answer | tf }}
{%- elif it.type == "matching" -%}
{% for t, d in it.pairs %}
- {{ t | md }} → {{ d | md }}
{%- endfor %}
{%- elif it.type == "ordering" -%}
{% for x in it.order %}
{{ loop.index }}. {{ x | md }}
{%- endfor %}
{%- elif it.type in ("shortanswer", "cloze") -%}
{{ (it.answers or [it.answer]) | map("md") | join(" / ") }}
{%- else -%}
{{ it.answer | mdblocks }}
{%- endif %}
{% if it.feedback %}
{{ it.feedback | mdblocks }}
{% endif %}
</details>
{%- endmacro %}
"""

_MD_QUIZ = """# {{ quiz.title | md }}
{% for it in quiz.items %}
{{ mdq(it, loop.index) }}
{% endfor %}
"""


def _env(autoescape: bool, templates: dict[str, str]) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=autoescape,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["paras"] = _paras
    env.filters["tf"] = _tf
    env.filters["md"] = md_escape
    env.filters["mdblocks"] = md_blocks
    return env


_HTML = _env(True, {"base": _BASE, "lesson": _LESSON, "quiz": _QUIZ, "diagram": _DIAGRAM,
                    "path": _PATH, "index": _INDEX})
_MD = _env(False, {"lesson": _MD_QUESTION + _MD_LESSON, "quiz": _MD_QUESTION + _MD_QUIZ})


def _lang(item) -> str:
    return getattr(item, "language", "") or "en"


def lesson_html(lesson, *, diagrams: list[dict] = (), css: str = "", nav: str = "") -> str:
    """A lesson as an XHTML page; ``diagrams``: ``{"diagram": Diagram, "svg_href": str}``."""
    return _HTML.get_template("lesson").render(lesson=lesson, diagrams=list(diagrams), css=css, nav=nav,
                                               title=lesson.title, lang=_lang(lesson))


def quiz_html(quiz, *, css: str = "", nav: str = "") -> str:
    return _HTML.get_template("quiz").render(quiz=quiz, css=css, nav=nav, title=quiz.title, lang=_lang(quiz))


def diagram_html(diagram, *, svg_href: str = "", css: str = "", nav: str = "", lang: str = "en") -> str:
    return _HTML.get_template("diagram").render(diagram=diagram, svg_href=svg_href, css=css, nav=nav,
                                                title=diagram.title, lang=lang)


def path_html(path, *, css: str = "", nav: str = "", lang: str = "en") -> str:
    return _HTML.get_template("path").render(path=path, css=css, nav=nav, title=path.title or "Learning path",
                                             lang=lang)


def index_html(pack, links: dict[str, list[tuple[str, str, str]]], *, css: str = "") -> str:
    """The table of contents; ``links``: node key -> [(kind, title, href)]."""
    return _HTML.get_template("index").render(pack=pack, links=links, css=css, nav="", title=pack.title,
                                              lang=pack.language or "en")


def lesson_markdown(lesson, *, diagrams: list[dict] = ()) -> str:
    return _MD.get_template("lesson").render(lesson=lesson, diagrams=list(diagrams))


def quiz_markdown(quiz) -> str:
    return _MD.get_template("quiz").render(quiz=quiz)


#: a small stylesheet for the static site (no scripts anywhere)
SITE_CSS = """body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
details{margin:.5rem 0;padding:.25rem .5rem;border-left:3px solid #888}
summary{cursor:pointer;font-weight:600}
li.correct{color:#064}
figure img{max-width:100%}
small{color:#555}
"""
