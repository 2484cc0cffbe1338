"""Knowledge extraction from the OpenStax books in ../shared (issue 11).

For each book (psychology, statistics, philosophy, calculus) the CNXML importer's graph is
counted (concepts, concepts with a definition, objectives, in-file exercises with keys,
embedded exercises, code blocks, math elements, examples, import time) beside counts made
independently of the importer by :func:`xpath_counts`: plain lxml XPath over the module
files the collection lists, no importer code. A gap between the two columns is an element
the importer lost (or, where the rules differ on purpose, the README says why).

    nice -n 10 .venv/bin/python benchmarks/extraction.py [--books psychology,calculus]

The last row is the inline-term fixture of the tests (no glossary, code, os-embed), for
the shape the four books lack. Writes ``results/extraction.json``: ``concepts_<book>``, ``objectives_<book>``,
``import_s_<book>`` (parsing: the importer alone), ``import_validate_write_s_<book>`` (SHACL
validation and the store write, with the evidence index when ``kg.evidence`` builds it), ``evidence_median_<book>`` (when ``kg.evidence`` exists),
``empty_items_total`` and the rest of the table.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NS = {"c": "http://cnx.rice.edu/cnxml", "col": "http://cnx.rice.edu/collxml",
      "md": "http://cnx.rice.edu/mdml", "m": "http://www.w3.org/1998/Math/MathML"}
INLINE_FIXTURE = ROOT / "tests" / "kg" / "fixtures" / "cnxml" / "inlinebook"
BOOKS = {
    "psychology": "openstax-psychology-2e",
    "statistics": "openstax-introductory-statistics-2e",
    "philosophy": "openstax-introduction-philosophy",
    "calculus": "openstax-calculus-volume-1",
}


def _cls(name: str) -> str:
    """XPath predicate: the element's class attribute has the token ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Everything below is counted with XPath 1.0 over each module file the collection lists.
XPATHS = {
    "glossary_definitions": "count(//c:glossary/c:definition)",
    "inline_terms": "count(/c:document/c:content//c:term)",
    "objectives": (f"count(/c:document/c:metadata/md:abstract//c:list/c:item"
                   f" | //c:note[{_cls('chapter-objectives')}]//c:list/c:item"
                   f" | //c:section[{_cls('learning-objectives')}]//c:list/c:item)"),
    "exercises": "count(/c:document/c:content//c:exercise)",
    "exercises_with_solution_not_worked": ("count(/c:document/c:content//c:exercise[c:solution]"
                                           "[not(ancestor::c:example)]"
                                           f"[not(.//c:link[{_cls('os-embed')}])])"),
    "embedded_exercises": f"count(//c:link[{_cls('os-embed')}][starts-with(@url, '#exercise/')])",
    "code_blocks": "count(/c:document/c:content//c:code[@display='block'] | /c:document/c:content//c:preformat)",
    "math": "count(//m:math)",
    "examples": "count(/c:document/c:content//c:example)",
    "theorems": f"count(/c:document/c:content//c:note[{_cls('theorem')}])",
    "checkpoints": f"count(/c:document/c:content//c:note[{_cls('checkpoint')}])",
}


def module_files(book: Path) -> list[Path]:
    """The module files the book's collection lists, in its order."""
    (collection,) = sorted((book / "collections").glob("*.collection.xml"))
    root = etree.parse(str(collection)).getroot()
    return [book / "modules" / d / "index.cnxml" for d in root.xpath("//col:module/@document", namespaces=NS)]


def xpath_counts(book: Path) -> dict[str, int]:
    """Independent counts of a book's elements (see ``XPATHS``), plus the number of
    distinct glossary terms and of distinct inline terms (case-folded, whitespace squashed)."""
    totals = dict.fromkeys(XPATHS, 0)
    glossary_terms: set[str] = set()
    inline_terms: set[str] = set()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for path in module_files(book):
        doc = etree.parse(str(path), parser)
        for key, xp in XPATHS.items():
            totals[key] += int(doc.xpath(xp, namespaces=NS))
        for t in doc.xpath("//c:glossary/c:definition/c:term", namespaces=NS):
            glossary_terms.add(" ".join("".join(t.itertext()).split()).casefold())
        for t in doc.xpath("/c:document/c:content//c:term[not(ancestor::c:exercise)]", namespaces=NS):
            inline_terms.add(" ".join("".join(t.itertext()).split()).casefold())
    totals["glossary_terms_casefolded"] = len(glossary_terms)
    totals["distinct_inline_terms"] = len(inline_terms)
    totals["distinct_inline_terms_singular"] = len({_singular(t) for t in inline_terms})
    return totals


def _singular(term: str) -> str:
    """``term`` with a plain plural last word made singular (inflect), hyphens as spaces."""
    import inflect
    words = term.replace("-", " ").split()
    if words and len(words[-1]) > 3 and words[-1].isalpha():
        words[-1] = inflect.engine().singular_noun(words[-1]) or words[-1]
    return " ".join(words)


_ID_ONLY = re.compile(r"#?[\w./:-]*\d[\w./:-]*")


def empty_items(graph) -> int:
    """Assessment items whose stem is empty or only an identifier."""
    from ontology.namespaces import KGS, RDF
    bad = 0
    for item in set(graph.subjects(RDF.type, KGS.AssessmentItem)):
        stem = " ".join(str(graph.value(item, KGS.stem) or "").split())
        if not stem or (" " not in stem and _ID_ONLY.fullmatch(stem) and
                        (stem == str(graph.value(item, KGS.sourceId)) or "exer" in stem or stem.startswith("#"))):
            bad += 1
    return bad


def importer_counts(book: Path) -> tuple[dict, object, float]:
    """The importer's figures for a book, counted from its graph where possible."""
    from kg.importers.cnxml import CnxmlImporter
    from ontology.namespaces import KGS, RDF
    t0 = time.perf_counter()
    res = CnxmlImporter().parse(book, max_bytes=200_000_000)
    seconds = time.perf_counter() - t0
    g, c = res.graph, res.counts
    items = set(g.subjects(RDF.type, KGS.AssessmentItem))
    concepts = set(g.subjects(RDF.type, KGS.Concept))
    out = {
        "concepts": len(concepts),
        "concepts_with_definition": sum(1 for x in concepts if g.value(x, KGS.definition) is not None),
        "objectives": c["objectives"],
        "items": len(items),
        "items_with_keys": sum(1 for i in items if g.value(i, KGS.correctAnswer) is not None
                               or g.value(i, KGS.solution) is not None),
        "embedded_exercises": len(set(g.subjects(RDF.type, KGS.ExternalItem))),
        "embedded_links": c["embedded_exercises"],
        "code_blocks": c["code_blocks"],
        "math": c["math"],
        "examples": c["examples"],
        "theorems": c["theorems"],
        "checkpoints": c["checkpoints"],
        "glossary_definitions": c["glossary_definitions"],
        "inline_terms": c["inline_terms"],
        "empty_items": empty_items(g),
        "triples": len(g),
    }
    return out, res, seconds


def store_import(res) -> tuple[object, float]:
    """The rest of an import after parsing (source metadata, SHACL validation, the write
    with the evidence index when ``kg.evidence`` hooks into it) into an in-memory store."""
    from kg.importing import _add_source_metadata, write_results
    from kg.store.embedded import EmbeddedStore
    from ontology.validation import validate
    store = EmbeddedStore(None)
    t0 = time.perf_counter()
    _add_source_metadata(res)
    report = validate(res.graph)
    if not report.conforms:
        raise SystemExit(f"{res.source}: SHACL: {report.text(limit=5)}")
    write_results(store, [res])
    return store, time.perf_counter() - t0


def evidence_median(store, res) -> float | None:
    """Median number of evidence sentences per concept (``kg.evidence``), None without it."""
    try:
        from kg import evidence as ev
    except ImportError:
        return None
    from ontology.namespaces import KGS, RDF
    sizes = [len(ev.evidence(store, str(c))) for c in sorted(set(res.graph.subjects(RDF.type, KGS.Concept)))]
    return float(statistics.median(sizes)) if sizes else 0.0


def warm_up() -> None:
    """Load what the first import would otherwise pay for (inflect, the label matcher)."""
    from kg.importers.cnxml import concept_matcher, term_key
    concept_matcher({"warm up": 1}).count("warm ups")
    term_key("statements")


def main(argv: list[str] | None = None) -> None:
    from benchmarks_common import SHARED, table, write_results  # type: ignore[import-not-found]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--books", default=",".join(BOOKS), help="comma-separated: " + ", ".join(BOOKS))
    args = ap.parse_args(argv)
    metrics: dict[str, float | int] = {}
    rows = []
    empty_total = 0
    warm_up()
    names = args.books.split(",") + ["inline_fixture"]   # the hand-written inline-term book of the tests
    for name in names:
        book = INLINE_FIXTURE if name == "inline_fixture" else SHARED / "data" / "curricula" / BOOKS[name]
        ours, res, seconds = importer_counts(book)
        ref = xpath_counts(book)
        store, rest = store_import(res)
        med = evidence_median(store, res)
        empty_total += ours["empty_items"]
        metrics.update({f"concepts_{name}": ours["concepts"], f"objectives_{name}": ours["objectives"],
                        f"import_s_{name}": round(seconds, 2),
                        f"import_validate_write_s_{name}": round(rest, 2)})
        if med is not None:
            metrics[f"evidence_median_{name}"] = med
        for key, value in ours.items():
            metrics[f"{key}_{name}"] = value
        for key, value in ref.items():
            metrics[f"xpath_{key}_{name}"] = value
        rows.append([name, f"{ours['concepts']} ({ref['glossary_terms_casefolded'] or ref['distinct_inline_terms_singular']})",
                     ours["concepts_with_definition"], f"{ours['objectives']} ({ref['objectives']})",
                     f"{ours['items_with_keys']} ({ref['exercises_with_solution_not_worked']})",
                     f"{ours['embedded_exercises']} ({ref['embedded_exercises']})",
                     f"{ours['code_blocks']} ({ref['code_blocks']})", f"{ours['math']} ({ref['math']})",
                     f"{ours['examples']} ({ref['examples']})", "-" if med is None else med,
                     ours["empty_items"], f"{seconds:.2f} + {rest:.2f}"])
        print(f"{name}: {ours} | xpath {ref}", flush=True)
    metrics["empty_items_total"] = empty_total
    print(table(rows, ["book", "concepts (xpath terms)", "with definition", "objectives (xpath)",
                       "in-file items with keys (xpath exercises with solution)", "embedded (xpath)",
                       "code blocks (xpath)", "math (xpath)", "examples (xpath)", "evidence median",
                       "empty items", "import s (parse + validate/write)"]))
    print(write_results("extraction", metrics))


if __name__ == "__main__":
    import importlib.util
    spec = importlib.util.spec_from_file_location("benchmarks_common", Path(__file__).with_name("_common.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules["benchmarks_common"] = mod
    main()
