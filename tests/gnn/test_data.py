"""Teacher data from a store: prerequisite labels of every kind, node labels, groups."""
from __future__ import annotations

import torch

from gnn.data import LABEL_KINDS, TeacherData, build_teacher_data, prereq_edge_types, weak_labels
from kg.store.embedded import EmbeddedStore
from ontology.namespaces import DECISIONS_GRAPH, SUGGESTIONS_GRAPH

K = "https://w3id.org/kgstudio/ns#"
I = "https://w3id.org/kgstudio/id/b/"
A = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
L = "http://www.w3.org/2000/01/rdf-schema#label"
R = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
S = "https://schema.org/"
XI = "^^<http://www.w3.org/2001/XMLSchema#integer>"
G = "https://w3id.org/kgstudio/graph/source/b"
G2 = "https://w3id.org/kgstudio/graph/source/case"


def _book() -> list[str]:
    """A book: 2 chapters x 2 sections; concepts a..e defined in sections in order."""
    t = [f"<{I}cur> <{A}> <{K}Curriculum> .", f'<{I}cur> <{L}> "Book"@en .']
    for c in (1, 2):
        t += [f"<{I}ch{c}> <{A}> <{K}Chapter> .", f"<{I}ch{c}> <{K}partOf> <{I}cur> .",
              f'<{I}ch{c}> <{K}position> "{c}"{XI} .', f'<{I}ch{c}> <{L}> "Ch {c}"@en .']
        for s in (1, 2):
            sec = f"{I}s{c}{s}"
            t += [f"<{sec}> <{A}> <{K}Section> .", f"<{sec}> <{K}partOf> <{I}ch{c}> .",
                  f'<{sec}> <{K}position> "{s}"{XI} .', f'<{sec}> <{L}> "S {c}.{s}"@en .']
    defs = {"a": ("s11", "a unit of memory"), "b": ("s12", "a row of Memory Cell slots"),
            "c": ("s21", "a named value"), "d": ("s22", "a variable holding an array"),
            "e": ("s22", "something else")}
    labels = {"a": "memory cell", "b": "array", "c": "variable", "d": "pointer", "e": "loop"}
    for k, (sec, text) in defs.items():
        t += [f"<{I}{k}> <{A}> <{K}Concept> .", f'<{I}{k}> <{L}> "{labels[k]}"@en .',
              f"<{I}{k}> <{K}definedIn> <{I}{sec}> .", f'<{I}{k}> <{K}definition> "{text}"@en .',
              f"<{I}{k}> <{K}inCurriculum> <{I}cur> ."]
    # s22 (home of d and e) uses a (defined earlier) and c (earlier); s12 uses d (defined later)
    t += [f"<{I}s22> <{K}mentions> <{I}a> .", f"<{I}s22> <{K}mentions> <{I}c> .",
          f"<{I}s12> <{K}mentions> <{I}d> .",
          f"<{I}e> <{K}requires> <{I}c> .",                     # a gold edge
          f"<{I}o1> <{A}> <{K}LearningObjective> .", f'<{I}o1> <{L}> "Define arrays."@en .',
          f"<{I}o1> <{K}partOf> <{I}s12> .", f"<{I}o1> <{K}bloomLevel> <https://w3id.org/kgstudio/bloom/remember> .",
          f"<{I}o2> <{A}> <{K}LearningObjective> .", f'<{I}o2> <{L}> "Design loops."@en .',
          f"<{I}o2> <{K}partOf> <{I}s22> .", f"<{I}o2> <{K}bloomLevel> <https://w3id.org/kgstudio/bloom/create> ."]
    return t


def _case() -> list[str]:
    C = "https://w3id.org/kgstudio/id/case/"
    t = []
    for k, lvl in (("x", "KG"), ("y", "01"), ("z", "01")):
        t += [f"<{C}{k}> <{A}> <{K}Competency> .", f'<{C}{k}> <{L}> "std {k}" .',
              f'<{C}{k}> <{K}educationalLevel> "{lvl}" .']
    t += [f"<{C}x> <{K}precedes> <{C}y> ."]
    return t


def _store() -> EmbeddedStore:
    st = EmbeddedStore(None)
    st.add_to_graph(G, "\n".join(_book()) + "\n")
    st.add_to_graph(G2, "\n".join(_case()) + "\n")
    st.add_to_graph(str(DECISIONS_GRAPH),
                    f"<{I}b> <{K}requires> <{I}a> .\n"                       # accepted (plain triple)
                    f"<{I}dec1> <{R}subject> <{I}d> .\n<{I}dec1> <{R}predicate> <{K}requires> .\n"
                    f"<{I}dec1> <{R}object> <{I}e> .\n<{I}dec1> <{S}actionStatus> <{S}FailedActionStatus> .\n")
    st.add_to_graph(str(SUGGESTIONS_GRAPH), f"<{I}a> <{K}requires> <{I}e> .\n")  # never read
    return st


def _pairs(td: TeacherData, nt: str, kind: str) -> set[tuple[str, str]]:
    lab = td.extra_prereq[nt]
    iris = td.index.iris[nt]
    k = LABEL_KINDS.index(kind)
    return {(iris[a].rsplit("/", 1)[1], iris[b].rsplit("/", 1)[1])
            for (a, b), kk in zip(lab.pos.t().tolist(), lab.kind.tolist()) if kk == k}


def test_weak_labels_follow_the_text_rules():
    st = _store()
    weak = {(a.rsplit("/", 1)[1], b.rsplit("/", 1)[1]): k for (a, b), k in weak_labels(st, [G]).items()}
    # d and e are defined in s22, which uses a (s11) and c (s21): both earlier
    # d's definition names "variable" (c) and "array" (b)
    assert weak == {("d", "a"): "weak-order", ("d", "c"): "weak-order", ("e", "a"): "weak-order",
                    ("e", "c"): "weak-order", ("b", "a"): "weak-definition",
                    ("d", "b"): "weak-definition"}


def test_labels_of_every_kind():
    td = build_teacher_data(_store(), embed=False)
    assert [et for et, _ in prereq_edge_types(td.data)] == [
        ("competency", "precedes", "competency"), ("concept", "requires", "concept")]
    # gold e->c is an edge, not an extra label; e->c from the text is dropped as a duplicate;
    # b->a is an accepted decision (it wins over the weak label)
    assert _pairs(td, "concept", "decision") == {("b", "a")}
    assert _pairs(td, "concept", "weak-order") == {("d", "a"), ("d", "c"), ("e", "a")}
    assert _pairs(td, "concept", "weak-definition") == {("d", "b")}
    neg = td.extra_prereq["concept"].neg
    iris = td.index.iris["concept"]
    assert [(iris[a][-1], iris[b][-1]) for a, b in neg.t().tolist()] == [("d", "e")]
    # node labels
    bloom = td.node_tasks["bloom"]
    assert bloom.y["objective"].tolist() == [0, 5]                    # o1 remember, o2 create
    diff = td.node_tasks["difficulty"]
    # chapter 1 -> fraction 0 -> class 0; chapter 2 -> 1 -> class 2 (3 bins)
    assert diff.y["concept"].tolist() == [0, 0, 2, 2, 2]
    assert diff.y["objective"].tolist() == [0, 2]
    lvl = td.node_tasks["level"]
    assert lvl.classes == ["01", "KG"] and lvl.y["competency"].tolist() == [1, 0, 0]
    # groups: every book node in the book's curriculum; CASE items have none
    assert td.group_names == [I + "cur"]
    assert td.groups["concept"].tolist() == [0] * 5 and td.groups["competency"].tolist() == [-1] * 3
    assert td.summary()["prereq_edges"] == {"competency/precedes": 1, "concept/requires": 1}


def test_round_trip_file(tmp_path):
    td = build_teacher_data(_store(), embed=False)
    td.save(tmp_path / "d.pt")
    back = TeacherData.load(tmp_path / "d.pt")
    assert back.graph_hash == td.graph_hash and back.summary() == td.summary()
    assert torch.equal(back.data["concept"].x, td.data["concept"].x)


def test_label_matcher_finds_what_one_regex_alternation_finds():
    """The matcher (kg.labels, linear) gives the regex alternation's matches (what
    weak_labels used before; quadratic with many labels) where no plural or hyphen is
    involved, and also finds plurals and hyphenated forms."""
    import re

    from gnn.data import label_matcher
    labels = ["memory", "memory cell", "cell", "t-test", "(r)-carvone", "c++", "array",
              "arrays of cells", "of"]
    texts = ["Memory Cell arrays of cells, a t-test; (R)-carvone and C++ code.",
             "xc++ (r)-carvoney memorycell", "", "array  of cell"]
    alts = sorted(labels, key=lambda x: (-len(x), x))
    rx = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(x) for x in alts) + r")(?!\w)", re.I)
    find = label_matcher(labels)
    for t in texts:
        assert find(t) == [m.group(0).lower() for m in rx.finditer(t)], t
    assert find(texts[0])[:3] == ["memory cell", "arrays of cells", "t-test"]
    assert find("memory-cells") == ["memory cell"]
    assert find("arrays of cell; two cells") == ["arrays of cells", "cell"]
