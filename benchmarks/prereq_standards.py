"""Prerequisite suggestions on standards frameworks (issue 14, "curricula of other shapes"):
blind-judged precision of the product's list beside the teacher's list and a sceptic's
baseline.

A standards framework (CASE: the Common Core; the BNCC) has no glossary, so the book's
definition links (:mod:`kg.definition_links`) give nothing; the product's list there is
the progression links of :mod:`kg.progression_links`. The baselines, in the same judging
file:

* ``teacher``: ``kgstudio suggest-prereqs --no-definitions`` after ``kgstudio
  train-teacher`` (what the product listed before progression links existed), on the
  product's node type;
* ``nearest``: the sceptic's rule, each statement's single most similar statement of *any*
  earlier level (MiniLM cosine, no floor), ranked by cosine, at most 3 per statement on
  either side.

Rounds (files in ``results/prereq/standards/``): ``dev`` (40 links of the first rule, the
nearest earlier level, on the Common Core, and 10 teacher pairs: chose the floor and the
first rule's settings); round 1 (Common Core and BNCC, top 40 of each list; on the BNCC the
teacher's calibrated pairs came before every link, which led to ranking the teacher's pairs
by their judged share beside text links); round 2 (``--deep 30 --round _r2``: top 40 and 30
drawn from ranks 41-200 of the product's and the sceptic's lists; the sceptic's rule judged
as well or better, so the product now uses it: its list is the ``nearest`` list of round 2,
less the known edges).

Modes (each reads a workspace with the framework imported; ``NAME=WORKSPACE``):

* ``--dev-items NAME=WS``: a stratified sample of links of the first rule (10 from each
  cosine band from 0.45 up) and 10 of the teacher's top 40, shuffled
  (``/tmp/std_judge/<NAME>_dev_items.txt``; key in ``results/prereq/standards/``);
* ``--judge-items NAME=WS [--deep N] [--round _rK]``: the top ``--k`` (40) of the three
  lists (and N pairs drawn from ranks 41-200 of the product's and the sceptic's), shuffled
  together;
* ``--score-dev NAME`` / ``--score-judged NAME [--round _rK]``: reads
  ``/tmp/std_judge/<NAME>[_dev|_rK]_scores.csv`` (``id,judge,reason``) and writes each list's
  precision with a Wilson interval to ``results/prereq.json``
  (``standards_<NAME>_top40_precision[_<list>]``, ``..._rank41_200_precision[_nearest]``).

The judge sees the two statements (code, level, text) and the question, nothing else: no
evidence line, since only the product's links have one and it would tell the list.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from _common import RESULTS, machine, table  # noqa: E402
from kg.workspace import Workspace  # noqa: E402

OUT = RESULTS / "prereq" / "standards"
JUDGE_DIR = Path("/tmp/std_judge")
SEED = 71          # round 1; later rounds add 10 (--round _r2: 81)
QUESTION = ("Must a learner have mastered B before A can be learned, i.e. does A build on B? "
            "(1 yes / 0 no, with a one-line reason)")
BANDS = [(0.45, 0.55), (0.55, 0.65), (0.65, 0.75), (0.75, 1.01)]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / d
    return (round(c - h, 2), round(c + h, 2))


def statements(store, iris) -> dict[str, tuple[str, str, str]]:
    """``{iri: (code, level, text)}`` as the judge reads them (a concept: its label, a dash and
    its definition)."""
    from kg.progression_links import level_name
    from ontology.namespaces import KGS, RDFS, SKOS
    vals = " ".join(f"<{i}>" for i in iris)
    out: dict[str, dict] = {i: {"code": "", "lev": set(), "text": ""} for i in iris}
    for s, p, o in store.query(f"""SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {vals} }}
            VALUES ?p {{ <{RDFS.label}> <{SKOS.notation}> <{KGS.educationalLevel}> <{KGS.sourceId}> }}
            GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o""").rows:
        s, p, o = (str(getattr(x, "value", x)) for x in (s, p, o))
        r = out[s]
        if p == str(RDFS.label):
            r["text"] = r["text"] or " ".join(o.split())
        elif p == str(SKOS.notation):
            r["code"] = o
        elif p == str(KGS.sourceId):
            r["code"] = r["code"] or o
        else:
            r["lev"].add(o)
    from kg.neighbourhood import _info
    info = _info(store, list(iris))
    for i, (t, lab, d) in info.items():
        if t == "concept":
            out[i]["code"] = ""
            out[i]["text"] = f"{lab} — {' '.join(d.split()) if d else '(no definition)'}"
    return {i: (r["code"], level_name(r["lev"]), r["text"]) for i, r in out.items()}


def nearest_baseline(store, k: int, per_node: int = 3) -> list[tuple[str, str, float]]:
    """The sceptic's list: each statement's most similar statement of any earlier level."""
    from kg.progression_links import progression_links
    links = progression_links(store, min_similarity=-1.0, per_node=1, nearest=10 ** 6, nearest_level=False,
                              max_gap=None)
    ranked = sorted(links.values(), key=lambda lk: (-lk.similarity, lk.a, lk.b))
    used: dict[str, int] = {}
    out = []
    for lk in ranked:
        if used.get(lk.a, 0) >= per_node or used.get(lk.b, 0) >= per_node:
            continue
        used[lk.a] = used.get(lk.a, 0) + 1
        used[lk.b] = used.get(lk.b, 0) + 1
        out.append((lk.a, lk.b, lk.similarity))
        if len(out) == k:
            break
    return out


def teacher_list(ws, k: int, node_type: str | None) -> list[tuple[str, str, float]]:
    from gnn.checkpoint import teacher_dir
    from gnn.suggest import suggest_prereqs
    if not (teacher_dir(ws) / "teacher.pt").is_file():
        return []
    out, _ = suggest_prereqs(ws, top_k=k, write=False, definitions=False, node_type=node_type,
                             explain_evidence=False)
    return [(s.a, s.b, s.score) for s in out]


def write_items(name: str, suffix: str, lists: dict[str, list], ws, extra: dict | None = None) -> None:
    pairs: dict[tuple[str, str], dict] = {}
    for lname, rows in lists.items():
        for rank, (a, b, score) in enumerate(rows, 1):
            pairs.setdefault((a, b), {})[lname] = (rank, score)
    with ws.open_store(read_only=True) as store:
        st = statements(store, sorted({x for ab in pairs for x in ab}))
    order = sorted(pairs)
    random.Random(SEED).shuffle(order)
    ids = {ab: f"{name[:4]}-{i:03d}" for i, ab in enumerate(order, 1)}
    lines = [f"# Prerequisite pairs to judge: {name} ({len(order)} pairs)",
             "# For each item answer the question about A and B; write one row per item to",
             f"# {JUDGE_DIR / f'{name}{suffix}_scores.csv'} with the columns id,judge,reason",
             "# (judge: 1 = yes, A builds on B, so B must be mastered first; 0 = no).", ""]
    for ab in order:
        (ca, la, ta), (cb, lb, tb) = st[ab[0]], st[ab[1]]
        if la or lb or ca or cb:
            lines += [f"[{ids[ab]}]", f"Standard A: {ca} (level: {la}) {ta}",
                      f"Standard B: {cb} (level: {lb}) {tb}", QUESTION, ""]
        else:
            lines += [f"[{ids[ab]}]", f"Concept A: {ta}", f"Concept B: {tb}", QUESTION, ""]
    JUDGE_DIR.mkdir(parents=True, exist_ok=True)
    items = JUDGE_DIR / f"{name}{suffix}_items.txt"
    items.write_text("\n".join(lines), encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(items, OUT / f"{name}{suffix}_items.txt")
    fields = ["id", "lists", "a_iri", "b_iri"] + [f"{c}_{n}" for n in lists for c in ("rank", "score")] \
        + sorted({k for v in (extra or {}).values() for k in v})
    with (OUT / f"{name}{suffix}_key.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for ab in sorted(order, key=lambda x: ids[x]):
            row = {"id": ids[ab], "lists": "+".join(n for n in lists if n in pairs[ab]),
                   "a_iri": ab[0], "b_iri": ab[1], **(extra or {}).get(ab, {})}
            for n in lists:
                r = pairs[ab].get(n)
                row[f"rank_{n}"], row[f"score_{n}"] = (r[0], f"{r[1]:.4f}") if r else ("", "")
            w.writerow(row)
    print(f"{name}{suffix}: {len(order)} pairs -> {items}; "
          + ", ".join(f"{n}: {len(v)}" for n, v in lists.items()))


def dev_items(name: str, ws_path: str, node_type: str | None) -> None:
    from kg.progression_links import progression_links
    ws = Workspace(ws_path)
    with ws.open_store(read_only=True) as store:
        links = progression_links(store, min_similarity=BANDS[0][0])
    rng = random.Random(SEED)
    sample, extra = [], {}
    for lo, hi in BANDS:
        band = sorted(ab for ab, lk in links.items() if lo <= lk.similarity < hi)
        for ab in rng.sample(band, min(10, len(band))):
            lk = links[ab]
            sample.append((ab[0], ab[1], lk.similarity))
            rank_in_a = sorted((x.similarity for x in links.values() if x.a == ab[0]), reverse=True).index(lk.similarity) + 1
            extra[ab] = {"similarity": lk.similarity, "rank_in_a": rank_in_a, "a_level": lk.a_level,
                         "b_level": lk.b_level}
    teacher = teacher_list(ws, 40, node_type)
    lists = {"progression": sample, "teacher": rng.sample(teacher, min(10, len(teacher)))}
    write_items(name, "_dev", lists, ws, extra)


def judge_items(name: str, ws_path: str, k: int, node_type: str | None, deep: int = 0,
                deep_last: int = 200, suffix: str = "", calibrated: bool = False) -> None:
    """The top ``k`` of the product's, the teacher's and the sceptic's lists; with ``deep``,
    also ``deep`` pairs drawn at random from ranks ``k+1``..``deep_last`` of the product's
    and the sceptic's lists (``product_deep``, ``nearest_deep``), all in one shuffled file."""
    from gnn.suggest import suggest_prereqs
    ws = Workspace(ws_path)
    n = max(k, deep_last if deep else k)
    out, info = suggest_prereqs(ws, top_k=n, write=False, node_type=node_type, explain_evidence=False)
    with ws.open_store(read_only=True) as store:
        nearest = nearest_baseline(store, n)
    nt = node_type or (out[0].node_type if out else None)    # the teacher pairs the same type
    product = [(s.a, s.b, s.score) for s in out]
    lists = {"product": product[:k], "teacher": teacher_list(ws, k, nt), "nearest": nearest[:k]}
    if calibrated:     # the list with the teacher's calibrated probability trusted beside the links
        old, _ = suggest_prereqs(ws, top_k=k, write=False, node_type=node_type, explain_evidence=False,
                                 trust_teacher=True)
        lists["calibrated"] = [(x.a, x.b, x.score) for x in old]
    lists = {n: v for n, v in lists.items() if v}
    if deep:
        rng = random.Random(SEED + 1)
        for lname, full in (("product_deep", product), ("nearest_deep", nearest)):
            tail = full[k:deep_last]
            lists[lname] = rng.sample(tail, min(deep, len(tail)))
    write_items(name, suffix, lists, ws)
    data_path = RESULTS / "prereq.json"
    data = json.loads(data_path.read_text()) if data_path.exists() else {"metrics": {}}
    data.setdefault("standards", {}).setdefault(name, {})[f"items{suffix or '_round1'}"] = {
        "workspace": str(ws.root), "k": k, "method": info.get("method"), "deep": deep, "deep_last": deep_last,
        "lists": {n: len(v) for n, v in lists.items()}, "product_full": len(product), "nearest_full": len(nearest),
        "seed": SEED, "machine": machine()}
    data_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def score_judged(name: str, suffix: str = "") -> None:
    src = JUDGE_DIR / f"{name}{suffix}_scores.csv"
    key_path = OUT / f"{name}{suffix}_key.csv"
    with key_path.open(newline="", encoding="utf-8") as fh:
        key = {r["id"]: r for r in csv.DictReader(fh)}
    judged = {}
    with src.open(newline="", encoding="utf-8") as fh:
        for n, r in enumerate(csv.DictReader(fh), 2):
            i, j = (r.get("id") or "").strip(), (r.get("judge") or "").strip()
            if i not in key or j not in ("0", "1"):
                raise SystemExit(f"{src}:{n}: bad row {r}")
            judged[i] = j == "1"
    shutil.copyfile(src, OUT / f"{name}{suffix}_scores.csv")
    lists = [c[len("rank_"):] for c in next(iter(key.values())) if c.startswith("rank_")]
    rows, res = [], {}
    for ln in lists:
        ids = [i for i, r in key.items() if r[f"rank_{ln}"] and i in judged]
        yes = sum(judged[i] for i in ids)
        lo, hi = wilson(yes, len(ids))
        res[ln] = {"judged": len(ids), "yes": yes, "precision": round(yes / len(ids), 4) if ids else None,
                   "ci95": [lo, hi]}
        rows.append([name + suffix, ln, f"{yes}/{len(ids)}", f"{yes / max(len(ids), 1):.2f} [{lo:.2f}, {hi:.2f}]"])
    if suffix == "_dev" and "similarity" in next(iter(key.values())):
        for lo_b, hi_b in BANDS:
            ids = [i for i, r in key.items() if r["similarity"] and lo_b <= float(r["similarity"]) < hi_b and i in judged]
            yes = sum(judged[i] for i in ids)
            rows.append([name + suffix, f"progression cos [{lo_b:.2f}, {min(hi_b, 1):.2f})", f"{yes}/{len(ids)}", ""])
        for rk in ("1", "2"):
            ids = [i for i, r in key.items() if r.get("rank_in_a") == rk and i in judged]
            rows.append([name + suffix, f"progression, B is A's link no. {rk}",
                         f"{sum(judged[i] for i in ids)}/{len(ids)}", ""])
    print(table(rows, ["set", "list", "judged right", "precision [95% CI]"]))
    data_path = RESULTS / "prereq.json"
    data = json.loads(data_path.read_text()) if data_path.exists() else {"metrics": {}}
    data.setdefault("standards", {}).setdefault(name, {})[f"judged{suffix or '_test'}"] = res
    if suffix in ("", "_r2"):
        for ln, r in res.items():
            deep = ln.endswith("_deep")
            base, lname = ("rank41_200", ln[:-5]) if deep else ("top40", ln)
            tag = "" if lname == "product" else f"_{lname}"
            data["metrics"][f"standards_{name}_{base}_precision{tag}"] = r["precision"]
            data["metrics"][f"standards_{name}_{base}_precision{tag}_ci95"] = r["ci95"]
    data_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def scale(n: int) -> None:
    """Time :func:`kg.progression_links.progression_links` on a synthetic framework of ``n``
    statements over 13 grades (K-12), in one curriculum: words drawn from a fixed vocabulary,
    so texts are unlike each other and every cosine row is scanned. Embedding (MiniLM, cached
    after the first run) and linking are timed apart; peak RSS from ``resource``."""
    import resource
    import tempfile
    import time
    from kg.embeddings import embed
    from kg.importing import import_sources
    from kg.progression_links import progression_links
    from kg.store.embedded import EmbeddedStore
    rng = random.Random(5)
    vocab = ("add subtract multiply divide fraction decimal number place value ratio rate graph table "
             "equation expression function area volume angle shape measure data count compare order "
             "estimate round solve explain model reason pattern unit length time money").split()
    doc = "00000000-5555-4c5b-9c2e-000000000000"
    items, assoc = [], []
    for i in range(n):
        ident = f"00000000-5555-4c5b-9c2e-{i + 1:012d}"
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))).capitalize() + "."
        grade = rng.randint(0, 12)
        items.append({"identifier": ident, "uri": f"https://case.example.org/s{i}", "fullStatement": text,
                      "humanCodingScheme": f"S.{grade}.{i}", "educationLevel": ["KG" if grade == 0 else f"{grade:02d}"],
                      "CFItemType": "Standard"})
        assoc.append({"identifier": f"00000000-6666-4c5b-9c2e-{i:012d}", "associationType": "isChildOf",
                      "originNodeURI": {"title": "s", "identifier": ident, "uri": f"https://case.example.org/s{i}"},
                      "destinationNodeURI": {"title": "doc", "identifier": doc, "uri": "https://case.example.org/doc"}})
    pkg = {"CFPackage": {"CFDocument": {"identifier": doc, "uri": "https://case.example.org/doc", "creator": "bench",
                                        "title": f"Synthetic framework of {n} statements", "language": "en",
                                        "CFPackageURI": {"title": "s", "identifier": doc, "uri": "https://case.example.org/doc"}},
                         "CFItems": items, "CFAssociations": assoc}}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "framework.json"
        path.write_text(json.dumps(pkg), encoding="utf-8")
        store = EmbeddedStore(None)
        t0 = time.perf_counter()
        import_sources(store, [path], validate=False)
        t1 = time.perf_counter()
        embed([it["fullStatement"] for it in items])
        t2 = time.perf_counter()
        links = progression_links(store)
        t3 = time.perf_counter()
        store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(table([[n, f"{t1 - t0:.1f}", f"{t2 - t1:.1f}", f"{t3 - t2:.1f}", len(links), f"{rss:.0f}"]],
                ["statements", "import s", "embed s (first run)", "links s (cached vectors)", "links", "peak RSS MB"]))
    data_path = RESULTS / "prereq.json"
    data = json.loads(data_path.read_text()) if data_path.exists() else {"metrics": {}}
    data.setdefault("standards", {})[f"scale_{n}"] = {"import_s": round(t1 - t0, 2), "embed_s": round(t2 - t1, 2),
                                                      "links_s": round(t3 - t2, 2), "links": len(links),
                                                      "peak_rss_mb": round(rss), "machine": machine()}
    data_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev-items", metavar="NAME=WS")
    ap.add_argument("--judge-items", metavar="NAME=WS")
    ap.add_argument("--score-judged", metavar="NAME")
    ap.add_argument("--score-dev", metavar="NAME")
    ap.add_argument("--node-type", default=None)
    ap.add_argument("--k", type=int, default=40)
    ap.add_argument("--scale", type=int, default=0, metavar="N",
                    help="time the links on a synthetic framework of N statements")
    ap.add_argument("--deep", type=int, default=0, help="also this many pairs from ranks k+1..200 of "
                    "the product's and the sceptic's lists")
    ap.add_argument("--calibrated", action="store_true", help="also the list with the teacher's "
                    "calibrated probability trusted beside the text links")
    ap.add_argument("--round", default="", help="a suffix for the files of a later round (\"_r2\")")
    a = ap.parse_args()
    global SEED
    if a.round:
        SEED += 10 * (int(a.round.lstrip("_r") or 1) - 1)
    if a.scale:
        scale(a.scale)
    if a.dev_items:
        dev_items(*a.dev_items.split("=", 1), a.node_type)
    if a.judge_items:
        judge_items(*a.judge_items.split("=", 1), a.k, a.node_type, deep=a.deep, suffix=a.round,
                    calibrated=a.calibrated)
    if a.score_dev:
        score_judged(a.score_dev, "_dev")
    if a.score_judged:
        score_judged(a.score_judged, a.round)


if __name__ == "__main__":
    main()
