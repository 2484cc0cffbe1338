"""Quiz benchmark (issue 19): what the default learner quizzes are made of, and how sure
their keys are, on the demo curriculum and the OpenStax books in ../shared.

Per book, a 10-item default quiz on a spread of sections (``--sections`` per book, evenly
over the book; all sections of the demo), then:

* items per kind (``item_kind``: code and contrast are multiple choice) and the Bloom mix of
  the generated items;
* ``quiz_above_recall_share``: generated items above "remember" / generated items, over the
  sections whose objectives name a level above "remember" (and over all sections);
* ``quiz_flaw_rate``: emitted generated items the flaw checker (``generation.content.flaws``)
  still flags / emitted generated items, and ``quiz_flaw_rate_before_gate`` (candidates
  flagged before mending or dropping / candidates); the book's own questions are checked
  too (``curriculum_flaw_rate``), for comparison, never dropped;
* ``quiz_verified_key_share``: generated items whose key this script re-derives on its own:
  a code item's listing run again in the sandbox prints the key; each option of a code_fix
  item applied to its stem's listing and run: only the key's prints (returns) what the stem says; a math item's key is
  recomputed from its stem's text (sympy for a derivative or limit, compared by value;
  Python's ``statistics`` for a data measure); a term item's key is the
  concept's label; a true statement is a sentence of the cited section text; a false one
  joins a label to another concept's definition; a contrast key is the concept's own
  definition;
* items dropped, by reason (``Quiz.rejected_reasons``);
* ``first_quiz_s``: a new user's first quiz: a fresh workspace built as ``make run`` does
  (``kgstudio init`` + ``kgstudio import --demo``, which embeds the concepts once: its time
  is ``build_s``) with an empty embedding cache, then in a new process ``Builder.open`` and
  a 10-item quiz with the default similarity (``first_quiz_model_loaded`` says whether the
  quiz had to load MiniLM), then ``second_quiz_s``; and the first with ``lexical`` on a
  fresh store. The machine's load average is kept beside it (the machine is shared).

The books use the lexical similarity (no model), so the run takes minutes, not tens.
Writes ``benchmarks/results/quiz.json`` with a sample of generated items per kind.

    python benchmarks/quiz.py [--books psychology,statistics,philosophy,calculus] [--sections 12]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SHARED, table, write_results  # noqa: E402

BOOKS = {"psychology": "openstax-psychology-2e", "statistics": "openstax-introductory-statistics-2e",
         "philosophy": "openstax-introduction-philosophy", "calculus": "openstax-calculus-volume-1"}
ABOVE = {"understand", "apply", "analyze", "evaluate", "create"}


def _sections(store, v) -> list[str]:
    rows = store.select("""PREFIX kgs: <https://w3id.org/kgstudio/ns#>
        SELECT ?ch WHERE { ?ch a kgs:Chapter ; kgs:position ?p } ORDER BY ?p""")
    return [s.iri for r in rows for s in v.parts(str(r["ch"]))]


def _norm(t: str) -> str:
    return " ".join(re.findall(r"\w+", (t or "").casefold()))


def verify(b, it) -> bool:
    """Re-derive the key of a generated item independently of the builder."""
    from generation.content.quiz import item_kind
    from generation.content.sandbox import run_python
    from generation.template import first_sentence, mask
    v = b.view
    kind = item_kind(it)
    c = v.concepts.get(it.concept)
    if kind == "code":
        m = re.search(r"```python\n(.*?)\n```", it.stem, re.S)
        if not m:
            return False
        q = re.match(r"What is the value of (\w+) after|What does the call (.+) return", it.stem)
        code = m.group(1) + (f"\nprint(repr({q.group(1) or q.group(2)}))" if q else "")
        r = run_python(code)
        out = " / ".join(r.stdout.rstrip("\n").split("\n"))
        keys = [ch for ch in it.choices if ch.correct]
        return r.ok and out == it.answer and len(keys) == 1 and keys[0].text == out \
            and all(ch.text != out for ch in it.choices if not ch.correct)
    if kind == "code_fix":   # each option's edit applied to the stem's listing and run: only the key's gives it
        m = re.search(r"```\n(.*?)\n```", it.stem, re.S)
        want = re.search(r"It should print:\n\n```\n(.*?)\n```|It should print `(.*?)`\.|"
                         r"After it runs, `(\w+)` should be `(.*?)`\.|The call `(.+?)` should return `(.*?)`\.", it.stem, re.S)
        if not m or not want:
            return False
        lines = [re.sub(r"^\s*\d+  ", "", ln, count=1) for ln in m.group(1).split("\n")]
        g = want.groups()
        asked = g[2] or g[4]
        target = " / ".join((g[0] or "").split("\n")) if g[0] else (g[1] or g[3] or g[5])
        outs = []
        for ch in it.choices:
            opt = re.match(r"Replace line (\d+) with `(.*)`$", ch.text, re.S)
            if not opt or not 1 <= int(opt.group(1)) <= len(lines):
                return False
            k = int(opt.group(1)) - 1
            prog = lines[:k] + [lines[k][:len(lines[k]) - len(lines[k].lstrip())] + opt.group(2)] + lines[k + 1:]
            r = run_python("\n".join(prog) + (f"\nprint(repr({asked}))" if asked else ""))
            outs.append((ch.correct, r.ok and " / ".join(r.stdout.rstrip("\n").split("\n")) == target))
        return sum(c for c, _ in outs) == 1 and all(c == hit for c, hit in outs)
    if kind == "math":     # recomputed from the stem's text alone (sympy / statistics), compared by value
        from generation.content.math_items import MathRefused, check_key
        keys = [ch for ch in it.choices if ch.correct]
        try:
            ok = check_key(it.stem, it.answer)
        except (MathRefused, ValueError, TypeError, NotImplementedError):
            ok = False
        return bool(ok) and len(keys) == 1 and keys[0].text == it.answer \
            and all(ch.text != it.answer for ch in it.choices if not ch.correct)
    if c is None:
        return False
    if kind == "example":
        from kg.evidence import evidence
        words = set(_norm(re.sub(r"\b([Aa])\(n\)", r"\1", it.answer)).split())
        if any(words <= set(_norm(e.text).split()) for e in evidence(b.store, c.iri, kinds=["example"])):
            return True
        # an example the book gives right after a sentence about the concept: the cited
        # sentence is in its section's text, just after one that names the concept
        key = it.triples[0] if it.triples and it.triples[0].p.endswith("#text") else None
        if key is None or not words <= set(_norm(key.o).split()):
            return False
        text = _norm(v.section(key.s).text or "")
        at = text.find(_norm(key.o))
        return at > 0 and f" {_norm(c.label)}" in " " + text[max(0, at - 400):at]
    if kind == "classify":
        from kg.evidence import evidence
        if it.stem.startswith("Which concept does this passage"):   # a sentence of the cited section
            examples = {t.o for t in it.triples if t.p.endswith("#text")
                        and _norm(t.o) in _norm(v.section(t.s).text or "") + " " + _norm(v.section(t.s).summary or "")}
        else:
            examples = {e.text for e in evidence(b.store, c.iri, kinds=["example"])}
        cited = [t.o for t in it.triples if t.p.endswith("#text") and t.o in examples]
        wrong = [v.concepts[o].label for o in it.concepts[1:] if o in v.concepts]
        return _norm(it.answer) == _norm(c.label) and bool(cited) and not any(
            re.search(r"(?i)\b" + re.escape(w) + r"\b", cited[0]) for w in wrong)
    if kind in ("multichoice", "shortanswer"):
        return _norm(it.answer) == _norm(c.label)
    if kind == "cloze":
        return _norm(it.answer) in {_norm(c.label)} | {_norm(x) for x in c.alt_labels}
    if kind == "contrast":
        return _norm(it.answer) == _norm(mask(c.label, first_sentence(c.definition)))
    if kind == "truefalse":
        statement = re.sub(r"^True or false:\s*", "", it.stem)
        if it.answer == "true":
            texts = [t.o for t in it.triples if t.p.endswith("#text") or t.p.endswith("/text")]
            return any(_norm(statement) in _norm(t) for t in texts)
        others = [o for o in it.concepts[1:] if o in v.concepts]
        return any(_norm(first_sentence(v.concepts[o].definition))[:40] in _norm(statement)
                   and _norm(first_sentence(v.concepts[o].definition)) != _norm(first_sentence(c.definition))
                   for o in others)
    if kind == "matching":
        by_label = {x.label: x for x in v.concepts.values()}
        return all(t in by_label and _norm(d) == _norm(first_sentence(mask(t, by_label[t].definition)))
                   for t, d in it.pairs)
    return False


def _reason(r: str) -> str:
    if r.startswith("flaw "):
        return r.split(":")[0]
    if r.startswith("code listing") and (": fix item: " in r or "'which change fixes it'" in r):
        return "code_fix: " + ("an edit fixes it as well" if "fixes the bug as well" in r else
                               "fewer than 2 failing edits" if "fewer than 2" in r else
                               "no slip prints otherwise" if "no one-line slip" in r else
                               "execution off" if "execution is off" in r else "other")
    if r.startswith("code listing"):
        return "code: " + ("mutant equals key" if "equals the key" in r else
                           "fewer than 2 differing mutants" if "fewer than 2" in r else
                           "listing does not run" if "does not run" in r else "other")
    if r.startswith("math in"):
        why = r.split("”: ", 1)[-1]
        return "math: " + ("timed out" if "timed out" in why else "refused" if why.startswith("refused") else
                           "fewer than 2 differing slips" if "fewer than 2" in why else why[:30])
    if r.startswith("curriculum item"):
        return "curriculum: " + r.split(">: ", 1)[-1][:40]
    if "same definition" in r or "same label" in r:
        return "ambiguous: shared definition/label"
    if "matching set" in r:
        return "ambiguous: matching set"
    return "other: " + r.split(":", 1)[-1].strip()[:40]


def run_book(name: str, store, sections: list[str], log) -> dict:
    from generation.content import flaws
    from generation.content.builder import Builder
    from generation.content.quiz import build_quiz, item_kind
    from kg.errors import KGStudioError
    b = Builder(store, similarity_kind="lexical")
    v = b.view
    kinds, bloom, dropped = Counter(), Counter(), Counter()
    gen = above = gen_obj = above_obj = verified = flawed_after = 0
    found_before = cand = 0
    cur = cur_flawed = 0
    times, samples = [], {}
    for s in sections:
        try:
            t = time.perf_counter()
            q = build_quiz(b, s, n=10)
            times.append(time.perf_counter() - t)
        except KGStudioError as e:
            dropped["scope: " + type(e).__name__] += 1
            continue
        objs = v.objectives(of=[s])
        asks_more = any(o.bloom and o.bloom != "remember" for o in objs)
        m = re.search(r"flaw gate: (\d+) generated items flawed", q.meta.comment)
        found_before += int(m.group(1)) if m else 0
        for r in q.rejected_reasons:
            dropped[_reason(r)] += 1
        n_flaw_drops = sum(1 for r in q.rejected_reasons if r.startswith("flaw "))
        for it in q.items:
            k = item_kind(it) if it.source == "generated" else f"curriculum {it.type}"
            kinds[k] += 1
            if it.source != "generated":
                cur += 1
                cur_flawed += bool(flaws.check(it))
                continue
            gen += 1
            bloom[it.bloom] += 1
            up = it.bloom in ABOVE
            above += up
            if asks_more:
                gen_obj += 1
                above_obj += up
            ok = verify(b, it)
            verified += ok
            flawed_after += bool(flaws.check(it, definitions=[v.concepts[it.concept].definition]
                                             if it.concept in v.concepts else []))
            if len(samples.setdefault(k, [])) < 3:
                samples[k].append({"section": v.section(s).label, "stem": it.stem, "key": it.answer,
                                   "options": [c.text for c in it.choices], "bloom": it.bloom, "verified": ok,
                                   "feedback": [c.feedback for c in it.choices if not c.correct][:2]})
        cand += sum(1 for it in q.items if it.source == "generated") + n_flaw_drops
    log(f"{name}: {len(sections)} sections, {gen} generated items, {cur} curriculum items")
    return {
        "sections": len(sections), "generated": gen, "curriculum_items": cur,
        "items_per_kind": dict(kinds.most_common()), "bloom_generated": dict(bloom.most_common()),
        "quiz_above_recall_share": round(above_obj / gen_obj, 3) if gen_obj else None,
        "quiz_above_recall_share_all": round(above / gen, 3) if gen else None,
        "quiz_flaw_rate": round(flawed_after / gen, 3) if gen else None,
        "quiz_flaw_rate_before_gate": round(found_before / cand, 3) if cand else None,
        "curriculum_flaw_rate": round(cur_flawed / cur, 3) if cur else None,
        "quiz_verified_key_share": round(verified / gen, 3) if gen else None,
        "dropped_by_reason": dict(dropped.most_common()),
        "quiz_s_median": round(sorted(times)[len(times) // 2], 3) if times else None,
        "samples": samples,
    }


def _first_quiz_here(ws: str) -> dict:
    """In this (fresh) process: the first and the second quiz on the workspace ``ws`` (as
    ``kgstudio quiz`` opens it: ``Builder.open``, the default similarity), and the first on a
    fresh in-memory store with ``lexical``."""
    from generation.content.builder import Builder
    from generation.content.quiz import build_quiz
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    from kg.workspace import Workspace
    sec = "https://w3id.org/kgstudio/id/foundations-of-programming/section/"
    out = {}
    t = time.perf_counter()
    with Builder.open(Workspace(ws)) as b:
        build_quiz(b, sec + "s4-1", n=10)
        out["first_quiz_s"] = round(time.perf_counter() - t, 2)
        out["first_quiz_similarity"] = b.similarity.name
        out["first_quiz_model_loaded"] = bool(__import__("kg.embeddings").embeddings._models)
        t = time.perf_counter()
        build_quiz(b, sec + "s4-2", n=10)
        out["second_quiz_s"] = round(time.perf_counter() - t, 2)
    store = EmbeddedStore(None)
    import_sources(store, [demo_curriculum_path()])
    t = time.perf_counter()
    build_quiz(Builder(store, similarity_kind="lexical"), sec + "s4-1", n=10)
    out["first_quiz_lexical_s"] = round(time.perf_counter() - t, 2)
    store.close()
    return out


def first_quiz() -> dict:
    """A new user's first quiz: a fresh workspace built as ``make run`` builds it
    (``kgstudio init``, ``kgstudio import --demo``, which computes the concept embeddings;
    timed apart as ``build_s``) with an empty embedding cache (``KGSTUDIO_CACHE`` in a
    temporary folder), then :func:`_first_quiz_here` in a new Python process."""
    import json
    import os
    import subprocess
    import tempfile
    kg = str(Path(sys.executable).parent / "kgstudio")
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KGSTUDIO_CACHE": cache, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        ws = str(Path(tmp) / "ws")
        t = time.perf_counter()
        subprocess.run([kg, "init", ws], env=env, check=True, capture_output=True, timeout=300)
        r = subprocess.run([kg, "import", "-w", ws, "--demo", "-q"], env=env, capture_output=True, text=True,
                           timeout=900)
        build_s = round(time.perf_counter() - t, 1)
        if r.returncode:
            raise SystemExit(f"kgstudio import failed: {r.stderr[-2000:]}")
        la = os.getloadavg()[0]
        r = subprocess.run([sys.executable, __file__, "--first-quiz-only", ws], env=env, capture_output=True,
                           text=True, timeout=900)
    line = next((ln for ln in reversed(r.stdout.splitlines()) if ln.startswith("{")), None)
    if line is None:
        raise SystemExit(f"first quiz failed: {r.stderr[-2000:]}")
    out = json.loads(line)
    out["build_s"] = build_s
    out["first_quiz_load_average"] = round(max(la, os.getloadavg()[0]), 1)
    return out


JUDGE_KEYS = ("quiz_keep_rate", "quiz_keep_rate_book", "quiz_wrong_keys", "quiz_wrong_keys_book",
              "distractor_plausible_rate", "quiz_judged_generated", "quiz_judged_book")


def _last_judgement() -> dict:
    """The blind judgement's figures (``quiz_judge.py score``) from the results file being
    replaced, kept apart with their date: they judged the generator of that date, not this
    run's items."""
    import json
    path = Path(__file__).resolve().parent / "results" / "quiz.json"
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    m = old.get("metrics", {})
    if any(k in m for k in JUDGE_KEYS):
        return {**{k: m[k] for k in JUDGE_KEYS if k in m}, "judged_items_of": old.get("when", "")}
    return old.get("judge_last_round", {})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--books", default=",".join(BOOKS), help="comma list of " + ", ".join(BOOKS) + " (or none)")
    ap.add_argument("--sections", type=int, default=12, help="sections per OpenStax book, evenly spread")
    ap.add_argument("--first-quiz-only", metavar="WORKSPACE", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--first-quiz", action="store_true", help="only measure the first quiz (no books)")
    ap.add_argument("--no-write", action="store_true", help="print, skip the first quiz, write nothing")
    args = ap.parse_args(argv)
    if args.first_quiz_only:
        import json
        print(json.dumps(_first_quiz_here(args.first_quiz_only)))
        return 0
    if args.first_quiz:
        print(first_quiz())
        return 0
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    from generation.content.graph import GraphView

    def log(msg):
        print(msg, file=sys.stderr, flush=True)
    results, rows = {}, []
    t0 = time.perf_counter()
    store = EmbeddedStore(None)
    import_sources(store, [demo_curriculum_path()])
    results["demo"] = run_book("demo", store, _sections(store, GraphView(store)), log)
    store.close()
    for key in [k for k in args.books.split(",") if k in BOOKS]:
        path = SHARED / "data" / "curricula" / BOOKS[key]
        if not path.exists():
            log(f"{path} missing: {key} skipped")
            continue
        store = EmbeddedStore(None)
        t = time.perf_counter()
        import_sources(store, [path])
        log(f"{key}: imported in {time.perf_counter() - t:.1f} s")
        secs = _sections(store, GraphView(store))
        step = max(1, len(secs) // max(1, args.sections))
        results[key] = run_book(key, store, secs[::step][:args.sections], log)
        store.close()
    fq = {} if args.no_write else first_quiz()
    metrics: dict = dict(fq)
    gen = sum(r["generated"] for r in results.values())

    def pooled(field_, weight="generated"):
        vals = [(r[field_], r[weight]) for r in results.values() if r[field_] is not None]
        w = sum(n for _, n in vals)
        return round(sum(x * n for x, n in vals) / w, 3) if w else None
    metrics.update({"quiz_above_recall_share": pooled("quiz_above_recall_share"),
                    "quiz_flaw_rate": pooled("quiz_flaw_rate"),
                    "quiz_flaw_rate_before_gate": pooled("quiz_flaw_rate_before_gate"),
                    "quiz_verified_key_share": pooled("quiz_verified_key_share"),
                    "generated_items": gen})
    for k, r in results.items():
        for f in ("quiz_above_recall_share", "quiz_flaw_rate", "quiz_verified_key_share"):
            metrics[f"{f}_{k}"] = r[f]
        rows.append([k, r["sections"], r["generated"], r["quiz_above_recall_share"], r["quiz_flaw_rate"],
                     r["quiz_flaw_rate_before_gate"], r["curriculum_flaw_rate"], r["quiz_verified_key_share"],
                     ", ".join(f"{a}={n}" for a, n in r["items_per_kind"].items())])
    print(table(rows, ["book", "sections", "generated", "above recall", "flaw rate", "flawed before gate",
                       "book's own flawed", "verified keys", "items per kind"]))
    print({k: v for k, v in metrics.items() if not any(k.endswith("_" + b) for b in results)})
    if args.no_write:
        return 0
    extra = {"books": results, "total_s": round(time.perf_counter() - t0, 1)}
    prev = _last_judgement()
    if prev:
        extra["judge_last_round"] = prev
    out = write_results("quiz", metrics, extra)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
