"""Diagrams: DOT, Mermaid, SVG and text alternative; hostile labels stay text."""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from generation.content.builder import Builder
from generation.content.diagrams import (concept_map, course_structure, dot_string, learning_path_diagram,
                                         mermaid_string, prerequisite_dag)
from generation.content.path import learning_path

from .conftest import C, DEMO, HOSTILE

SVG_NS = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]


def _mermaid_labels(src: str) -> list[str]:
    return re.findall(r'\["(.*?)"\]', src)


def _unmermaid(label: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label.replace("#quot;", '"').replace(
        "#amp;", "&").replace("#lt;", "<").replace("#gt;", ">"))


def test_escaping_functions():
    assert dot_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    m = mermaid_string('<script>alert("x")</script> | [a] #1')
    assert not set('<>"|[]') & set(m[1:-1])
    assert _unmermaid(m[1:-1]) == '<script>alert("x")</script> | [a] #1'


@needs_dot
def test_hostile_labels_in_every_format(tiny_store):
    b = Builder(tiny_store(HOSTILE), similarity_kind="lexical")
    d = prerequisite_dag(b, "urn:t:e")
    labels = [x["label"] for x in HOSTILE.values()]
    # DOT: Graphviz parses it (the SVG exists) and shows each label unchanged
    texts = _svg_texts(d.svg)
    for lab in labels:
        assert lab in texts, (lab, texts)
    assert "<script>" not in d.svg
    # Mermaid: labels quoted, no raw markup, and decode back to the text
    src_labels = _mermaid_labels(d.mermaid)
    assert sorted(_unmermaid(x) for x in src_labels) == sorted(labels)
    for x in src_labels:
        assert not set('<>"|[]{}') & set(x)
    # text alternative: plain text naming every concept in teaching order
    lines = d.text_alternative.splitlines()
    assert [ln.split(". ", 1)[1].split(" (")[0] for ln in lines[1:]] == [HOSTILE[k]["label"] for k in "xqre"]


@needs_dot
def test_demo_diagrams(builder):
    cm = concept_map(builder, C("while-loop"))
    assert {n for n, _ in cm.nodes} == {C("while-loop"), C("loop"), C("assignment"), C("infinite-loop"),
                                        C("for-loop")}
    assert (C("loop"), "requires", C("while-loop")) in cm.edges
    assert (C("for-loop"), "relatedTo", C("while-loop")) in cm.edges
    assert "While loop builds on: Assignment, Loop." in cm.text_alternative
    assert ET.fromstring(cm.svg).tag == SVG_NS + "svg"
    dag = prerequisite_dag(builder, C("loop"))
    assert len(dag.nodes) == len(builder.view.ancestors(C("loop"))) + 1
    cs = course_structure(builder, DEMO + "curriculum/foundations-of-programming")
    assert cs.text_alternative.count("Part ") == 8 and cs.text_alternative.count("  - ") == 26
    path = learning_path(builder.view, [C("value")], C("assignment"))
    lp = learning_path_diagram(builder, path)
    assert [lab.split("\n")[0] for _, lab in lp.nodes] == ["1. Operator", "2. Expression", "3. Variable",
                                                            "4. Assignment"]
    assert lp.nodes[0][1] == "1. Operator\nneeded by expression"
    assert '"1. Operator — needed by expression"' in lp.mermaid
    assert '"1. Operator\\nneeded by expression"' in lp.dot
    assert "4. Assignment: the target." in lp.text_alternative
    assert lp.iri != dag.iri and lp.diagram_kind == "learning_path"


@needs_dot
def test_diagram_html_inlines_the_svg_and_escapes_the_rest(tiny_store):
    from generation.content.render import render
    b = Builder(tiny_store(HOSTILE), similarity_kind="lexical")
    d = concept_map(b, "urn:t:q")
    html = render(d, "html")
    assert html.startswith("<figure><svg") and "<?xml" not in html and "<!DOCTYPE" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = render(d, "markdown")
    assert "```mermaid\nflowchart" in md and "<script>" not in md
