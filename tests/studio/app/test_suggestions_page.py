"""AppTest of the Prerequisite suggestions page: suggestions with evidence, decisions
written to the KG with who and when, a stale decision refused, retraining in the
background."""
from __future__ import annotations

from studio.app_jobs import get_job
from kg.decisions import decisions, list_suggestions


def _boxes(at):
    """The suggestions' expanders (not the retrain controls')."""
    return [e for e in at.main.expander if e.label != "Retrain the teacher with the decisions"]


def test_suggestions_with_evidence(app, store):
    at = app("app_pages/suggestions.py").run()
    assert not at.exception
    rows = list_suggestions(store)
    undecided = [r for r in rows if r.decision is None]
    assert _boxes(at)[0].label.startswith(undecided[0].a_label.replace("(", "\\("))
    assert "requires" in _boxes(at)[0].label
    assert any(" first (rank 1, " in m.value for m in at.markdown)


def test_accept_records_who_and_when_and_a_stale_decision_is_refused(app, store):
    first = app("app_pages/suggestions.py").run()
    second = app("app_pages/suggestions.py").run()
    target = [r for r in list_suggestions(store) if r.decision is None][0]
    first.text_input(key="sugg_comment_0").input("clearly needed").run()
    first.button(key="acc_0").click().run()
    assert not first.exception
    assert any("accepted" in s.value for s in first.success)
    d = decisions(store)[(target.a, target.b)]
    assert (d.status, d.who, d.version, d.comment) == ("accepted", "Tess Tester", 1, "clearly needed")
    assert d.when.endswith("Z")
    assert store.ask(f"ASK {{ GRAPH <https://w3id.org/kgstudio/graph/decisions> "
                     f"{{ <{target.a}> <https://w3id.org/kgstudio/ns#requires> <{target.b}> }} }}")
    # the second person still sees the old (undecided) version: their reject is refused
    second.button(key="rej_0").click().run()
    assert not second.exception
    assert any("already marked this suggestion accepted" in e.value for e in second.error)
    assert decisions(store)[(target.a, target.b)].status == "accepted"


def test_filter_shows_decided_ones(app, store):
    at = app("app_pages/suggestions.py").run()
    at.radio(key="sugg_filter").set_value("accepted").run()
    assert not at.exception
    assert _boxes(at) and all("accepted" in e.label for e in _boxes(at))


def test_retrain_runs_in_the_background(app, demo_ws, store):
    before = {r.iri for r in list_suggestions(store)}
    at = app("app_pages/suggestions.py").run()
    assert "retrain_epochs" not in [w.key for w in at.number_input]   # built when opened
    at.session_state["sugg_retrain_box"] = True
    at.run()
    at.number_input(key="retrain_epochs").set_value(2).run()
    at.button(key="sugg_retrain").click().run()
    assert not at.exception
    job = get_job(demo_ws.root, "retrain")
    assert job is not None
    job.wait(120)
    assert job.state == "done", job.error
    assert job.result["metrics"]["epochs"] == 2
    at.run()
    assert any("Retraining finished" in s.value for s in at.success)
    assert list_suggestions(store) and before  # suggestions rewritten by the new checkpoint
    # the accepted decision is now a training label, not a candidate
    accepted = [k for k, d in decisions(store).items() if d.status == "accepted"]
    assert not any((r.a, r.b) in accepted for r in list_suggestions(store))


def test_each_suggestion_shows_its_band_and_evidence(app, demo_ws, store):
    """Issue 14: the calibrated band a designer reads ("likely", "possible") on every
    suggestion's line, as stored with the suggestion (kgs:band, kgs:probability), and its
    stored evidence lines (kg.prereq_evidence.evidence_lines: where each concept is
    defined, the book's sentence that names the other) in the open one."""
    from gnn.calibration import Calibrator
    from kg.prereq_evidence import evidence_lines
    from studio.app_state import md_escape
    at = app("app_pages/suggestions.py").run()
    assert not at.exception
    rows = [r for r in list_suggestions(store) if r.decision is None]
    assert rows[0].band in ("likely", "possible", "unlikely")   # the demo teacher's scores are calibrated
    for e, r in zip(_boxes(at), rows):
        assert md_escape(f"· {r.band} ({r.score:.2f}) · undecided") in e.label, e.label
    assert any(f"(rank {rows[0].rank}, probability {rows[0].score:.3f}: **{rows[0].band}**" in m.value for m in at.markdown)
    cal = Calibrator()                                           # the bands' thresholds (0.7, 0.4)
    assert any(f"**likely** ≥ {cal.likely:.2f}, **possible** ≥ {cal.possible:.2f}" in c.value for c in at.caption)
    r = rows[0]
    assert r.evidence                                            # written with the suggestion
    # a definition link's first line says which definition or name put it on the list
    own = r.evidence[1:] if r.evidence[0].startswith(("the definition of ", "the name ")) else r.evidence
    assert own[:2] == evidence_lines(store, r.a, r.b, a_label=r.a_label, b_label=r.b_label)[:2]
    assert any(" is defined in " in x for x in r.evidence)      # the demo book defines its concepts
    shown = [m.value for m in at.markdown]
    for line in r.evidence:
        assert md_escape("• " + line) in shown


def test_band_and_evidence_are_escaped(app, demo_ws, store):
    """A concept label and a definition with Markdown and HTML show as text, and a
    suggestion without a recorded band says it is not calibrated."""
    g = "https://w3id.org/kgstudio/graph/source/test-escape"
    sg = "https://w3id.org/kgstudio/graph/suggestions"
    a, b = "https://w3id.org/kgstudio/id/test/concept/evil", "https://w3id.org/kgstudio/id/test/concept/plain"
    s = "https://w3id.org/kgstudio/id/test/suggestion/evil"
    kgs, rdfs = "https://w3id.org/kgstudio/ns#", "http://www.w3.org/2000/01/rdf-schema#"
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    store.add_to_graph(g, f'<{a}> <{rdf}type> <{kgs}Concept> .\n<{a}> <{rdfs}label> "**Bold** <b>tag</b> :red[x]" .\n'
                          f'<{a}> <{kgs}definition> "Needs <script>alert(1)</script> and Plain first." .\n'
                          f'<{b}> <{rdf}type> <{kgs}Concept> .\n<{b}> <{rdfs}label> "Plain" .\n')
    store.add_to_graph(sg, f'<{s}> <{rdf}subject> <{a}> .\n<{s}> <{rdf}predicate> <{kgs}requires> .\n'
                           f'<{s}> <{rdf}object> <{b}> .\n'
                           f'<{s}> <{kgs}score> "0.9999"^^<http://www.w3.org/2001/XMLSchema#double> .\n'
                           f'<{s}> <{kgs}rank> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                           f'<{s}> <{rdfs}label> "suggested: evil requires plain (0.9999)" .\n')
    try:
        at = app("app_pages/suggestions.py").run()
        assert not at.exception
        first = _boxes(at)[0]
        assert first.label.startswith(r"\*\*Bold\*\* &lt;b&gt;tag&lt;/b&gt; \:red\[x\] requires Plain")
        assert "score 1.00, not calibrated" in first.label
        texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
        assert not any("<script>" in t or "<b>" in t for t in texts)
        assert any("&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in t for t in texts)
        assert any("score 1.000, not calibrated" in t for t in texts)
    finally:
        store.update(f"DELETE WHERE {{ GRAPH <{sg}> {{ <{s}> ?p ?o }} }}")
        store.drop_graph(g)
