"""The suggestions graph stores each suggestion's calibrated probability, band and evidence
lines (kgs:probability, kgs:band, kgs:evidenceLine), and kg.decisions.list_suggestions
reads them back; the evidence lines come from one function, kg.prereq_evidence."""
from __future__ import annotations

import pytest

from gnn.suggest import Suggestion, explain, write_suggestions
from kg.decisions import list_suggestions
from kg.prereq_evidence import evidence_lines
from ontology.namespaces import KGS, SUGGESTIONS_GRAPH

C = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/"


@pytest.fixture(scope="module")
def store():
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    s = EmbeddedStore(None)
    import_sources(s, [demo_curriculum_path()], validate=False)
    yield s
    s.close()


def test_evidence_lines_name_where_each_is_defined(store):
    lines = evidence_lines(store, C + "program", C + "algorithm", a_label="Program", b_label="Algorithm",
                           path_labels=["Program", "-[requires]->", "Algorithm"])
    assert lines[0].startswith("Program is defined in ") and "\u201c" in lines[0]
    assert lines[1].startswith("Algorithm is defined in ")
    assert lines[-1] == "known path: Program -[requires]-> Algorithm"
    # gnn.suggest.explain is the same function, fed from a Suggestion
    s = Suggestion(C + "program", C + "algorithm", 0.5, "concept", 1, a_label="Program", b_label="Algorithm")
    assert explain(store, s, ["Program", "-[requires]->", "Algorithm"]) == lines
    # labels default to the IRI's last segment; no path, no path line
    bare = evidence_lines(store, C + "program", C + "algorithm")
    assert bare[0].startswith("program is defined in ") and not bare[-1].startswith("known path")


def test_band_probability_and_evidence_round_trip(store):
    ev = ("Loop is defined in 1.2 Loops: \u201cA loop repeats <b>code</b>.\u201d",
          "known path: Loop -[requires]-> Variable")
    out = [Suggestion(C + "loop", C + "variable", 0.82, "concept", 1, a_label="Loop", b_label="Variable",
                      raw_score=0.97, band="likely", evidence=ev),
           Suggestion(C + "program", C + "value", 0.41, "concept", 2, raw_score=0.41)]
    info = write_suggestions(store, out, checkpoint_sha256="ef" * 32, graph_hash="0" * 64)
    assert info["suggestions"] == 2
    rows = {(r.a, r.b): r for r in list_suggestions(store)}
    cal = rows[(C + "loop", C + "variable")]
    assert (cal.band, cal.score, cal.raw_score, cal.rank) == ("likely", pytest.approx(0.82), pytest.approx(0.97), 1)
    assert cal.evidence == ev                                   # in order, text as written
    plain = rows[(C + "program", C + "value")]
    assert (plain.band, plain.score, plain.raw_score, plain.evidence) == (None, pytest.approx(0.41),
                                                                          pytest.approx(0.41), ())
    # the graph holds the terms the ontology declares, not a label to parse
    g = str(SUGGESTIONS_GRAPH)
    got = store.select(f"""SELECT ?band ?p ?score WHERE {{ GRAPH <{g}> {{ ?s <{KGS.band}> ?band ;
        <{KGS.probability}> ?p ; <{KGS.score}> ?score }} }}""")
    assert [(str(r["band"].value), float(r["p"].value), float(r["score"].value)) for r in got] == [("likely", 0.82, 0.97)]
    # a later run replaces the lines of the earlier one
    again = Suggestion(C + "loop", C + "variable", 0.5, "concept", 1, raw_score=0.6, band="possible", evidence=ev[1:])
    write_suggestions(store, [again], checkpoint_sha256="aa" * 32, graph_hash="0" * 64)
    (row,) = list_suggestions(store)
    assert (row.band, row.evidence) == ("possible", ev[1:])
    n_lines = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?e <{KGS.text}> ?t }} }}")
    assert int(n_lines[0]["n"].value) == 1


def test_cli_lists_what_the_graph_stores(tmp_path):
    """`kgstudio suggestions` prints the stored band, probability, evidence lines and decision."""
    from click.testing import CliRunner

    from kg.decisions import ACCEPTED, record_decision
    from kg.workspace import Workspace
    from studio.cli import cli
    ws = Workspace.init(tmp_path / "ws")
    r = CliRunner().invoke(cli, ["suggestions", "-w", str(ws.root)])
    assert r.exit_code == 0 and "No suggestions stored" in r.output
    I = "https://w3id.org/kgstudio/id/t/concept/"
    out = [Suggestion(I + "loop", I + "variable", 0.82, "concept", 1, raw_score=0.97, band="likely",
                      evidence=("loop is defined in 1.2: \u201cA loop repeats.\u201d",)),
           Suggestion(I + "array", I + "index", 0.45, "concept", 2, raw_score=0.6, band="possible")]
    with ws.open_store() as store:
        write_suggestions(store, out, checkpoint_sha256="ab" * 32, graph_hash="0" * 64)
        record_decision(store, I + "loop", I + "variable", ACCEPTED, "Ana")
    r = CliRunner().invoke(cli, ["suggestions", "-w", str(ws.root)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["1", "0.820", "likely", "loop", "requires", "variable", "[accepted", "by", "Ana]"]
    assert lines[1] == "        - loop is defined in 1.2: \u201cA loop repeats.\u201d"
    assert lines[2].split()[:3] == ["2", "0.450", "possible"]
    assert lines[3] == "        - no evidence found in the text or the accepted prerequisites"
