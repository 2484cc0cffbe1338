"""Part 2 of the generation benchmark: curriculum definitions, distillation and speed on one
OpenStax book (``--curriculum``), and the extractive baseline beside the template without
any student (``--curriculum --no-student``): workspaces, the held-out split, the
baselines, fact scores and the report. The protocol is in ``benchmarks/generation.py``'s
docstring; that file is the command line.

Imported by ``benchmarks/generation.py`` after it has put the repository root first on
``sys.path`` (so ``generation`` is the package, not that file)."""
from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import torch

from _common import SHARED, percentile, table
from _generation_results import OUT_DIR, save_results


BOOKS = {"psychology": "openstax-psychology-2e", "statistics": "openstax-introductory-statistics-2e",
         "philosophy": "openstax-introduction-philosophy", "calculus": "openstax-calculus-volume-1"}


def book_workspace(book: str, root: Path, teacher_epochs: int = 60, teacher: bool = True):
    """A workspace with ``book`` imported and (``teacher``) the GNN teacher trained (reused
    when ``root`` already holds them)."""
    from gnn.config import TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.train import train_teacher
    from kg.importing import import_sources
    from kg.workspace import Workspace
    if (root / "kgstudio.toml").exists():
        ws = Workspace(root)
    else:
        ws = Workspace.init(root)
        with ws.open_store() as store:
            import_sources(store, [SHARED / "data" / "curricula" / BOOKS[book]], validate=False)
    tpath = ws.models_dir / "teacher" / "teacher.pt"
    if teacher and not tpath.exists():
        with ws.open_store() as store:
            td = build_teacher_data(store, log=print)
        train_teacher(td, TeacherConfig(epochs=teacher_epochs, threads=1),
                      out_dir=ws.models_dir / "teacher", log=print)
    return ws


def heldout_concepts(ws, share: float, seed: int) -> tuple[list[str], dict[str, str]]:
    """Concepts with a glossary definition, and a seeded ``share`` of them held out (split by
    concept: every training pair whose focus is held out is dropped, all tasks)."""
    from generation.student.pairs import _q
    from kg.neighbourhood import TYPE_CLASSES
    with ws.open_store(read_only=True) as store:
        rows = _q(store, f"""SELECT ?c (SAMPLE(?d) AS ?def) WHERE {{
            ?c a <{TYPE_CLASSES['concept']}> ; kgs:definition ?d }} GROUP BY ?c""")
    defs = {c: " ".join(d.split()) for c, d in rows if c and d and d.strip()}
    foci = sorted(defs)
    held = sorted(random.Random(seed).sample(foci, max(1, int(round(len(foci) * share)))))
    return held, defs


def _suffix(book: str) -> str:
    """Metric-key suffix of a book: none for psychology (the first book measured)."""
    return "" if book == "psychology" else f"_{book}"


def _flat(text: str) -> str:
    return " ".join(str(text or "").split())


def section_evidence(view, concept: str) -> list:
    """The sentences of ``concept``'s teaching sections that name it, as evidence items
    (``definition`` when :func:`generation.extractive.definitional` says the sentence defines
    it, else ``use``), in reading order: the extractive baseline's input when the store has
    no evidence index. Section text only, never the glossary."""
    import re
    from types import SimpleNamespace
    from generation.extractive import definitional
    label = view.label(concept)
    pat = re.compile(r"(?i)\b" + re.escape(label) + r"(?:s|es)?\b")
    out = []
    for s in view.sections_teaching(concept):
        info = view.section(s)
        for pi, block in enumerate(re.split(r"\n\s*\n", info.text or ""), 1):
            if block.lstrip().startswith("```"):
                continue
            for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(])", _flat(block)):
                if pat.search(sent):
                    rank = definitional(sent, label)
                    out.append(SimpleNamespace(concept=concept, text=sent, kind="definition" if rank else "use",
                                               section=s, section_label=info.label, paragraph=f"p{pi}",
                                               position=len(out), score=float(rank)))
    return sorted(out, key=lambda e: (-e.score, e.position))


def extractive_definitions(store, view, held: list[str], log=print) -> tuple[list[str], dict]:
    """The extractive baseline: for each held-out concept the predicate of the book's best
    defining sentence (:class:`generation.extractive.ExtractiveGenerator`, the lessons' own
    chooser), "" when the book has none. Honest: the evidence is the evidence index
    (:func:`kg.evidence.evidence`) kept to sentences found verbatim in their section's
    text -- never a glossary entry -- or, on a store without an index, the teaching sections'
    sentences (:func:`section_evidence`). Returns the texts and what they came from."""
    from generation.extractive import ExtractiveGenerator, predicate
    fn, source, dropped = evidence_fn(store, view, held)
    ex = ExtractiveGenerator(store, view.label, evidence_fn=fn, text_of=lambda s: view.section(s).text)
    out, found, fallback = [], 0, 0
    for c in held:
        items = ex.defining_items(c)
        if items:
            # "X is a Y that ...": its predicate; "<sentence>. This is called X.": that sentence
            out.append(items[0].text if len(items) == 2 else predicate(items[0].text, view.label(c)))
            found += 1
            continue
        # no defining sentence: the first sentence of a teaching section that names it
        teach = set(view.sections_teaching(c))
        first = next((e for e in ex.evidence(c) if e.section in teach and e.kind in ("definition", "use", "example")
                      and not e.text.lstrip().startswith("```")), None)
        out.append(_flat(first.text) if first is not None else "")
        fallback += first is not None
    log(f"extractive: {found}/{len(held)} held-out concepts have a defining sentence, {fallback} more a sentence "
        f"of a teaching section ({source}; {dropped[0]} evidence items not in their section's text left out)")
    return out, {"source": source, "found": found, "fallback_sentence": fallback, "not_in_section_text": dropped[0]}


def evidence_fn(store, view, concepts: list[str]):
    """``(fn, source, dropped)``: the evidence reader of the extractive baseline (and of the
    learned selector, ``benchmarks/selector.py``): the evidence index kept to sentences found
    verbatim in their section's text (never a glossary entry), or without an index the
    teaching sections' sentences (:func:`section_evidence`); ``dropped[0]`` counts the index
    items left out."""
    section_text: dict[str, str] = {}

    def in_text(e) -> bool:
        if not e.section:
            return False
        if e.section not in section_text:
            try:
                section_text[e.section] = _flat(view.section(e.section).text)
            except Exception:  # noqa: BLE001 - not a section: no text to check against
                section_text[e.section] = ""
        return _flat(e.text) in section_text[e.section]
    source, dropped = "section text (no evidence index)", [0]
    fn = None
    try:
        from kg.evidence import evidence
        if any(evidence(store, c, None, None) for c in concepts[:20]):
            def fn(store_, c, kinds=None, k=None):
                items = evidence(store_, c, kinds, k)
                kept = [e for e in items if e.kind == "code" or in_text(e)]
                dropped[0] += len(items) - len(kept)
                return kept
            source = "evidence index, sentences of the section text only"
    except ImportError:
        pass
    if fn is None:
        def fn(store_, c, kinds=None, k=None):
            return section_evidence(view, c)
    return fn, source, dropped


def _extractive_metrics(store, view, held, refs, book) -> dict:
    """``def_chrf_extractive`` / ``def_bleu_extractive`` (book suffix) beside a student run."""
    import sacrebleu
    hyps, _how = extractive_definitions(store, view, held)
    sx = _suffix(book)
    return {f"def_chrf_extractive{sx}": round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2),
            f"def_bleu_extractive{sx}": round(sacrebleu.corpus_bleu(hyps, [refs]).score, 2)}


def baseline_definitions(args):
    """Held-out definitions by the extractive baseline and the template only (``--no-student``):
    the same split as :func:`curriculum_benchmark`, no student or teacher trained."""
    import dataclasses

    import sacrebleu

    from generation.content.graph import GraphView
    from generation.template import TemplateGenerator
    book, t0 = args.book, time.time()
    ws = book_workspace(book, Path(args.cur_work) / book, teacher=False)
    t_import = time.time() - t0
    held, defs = heldout_concepts(ws, args.heldout, args.seed)
    print(f"{book}: {len(defs)} concepts with a definition, {len(held)} held out", flush=True)
    refs = [defs[c] for c in held]
    with ws.open_store(read_only=True) as store:
        view = GraphView(store)
        for c in held:                 # neither baseline may see the answer
            if c in view.concepts:
                view.concepts[c] = dataclasses.replace(view.concepts[c], definition="")
        ext, how = extractive_definitions(store, view, held)
        tpl = [TemplateGenerator(view).generate(c, "definition").text for c in held]
    sx = _suffix(book)
    metrics, rows = {}, []
    for name, hyps in (("extractive", ext), ("template", tpl)):
        chrf = round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2)
        bleu = round(sacrebleu.corpus_bleu(hyps, [refs]).score, 2)
        metrics[f"def_chrf_{name}{sx}"], metrics[f"def_bleu_{name}{sx}"] = chrf, bleu
        rows.append([name, bleu, chrf])
    metrics[f"def_extractive_found{sx}"] = round(how["found"] / max(1, len(held)), 4)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / f"definitions_baselines_{book}.tsv", "w", encoding="utf-8") as f:
        f.write("concept\treference\textractive\ttemplate\n")
        for c, r, e, t in zip(held, refs, ext, tpl):
            f.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in (c, r, e, t)) + "\n")
    print(table(rows, ["generator", "BLEU", "chrF"]))
    save_results(metrics, {"baselines": {book: {"heldout_concepts": len(held), "concepts_with_definition": len(defs),
                                                "extractive": how, "import_s": round(t_import, 1),
                                                "texts": f"results/generation/definitions_baselines_{book}.tsv",
                                                "seconds": round(time.time() - t0, 1)}}})


def distill_without(ws, cfg, heldout: list[str], teacher: str, out: Path, log=print) -> dict:
    """``distill_workspace`` with the held-out concepts kept out (their pairs dropped, their
    definitions never shown in an input), the checkpoint written to ``out`` so the two
    runs (with and without the teacher) live side by side."""
    from generation.student.distill import distill_workspace
    return distill_workspace(ws, cfg, teacher=teacher, holdout=heldout, out_dir=out, log=log)


def fact_scores(text: str, focus: str, names: dict[str, str], triples, lexicon) -> tuple[set, set, set]:
    """(input concepts named, concepts named that are not in the input, focus facts).

    ``names``: every input node's IRI -> the name the text would use for it. The names of
    input nodes are found in the text first and masked (a section title such as "Sleep
    Disorders" names its section, not the concept *sleep disorder*); the grounding lexicon
    (the label matcher grounded decoding uses) then finds the concepts named in the rest,
    and each of those outside the input is a fact the text was not given.
    Facts of the focus: the other end (any named node: concept, section, objective) of each
    input triple with the focus at one end; :func:`facts_mentioned` says which the text names.
    """
    import re
    low = text.lower()
    named_in = set()
    masked = text
    # longest name first, the focus's included: a neighbour "emotion" masked before the
    # focus "Cannon-Bard theory of emotion" left "theory" behind, counted as outside
    for iri, name in sorted(names.items(), key=lambda kv: -len(kv[1] or "")):
        if not name:
            continue
        pat = re.compile(r"(?<!\w)" + re.escape(name.lower()) + r"s?(?!\w)")
        if pat.search(low):
            if iri in lexicon.labels and iri != focus:
                named_in.add(iri)
            masked = pat.sub(" ", masked.lower())
            low = masked
    focus_name = (names.get(focus) or "").lower()
    if focus_name:
        masked = re.sub(r"(?<!\w)" + re.escape(focus_name) + r"s?(?!\w)", " ", masked.lower())
    allowed = set(names) | {focus}
    mentioned = lexicon.mentions(masked)
    outside = mentioned - allowed
    named_in |= (mentioned & allowed) - {focus}
    facts = set()
    for t in triples:
        s_, o_ = (t.s, t.o) if hasattr(t, "s") else (t[0], t[2])
        other = o_ if s_ == focus else s_ if o_ == focus else None
        if other and other != focus and names.get(other):
            facts.add(other)
    return named_in, outside, facts


def facts_mentioned(text: str, facts: set, names: dict[str, str], named_in: set) -> set:
    """The focus facts whose other end the text names (by placeholder-filled name or label)."""
    import re
    low = text.lower()
    return {f for f in facts if f in named_in or re.search(
        r"(?<!\w)" + re.escape(names[f].lower()) + r"(?!\w)", low)}


def _labels(store, iris) -> dict[str, str]:
    """rdfs:label (else skos:prefLabel) of each IRI that has one."""
    from ontology.namespaces import RDFS, SKOS
    out = {}
    for iri in iris:
        if not str(iri).startswith(("http://", "https://", "urn:")):
            continue
        rows = store.query(f"SELECT ?l WHERE {{ {{ <{iri}> <{RDFS.label}> ?l }} UNION "
                           f"{{ <{iri}> <{SKOS.prefLabel}> ?l }} }} LIMIT 1").rows
        if rows and rows[0][0] is not None:
            out[str(iri)] = " ".join(str(rows[0][0]).split())
    return out


def _auc(scores, labels) -> float | None:
    """ROC AUC (:func:`gnn.metrics.roc_auc`, ties count half), 4 decimals; None when one
    class is missing."""
    import math

    from gnn.metrics import roc_auc
    v = roc_auc(scores, labels)
    return None if math.isnan(v) else round(v, 4)


def curriculum_benchmark(args):
    """Curriculum definitions, distillation and speed on one OpenStax book (module docstring)."""
    import dataclasses

    import sacrebleu

    from generation.config import StudentConfig
    from generation.content.graph import GraphView
    from generation.student.api import clear_cache, load_student
    from generation.student.grounding import Lexicon
    from generation.student.model import count_params
    from generation.template import TemplateGenerator
    from kg.neighbourhood import TYPE_CLASSES
    torch.set_num_threads(args.threads)
    book = args.book
    t_all = time.time()
    ws = book_workspace(book, Path(args.cur_work) / book)
    held, defs = heldout_concepts(ws, args.heldout, args.seed)
    print(f"{book}: {len(defs)} concepts with a definition, {len(held)} held out", flush=True)
    cfg = StudentConfig(threads=args.threads, max_steps=args.cur_steps, epochs=1000,
                        time_budget_s=args.cur_minutes * 60, checkpoint_every=10**6,
                        seed=args.seed)
    runs = {}
    for name, teacher in (("kd", "require"), ("nokd", "none")):
        out = Path(args.cur_work) / book / f"student-{name}"
        if not (out / "student.pt").exists() or args.fresh:
            t0 = time.time()
            m = distill_without(ws, cfg, held, teacher, out)
            m["wall_s"] = round(time.time() - t0, 1)
            (out / "run.json").write_text(json.dumps(m, indent=1, default=str))
        runs[name] = json.loads((out / "run.json").read_text())
    clear_cache()
    students = {n: load_student(ws, path=Path(args.cur_work) / book / f"student-{n}" / "student.pt",
                                cache=False) for n in runs}
    store = ws.open_store(read_only=True)
    lexicon = Lexicon.from_store(store)
    view = GraphView(store)
    for c in held:                               # the template must not see the answer either
        if c in view.concepts:
            view.concepts[c] = dataclasses.replace(view.concepts[c], definition="")
    template = TemplateGenerator(view)
    refs = [defs[c] for c in held]
    _lab: dict[str, str | None] = {}

    def label_cache(iris):
        need = [i for i in iris if i not in _lab]
        got = _labels(store, need)
        for i in need:
            _lab[i] = got.get(i)
        return {i: _lab[i] for i in iris if _lab.get(i)}
    texts: dict[str, list[str]] = {}
    rows_out = []
    fact = {}
    for name in ("kd", "nokd", "template"):
        for grounded in ((True, False) if name != "template" else (None,)):
            key = name if grounded in (True, None) else f"{name}_ungrounded"
            t0 = time.time()
            if name == "template":
                gens = [template.generate(c, "definition") for c in held]
            else:
                gens = []
                for a in range(0, len(held), 16):
                    gens += students[name].generate_batch([(c, "definition", None) for c in held[a:a + 16]],
                                                          grounded=grounded)
            dt = time.time() - t0
            hyps = [g.text for g in gens]
            texts[key] = hyps
            n_named = n_out = n_facts = n_hit = 0
            from collections import Counter
            outside_seen: Counter = Counter()
            for c, g in zip(held, gens):
                names = dict((g.extra or {}).get("entities", {}))
                nodes = {x for t in g.triples for x in (t.s, t.o)} | {c}
                missing = [x for x in nodes if x not in names]
                names.update({k: v for k, v in label_cache(missing).items()})
                named, outside, facts = fact_scores(g.text, c, names, g.triples, lexicon)
                n_named += len(named) + len(outside)
                n_out += len(outside)
                outside_seen.update(outside)
                n_facts += len(facts)
                n_hit += len(facts_mentioned(g.text, facts, names, named))
            prec = 1 - n_out / n_named if n_named else None
            rec = n_hit / n_facts if n_facts else None
            chrf = sacrebleu.corpus_chrf(hyps, [refs]).score
            bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
            fact[key] = {"chrf": round(chrf, 2), "bleu": round(bleu, 2),
                         "fact_precision": None if prec is None else round(prec, 4),
                         "fact_recall": None if rec is None else round(rec, 4),
                         "concepts_named": n_named, "outside": n_out, "focus_facts": n_facts,
                         "facts_mentioned": n_hit, "seconds": round(dt, 1),
                         "outside_most_common": outside_seen.most_common(5)}
            rows_out.append([key, fact[key]["bleu"], fact[key]["chrf"], fact[key]["fact_precision"],
                             fact[key]["fact_recall"], n_named])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / f"definitions_{book}.tsv", "w", encoding="utf-8") as f:
        keys = list(texts)
        f.write("\t".join(["concept", "reference"] + keys) + "\n")
        for i, c in enumerate(held):
            f.write("\t".join([c, refs[i]] + [texts[k][i].replace("\t", " ").replace("\n", " ")
                                                for k in keys]) + "\n")
    print(table(rows_out, ["generator", "BLEU", "chrF", "fact precision", "fact recall", "named"]))

    # ---- distillation: the student's auxiliary head vs the teacher on held-out pairs -----
    from gnn.metrics import prf
    kd = students["kd"]
    tsv = ws.models_dir / "teacher" / "test-predictions.tsv"
    tmetrics = json.loads((ws.models_dir / "teacher" / "metrics.json").read_text())
    thr = float(tmetrics["prereq_threshold"])
    pairs, labels, tscores = [], [], []
    for line in tsv.read_text().splitlines()[1:]:
        nt, a, b, _kind, lab, sc = line.split("\t")
        if nt == "concept":
            pairs.append((a, b))
            labels.append(int(lab))
            tscores.append(float(sc))
    t0 = time.time()
    sscores = kd.score_prereqs(pairs)
    t_student = time.time() - t0
    y = torch.tensor(labels)
    t_prf = prf(torch.tensor(tscores), y, thr)
    s_prf = prf(sscores, y, thr)
    agree = float(((sscores >= thr) == (torch.tensor(tscores) >= thr)).float().mean())
    retention = s_prf["f1"] / t_prf["f1"] if t_prf["f1"] else None
    t_auc, s_auc = _auc(torch.tensor(tscores), y), _auc(sscores, y)
    print(f"held-out prerequisite pairs: {len(pairs)}; teacher F1 {t_prf['f1']}, student head F1 "
          f"{s_prf['f1']} (threshold {thr:.3f}), retention {retention}; ROC AUC teacher {t_auc}, "
          f"student {s_auc}", flush=True)

    # ---- speed: running the teacher vs the student's head, per concept query --------------
    from gnn.infer import Teacher
    by_a: dict[str, list[str]] = {}
    for a, b in pairs:
        by_a.setdefault(a, []).append(b)
    queries = sorted(by_a)[:args.speed_n]
    t_teacher = []
    t_teacher_fwd = []
    for a in queries[:max(3, args.speed_n // 10)]:
        t0 = time.perf_counter()
        tch = Teacher.load(ws, cache=False, saved=False)
        tch.prereq_scores([(a, b) for b in by_a[a]])
        t_teacher.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with torch.no_grad():
            from gnn.model import embed
            embed(tch.model, tch.td.data, torch.device("cpu"))
        t_teacher_fwd.append(time.perf_counter() - t0)
    t_stud = []
    for a in queries:
        t0 = time.perf_counter()
        kd.score_prereqs([(a, b) for b in by_a[a]])
        t_stud.append(time.perf_counter() - t0)
    speedup = percentile(t_teacher, 0.5) / percentile(t_stud, 0.5)

    # ---- latency of a 60-token output --------------------------------------------------
    # the student's own decoder (greedy loop, repetition guards, grounding processor) forced
    # to write 60 tokens; beam search through transformers' generate beside it
    from generation.student.decoding import default_processors, greedy_decode
    from generation.student.grounding import GroundedLogitsProcessor
    lat, lat_cpu, lat_beam = [], [], []
    lin_inputs = [kd.linearize(c, "definition") for c in held[:args.latency_n]]
    model = kd.model.seq2seq
    for lin in lin_inputs:
        x = torch.tensor([lin.ids])                                                # (1, L)
        t0, c0 = time.perf_counter(), time.process_time()
        procs = default_processors(kd.cfg.no_repeat_ngram, kd.cfg.repetition_penalty, [
            GroundedLogitsProcessor(kd.tok, [len(lin.entities)], [kd.bans.banned(set(lin.entities))])])
        g, _ = greedy_decode(model, x, torch.ones_like(x), max_new_tokens=60, min_new_tokens=60,
                             processors=procs, copy=kd.model.copy)
        lat.append((time.perf_counter() - t0) * 1000)
        lat_cpu.append((time.process_time() - c0) * 1000)
        assert g.shape[1] == 61
    for lin in lin_inputs[:10]:
        x = torch.tensor([lin.ids])
        t0 = time.perf_counter()
        with torch.no_grad():
            g = model.generate(input_ids=x, attention_mask=torch.ones_like(x), num_beams=3,
                               min_new_tokens=60, max_new_tokens=60, do_sample=False)
        lat_beam.append((time.perf_counter() - t0) * 1000)
    ck = Path(args.cur_work) / book / "student-kd" / "student.pt"
    import resource
    metrics = {
        "student_params": count_params(model),
        "def_chrf_student": fact["kd"]["chrf"], "def_chrf_nokd": fact["nokd"]["chrf"],
        "def_chrf_template": fact["template"]["chrf"],
        **_extractive_metrics(store, view, held, refs, book),
        "def_fact_precision": fact["kd"]["fact_precision"], "def_fact_recall": fact["kd"]["fact_recall"],
        "kd_f1_retention": None if retention is None else round(retention, 4),
        "student_speedup_vs_teacher": round(speedup, 2),
        "latency_p50_ms": round(percentile(lat, 0.5), 1), "latency_p95_ms": round(percentile(lat, 0.95), 1),
    }
    extra = {"curriculum": {book: {
        "heldout_concepts": len(held), "concepts_with_definition": len(defs),
        "definitions": fact, "texts": f"results/generation/definitions_{book}.tsv",
        "train": {k: {kk: v.get(kk) for kk in ("steps", "train_seconds", "total_seconds", "wall_s",
                                                 "best_val_total", "teacher", "pairs", "alpha", "beta")}
                  for k, v in runs.items()},
        "config": cfg.to_dict(),
        "prereq_heldout": {"pairs": len(pairs), "threshold": thr, "teacher": t_prf, "student": s_prf,
                           "auc_teacher": t_auc, "auc_student": s_auc,
                           "agreement": round(agree, 4), "student_seconds_all_pairs": round(t_student, 2)},
        "speed": {"queries": len(queries), "teacher_load_and_score_s_p50": round(percentile(t_teacher, 0.5), 4),
                  "teacher_forward_only_s_p50": round(percentile(t_teacher_fwd, 0.5), 4),
                  "student_score_s_p50": round(percentile(t_stud, 0.5), 4),
                  "latency_ms": [round(x, 1) for x in lat], "beams": kd.cfg.num_beams,
                  "latency_beam3_generate_p50_ms": round(percentile(lat_beam, 0.5), 1),
                  "threads": torch.get_num_threads(),
                  # CPU seconds of this process per output: what the wall time would be on an
                  # idle core (the wall time above includes waiting for the shared cores)
                  "latency_cpu_p50_ms": round(percentile(lat_cpu, 0.5), 1),
                  "latency_cpu_p95_ms": round(percentile(lat_cpu, 0.95), 1),
                  "load_average": os.getloadavg(),
                  "checkpoint_mb": round(ck.stat().st_size / 2**20, 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)},
        "seconds": round(time.time() - t_all, 1)}}}
    print(table([[k, v] for k, v in metrics.items()], ["metric", "value"]))
    store.close()
    save_results(metrics, extra)
