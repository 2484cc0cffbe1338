"""AppTest of the Prerequisite suggestions page: suggestions with evidence, decisions
written to the KG with who and when, a stale decision refused, retraining in the
background."""
from __future__ import annotations

from studio.app_jobs import get_job
from kg.decisions import decisions, list_suggestions


def test_suggestions_with_evidence(app, store):
    at = app("app_pages/suggestions.py").run()
    assert not at.exception
    rows = list_suggestions(store)
    undecided = [r for r in rows if r.decision is None]
    assert at.expander[0].label.startswith(undecided[0].a_label.replace("(", "\\("))
    assert "requires" in at.expander[0].label
    assert any("says the teacher" in m.value for m in at.markdown)


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
    assert at.expander and all("accepted" in e.label for e in at.expander)


def test_retrain_runs_in_the_background(app, demo_ws, store):
    before = {r.iri for r in list_suggestions(store)}
    at = app("app_pages/suggestions.py").run()
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
