"""Content packs from whole OpenStax books (issue 5).

For each book of ``../shared/data/curricula`` (Psychology 2e, Introductory Statistics 2e):

1. import the book into an in-memory store;
2. build a lesson and a 10-item quiz for every section with the real builders
   (``generation.content``: template realiser, since no student is trained here; distractors
   ranked by MiniLM text similarity, since no teacher is trained here), timing each build;
   a section that teaches no concept (chapter introductions) has no lesson/quiz and is counted;
3. save every item in the content repository, approve it, collect the pack
   (``generation.export.pack.collect_pack``) and export it as IMS Common Cartridge 1.1 and as
   a Canvas QTI zip;
4. validate both packs (``generation.export.validate``): every file against its XSD (and,
   for the cartridge, the embedded Schematron), manifest ⇔ zip both ways. The pass rate is
   per checked file (a manifest/zip mismatch fails the manifest).

Quiz quality against the book's own review questions (``answer_key_agreement``): the book's
multiple-choice review questions whose correct choice names a glossary concept ``C`` of the
book and at least one other choice names another concept ("which term" questions). For each:

* target agreement: our generated quiz for the question's section has a generated item on ``C``;
* key agreement: our quiz items key a term by its definition in the graph; applied to the
  book's question, our key is the concept choice whose graph definition is closest (MiniLM
  cosine) to the book's stem. It agrees when that is the book's key ``C``.

Distractor quality (``distractor_wrong_but_plausible``): :func:`distractor_quality`, a
held-out check with a teacher trained on the graph structure only.

Outputs: ``benchmarks/results/content.json`` (required metrics + per-book details) and the
raw items under ``benchmarks/results/content/`` (every quiz item with its key, every
agreement decision). Run with ``nice -n 19 .venv/bin/python benchmarks/content.py``
(``--quick``: the first 3 chapters of each book).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))     # before benchmarks/, whose generation.py would shadow the package

from _common import RESULTS, SHARED, machine, percentile, table, write_results  # noqa: E402

BOOKS = {"psychology": "openstax-psychology-2e", "statistics": "openstax-introductory-statistics-2e"}
PREFIX = """PREFIX kgs: <https://w3id.org/kgstudio/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def trimmed(src: Path, dest: Path, chapters: int) -> Path:
    """A copy of the book with its first ``chapters`` chapters (for --quick)."""
    sys.path.insert(0, str(ROOT))
    from tests.generation.export.conftest import trim_book
    return trim_book(src, dest, chapters)


def sections_of(store) -> list[str]:
    rows = store.select(PREFIX + """SELECT ?s WHERE { ?s a kgs:Section ; kgs:partOf ?ch .
        ?ch kgs:position ?cp . ?s kgs:position ?sp } ORDER BY ?cp ?sp""")
    return [str(r["s"]) for r in rows]


def file_pass_rate(report) -> tuple[int, int]:
    """(files passing, files checked): a file fails when any error names it."""
    failing = {e.split(":", 1)[0] for e in report.errors}
    checked = set(report.checked) | {"imsmanifest.xml"}
    return len(checked - failing), len(checked)


def book_questions(store, view) -> list[dict]:
    """The book's MC review questions whose key names a concept and another choice does too."""
    labels: dict[str, str] = {}
    for c, info in view.concepts.items():
        for lab in [info.label, *getattr(info, "alt_labels", [])]:
            if lab:
                labels.setdefault(_norm(lab), c)
    rows = store.select(PREFIX + """SELECT ?i ?sec ?stem ?text ?ok WHERE {
        ?i a kgs:AssessmentItem ; kgs:itemType "multiple-choice" ; kgs:stem ?stem ; kgs:partOf ?sec ;
           kgs:hasChoice ?ch . ?ch kgs:choiceText ?text . OPTIONAL { ?ch kgs:isCorrect ?ok } }""")
    qs: dict[str, dict] = {}
    for r in rows:
        q = qs.setdefault(str(r["i"]), {"iri": str(r["i"]), "section": str(r["sec"]), "stem": str(r["stem"]),
                                         "choices": []})
        q["choices"].append((str(r["text"]), str(r.get("ok", "")).lower() in ("true", "1")))
    out = []
    for q in qs.values():
        keys = [t for t, ok in q["choices"] if ok]
        if len(keys) != 1:
            continue
        concepts = [(t, labels.get(_norm(t))) for t, _ in q["choices"]]
        key_c = labels.get(_norm(keys[0]))
        others = [c for t, c in concepts if c and c != key_c]
        if key_c and others:
            q["key"] = key_c
            q["concept_choices"] = [c for _, c in concepts if c]
            out.append(q)
    return out


def distractor_quality(path: Path, quizzes: list, log, epochs: int = 60) -> dict:
    """Held-out check of the distractors of the choice items: a GNN teacher trained on the
    book's graph *structure only* (no text features, so independent of the MiniLM ranking that
    chose the distractors). A distractor is wrong when the graph says so (another concept,
    another label and definition) and plausible when the teacher puts it closer to the key
    concept than the median of 50 random concepts of the book."""
    import random

    from gnn.checkpoint import teacher_dir
    from gnn.config import TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.infer import Teacher
    from gnn.train import train_teacher
    from kg.importing import import_sources
    from kg.workspace import Workspace

    t0 = time.perf_counter()
    ws = Workspace.init(Path(tempfile.mkdtemp(prefix="content-teacher-")) / "ws")
    with ws.open_store() as st:
        import_sources(st, [path])
        td = build_teacher_data(st, embed=False)
        labels = {str(r["c"]): (_norm(str(r["l"])), str(r.get("d", ""))) for r in st.select(PREFIX + """
            SELECT ?c (SAMPLE(?lab) AS ?l) (SAMPLE(?def) AS ?d) WHERE { ?c a kgs:Concept ; rdfs:label ?lab .
            OPTIONAL { ?c kgs:definition ?def } } GROUP BY ?c""")}
    train_teacher(td, TeacherConfig(epochs=epochs, use_text=False, device="cpu"), out_dir=teacher_dir(ws), log=log)
    teacher = Teacher.load(ws)
    concepts = [c for c in teacher.iris(node_type="concept") if c in labels]
    rng = random.Random(0)
    wrong = plausible = total = 0
    d_cos, r_cos, rows = [], [], []
    for q in quizzes:
        for it in q.items:
            if it.type not in ("multichoice", "multiresponse") or it.source != "generated" or it.concept not in teacher:
                continue
            ds = [c.concept for c in it.choices if not c.correct and c.concept in teacher]
            if not ds:
                continue
            rand = rng.sample(concepts, min(50, len(concepts)))
            base = statistics.median(teacher.relevance(it.concept, rand))
            for c, cos in zip(ds, teacher.relevance(it.concept, ds)):
                total += 1
                is_wrong = c != it.concept and labels.get(c, ("", ""))[0] != labels.get(it.concept, ("", ""))[0] \
                    and (labels.get(c, ("", ""))[1] or "x") != (labels.get(it.concept, ("", ""))[1] or "y")
                is_plausible = cos > base
                wrong += is_wrong
                plausible += is_wrong and is_plausible
                d_cos.append(cos)
                r_cos.append(base)
                rows.append({"item": it.iri, "key": it.concept, "distractor": c, "cos": round(cos, 4),
                             "random_median": round(base, 4), "wrong": is_wrong, "plausible": is_plausible})
    return {"distractors": total, "wrong": wrong, "wrong_but_plausible": plausible,
            "mean_cos_distractor": statistics.mean(d_cos) if d_cos else None,
            "mean_cos_random_median": statistics.mean(r_cos) if r_cos else None,
            "teacher_s": time.perf_counter() - t0, "teacher_epochs": epochs, "rows": rows}


def run_book(name: str, path: Path, log, distractors: bool = True) -> dict:
    from generation.content.builder import Builder
    from generation.content.lesson import build_lesson
    from generation.content.quiz import build_quiz
    from generation.content.repository import Repository
    from generation.export import get_exporter
    from generation.export.pack import collect_pack
    from generation.export.validate import validate_cc, validate_qti_canvas
    from kg.embeddings import embed
    from kg.errors import KGStudioError
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore

    out: dict = {"book": path.name}
    store = EmbeddedStore(None)
    t0 = time.perf_counter()
    import_sources(store, [path])
    out["import_s"] = time.perf_counter() - t0
    secs = sections_of(store)
    b = Builder(store, similarity_kind="text", log=log)
    t_pack = time.perf_counter()
    # warm-up: the MiniLM similarity embeds the book's concepts once (cached on disk after)
    t = time.perf_counter()
    _ = b.similarity
    out["similarity_warmup_s"] = time.perf_counter() - t
    lessons, quizzes, lesson_s, quiz_s, empty = [], [], [], [], []
    for i, s in enumerate(secs, 1):
        try:
            t = time.perf_counter()
            lessons.append(build_lesson(b, s))
            lesson_s.append(time.perf_counter() - t)
        except KGStudioError as e:
            empty.append(f"lesson {s}: {e}")
        try:
            t = time.perf_counter()
            quizzes.append(build_quiz(b, s, n=10))
            quiz_s.append(time.perf_counter() - t)
        except KGStudioError as e:
            empty.append(f"quiz {s}: {e}")
        if i % 10 == 0:
            log(f"{name}: {i}/{len(secs)} sections")
    out["build_s"] = time.perf_counter() - t_pack
    t = time.perf_counter()
    repo = Repository(store)
    for x in lessons + quizzes:
        repo.save(x, author="benchmark")
        repo.approve(x.iri, by="benchmark")
    out["save_s"] = time.perf_counter() - t
    t = time.perf_counter()
    pack = collect_pack(store)
    out["collect_s"] = time.perf_counter() - t
    tmp = Path(tempfile.mkdtemp(prefix=f"content-{name}-"))
    res = {}
    for fmt in ("imscc", "qti-canvas"):
        e = type(get_exporter(fmt))()
        e.validate = False                  # validated below, timed apart
        t = time.perf_counter()
        res[fmt] = e.export(pack, tmp / f"{name}.{fmt}")
        out[f"export_{fmt}_s"] = time.perf_counter() - t
    out["pack_s"] = out["build_s"] + out["save_s"] + out["collect_s"] + out["export_imscc_s"]
    t = time.perf_counter()
    cc = validate_cc(res["imscc"].path)
    qti = validate_qti_canvas(res["qti-canvas"].path)
    out["validate_s"] = time.perf_counter() - t
    out["cc_pass"], out["cc_checked"] = file_pass_rate(cc)
    out["qti_pass"], out["qti_checked"] = file_pass_rate(qti)
    out["cc_errors"] = cc.errors[:50]
    out["qti_errors"] = qti.errors[:50]
    out["imscc_bytes"] = res["imscc"].path.stat().st_size
    out["cc_left_out"] = res["imscc"].skipped
    out["cc_converted"] = len(res["imscc"].notes)
    out["sections"] = len(secs)
    out["lessons"] = len(lessons)
    out["quizzes"] = len(quizzes)
    out["no_content"] = empty
    types = Counter(it.type for q in quizzes for it in q.items)
    out["items_by_type"] = dict(sorted(types.items()))
    out["items_total"] = sum(types.values())
    out["items_curriculum"] = sum(1 for q in quizzes for it in q.items if it.source == "curriculum")
    out["items_rejected_ambiguous"] = sum(q.rejected_ambiguous for q in quizzes)
    out["lesson_s"] = lesson_s
    out["quiz10_s"] = quiz_s
    out["quiz_sizes"] = Counter(len(q.items) for q in quizzes)

    # ---- agreement with the book's review questions ----
    bq = book_questions(store, b.view)
    by_section = {q.scope: q for q in quizzes}
    defs = {c: (b.view.concepts[c].definition or "") for q in bq for c in q["concept_choices"]}
    defs = {c: d for c, d in defs.items() if d}
    vec = {}
    if bq and defs:
        cs = sorted(defs)
        dv = embed([defs[c] for c in cs])
        vec = dict(zip(cs, dv))
        sv = embed([q["stem"] for q in bq])
    decisions = []
    for qi, q in enumerate(bq):
        quiz = by_section.get(q["section"])
        targeted = bool(quiz) and any(it.source == "generated" and (it.concept == q["key"]) for it in quiz.items)
        scored = [(float(sv[qi] @ vec[c]), c) for c in dict.fromkeys(q["concept_choices"]) if c in vec]
        ours = max(scored)[1] if scored else None
        decisions.append({"question": q["iri"], "section": q["section"], "stem": q["stem"],
                          "book_key": q["key"], "our_key": ours, "agree": ours == q["key"],
                          "targeted": targeted, "scores": sorted(scored, reverse=True)})
    out["book_questions"] = len(decisions)
    out["key_agree"] = sum(d["agree"] for d in decisions)
    out["targeted"] = sum(d["targeted"] for d in decisions)
    raw = RESULTS / "content"
    raw.mkdir(parents=True, exist_ok=True)
    with (raw / f"{name}-quizzes.jsonl").open("w", encoding="utf-8") as f:
        for q in quizzes:
            f.write(json.dumps({"iri": q.iri, "scope": q.scope, "title": q.title,
                                "rejected_reasons": q.rejected_reasons,
                                "items": [it.to_dict() | {"triples": len(it.triples)} for it in q.items]},
                               ensure_ascii=False) + "\n")
    with (raw / f"{name}-agreement.jsonl").open("w", encoding="utf-8") as f:
        for d in decisions:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    store.close()
    if distractors:
        dq = distractor_quality(path, quizzes, log)
        with (raw / f"{name}-distractors.jsonl").open("w", encoding="utf-8") as f:
            for r in dq.pop("rows"):
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        out["distractor_check"] = dq
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="first 3 chapters of each book")
    ap.add_argument("--books", default="psychology,statistics")
    ap.add_argument("--no-distractors", action="store_true", help="skip the held-out teacher check")
    ap.add_argument("--rescore", action="store_true", help="recompute the metrics from results/content.json")
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    books = {}
    if args.rescore:
        old = json.loads((RESULTS / "content.json").read_text())
        books = old["books"]
        args.quick = old["metrics"].get("quick", False)
    tmp = Path(tempfile.mkdtemp(prefix="content-books-"))
    for name in ([] if args.rescore else args.books.split(",")):
        src = SHARED / "data" / "curricula" / BOOKS[name]
        if not src.exists():
            log(f"{src} missing: skipped")
            continue
        path = trimmed(src, tmp / name, 3) if args.quick else src
        t = time.perf_counter()
        books[name] = run_book(name, path, log, distractors=not args.no_distractors)
        log(f"{name}: done in {time.perf_counter() - t:.1f} s")
    if not books:
        return 1
    tot = lambda k: sum(b[k] for b in books.values())  # noqa: E731
    items_total = tot("items_total")
    rejected = tot("items_rejected_ambiguous")
    agree_n = tot("book_questions")
    lesson_all = [x for b in books.values() for x in b["lesson_s"]]
    quiz_all = [x for b in books.values() for x in b["quiz10_s"]]
    metrics = {
        "cc_validation_pass_rate": tot("cc_pass") / max(1, tot("cc_checked")),
        "qti_validation_pass_rate": tot("qti_pass") / max(1, tot("qti_checked")),
        "items_total": items_total,
        "items_rejected_ambiguous": rejected,
        "items_rejected_ambiguous_share": rejected / max(1, items_total + rejected),
        "answer_key_agreement": tot("key_agree") / agree_n if agree_n else None,
        "concept_target_agreement": tot("targeted") / agree_n if agree_n else None,
        "book_questions_compared": agree_n,
        "lesson_build_s": statistics.median(lesson_all),
        # the slowest build: the first one that needs MiniLM pays loading it and embedding the
        # book's concepts (cached on disk afterwards)
        "lesson_build_cold_s": max(lesson_all),
        "lesson_build_p90_s": percentile(lesson_all, 0.9),
        "quiz10_build_s": statistics.median(quiz_all),
        "quiz10_build_cold_s": max(quiz_all),
        "quiz10_build_p90_s": percentile(quiz_all, 0.9),
        "distractor_wrong_but_plausible": (
            sum(b["distractor_check"]["wrong_but_plausible"] for b in books.values() if "distractor_check" in b)
            / max(1, sum(b["distractor_check"]["distractors"] for b in books.values() if "distractor_check" in b))
            if any("distractor_check" in b for b in books.values()) else None),
        "psychology_pack_s": books["psychology"]["pack_s"] if "psychology" in books else None,
        "quick": args.quick,
    }
    for b in books.values():
        b["quiz_sizes"] = dict(b["quiz_sizes"])
        b["lesson_s"] = [round(x, 4) for x in b["lesson_s"]]
        b["quiz10_s"] = [round(x, 4) for x in b["quiz10_s"]]
    rows = []
    for name, b in books.items():
        rows.append([name, b["sections"], b["lessons"], b["quizzes"], b["items_total"],
                     ", ".join(f"{k} {v}" for k, v in b["items_by_type"].items()),
                     f"{b['items_rejected_ambiguous']} ({b['items_rejected_ambiguous'] / max(1, b['items_total'] + b['items_rejected_ambiguous']):.1%})",
                     f"{b['cc_pass']}/{b['cc_checked']}", f"{b['qti_pass']}/{b['qti_checked']}",
                     f"{b['pack_s']:.1f}", f"{b['key_agree']}/{b['book_questions']}",
                     f"{b['targeted']}/{b['book_questions']}"])
    print(table(rows, ["book", "sections", "lessons", "quizzes", "items", "by type", "rejected ambiguous",
                       "CC files valid", "QTI files valid", "pack s", "key agrees", "concept targeted"]))
    print()
    print(table([[k, f"{v:.4f}" if isinstance(v, float) else v] for k, v in metrics.items()], ["metric", "value"]))
    print(f"\n{machine()}")
    write_results("content", metrics, {"books": books})
    return 0


if __name__ == "__main__":
    sys.exit(main())
