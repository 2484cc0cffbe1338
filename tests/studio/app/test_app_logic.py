"""The studio's page-support logic without a browser: drawings escape text, the learning
path respects every prerequisite, jobs report failures (decisions: tests/kg/test_decisions.py)."""
from __future__ import annotations

import pytest

from studio import app_logic as L
from studio.app_jobs import JobRunning, start_job

LOOP = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/loop"


def test_learning_path_puts_prerequisites_first(store):
    dag = L.prerequisite_dag(store, LOOP)
    pos = {iri: i for i, iri in enumerate(dag.path)}
    assert dag.path[-1] == LOOP and len(dag.path) == len(dag.nodes) > 3
    assert all(pos[b] < pos[a] for a, b in dag.edges)           # a requires b: b comes first
    dot = L.dag_dot(dag)
    assert dot.startswith("digraph P {") and dot.count("->") == len(dag.edges)


def test_dot_labels_are_escaped():
    from kg.neighbourhood import Edge, Neighbourhood, NodeInfo
    nb = Neighbourhood("urn:a", 1, [NodeInfo("urn:a", "concept", 'say "hi" \\l <script>'),
                                    NodeInfo("urn:b", "section", "B")], [Edge("urn:a", "definedIn", "urn:b")])
    dot = L.neighbourhood_dot(nb)
    assert 'label="say \\"hi\\" \\\\l <script>\\n(concept)"' in dot
    assert "n0 -> n1 [label=\"definedIn\"];" in dot


def test_read_only_check():
    assert L.is_read_only_query("SELECT ?s WHERE { ?s <http://x/insert> 'DELETE DATA' }")
    assert not L.is_read_only_query("INSERT DATA { <a> <b> <c> }")
    assert not L.is_read_only_query("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }")


def test_jobs_report_failures_and_refuse_a_second_run(tmp_path):
    import threading
    gate = threading.Event()
    job = start_job(tmp_path, "t", lambda j: gate.wait(10))
    with pytest.raises(JobRunning):
        start_job(tmp_path, "t", lambda j: None)
    gate.set()
    job.wait(10)
    from kg.errors import KGStudioError

    def boom(j):
        raise KGStudioError("the file is broken")
    failed = start_job(tmp_path, "t", boom).wait(10)
    assert (failed.state, failed.error) == ("failed", "the file is broken")
