import sys, csv, random, os, glob
sys.path.insert(0,'.')
import numpy as np
from kg.workspace import Workspace
from kg.neighbourhood import _info
from kg.embeddings import embed
from gnn.suggest import suggest_prereqs
judged = set()
for f in glob.glob('benchmarks/results/prereq/round*/openstax_judge_key_*.csv') + glob.glob('benchmarks/results/prereq/openstax_judge_key_*.csv'):
    for r in csv.DictReader(open(f)): judged.add((r['a_label'], r['b_label']))
for f in glob.glob('benchmarks/results/prereq/dev/dev_key_*.csv') + glob.glob('benchmarks/results/prereq/deep/deep_key_*.csv'):
    for r in csv.DictReader(open(f)): judged.add((r['a'], r['b']))
rows = []
for book in ("psychology", "statistics", "philosophy", "calculus"):
    ws = Workspace(f'/tmp/prereq_ws/{book}')
    out, _ = suggest_prereqs(ws, top_k=400, write=False)
    links = [s for s in out if s.basis]
    with ws.open_store(read_only=True) as st:
        inf = _info(st, sorted({x for s in links for x in (s.a, s.b)}))
    da = [inf[s.a][2] or inf[s.a][1] for s in links]; db = [inf[s.b][2] or inf[s.b][1] for s in links]
    ea = embed(da); eb = embed(db)
    ea = ea / np.linalg.norm(ea, axis=1, keepdims=True); eb = eb / np.linalg.norm(eb, axis=1, keepdims=True)
    cos = (ea * eb).sum(1)
    for s, c in zip(links, cos):
        la, lb = inf[s.a][1], inf[s.b][1]
        rows.append(dict(book=book, rank=s.rank, basis=s.basis, defcos=round(float(c), 4), a=la, b=lb,
                         judged=int((la, lb) in judged), ad=inf[s.a][2] or '', bd=inf[s.b][2] or '', ev=s.evidence))
import collections
for thr in (0.6, 0.7, 0.8, 0.9):
    print(thr, collections.Counter((r['book'], r['rank'] <= 40) for r in rows if r['defcos'] >= thr))
rng = random.Random(5)
pool_hi = [r for r in rows if not r['judged'] and r['defcos'] >= 0.7]
pool_lo = [r for r in rows if not r['judged'] and 0.5 <= r['defcos'] < 0.7]
print('pools', len(pool_hi), len(pool_lo))
pick = rng.sample(pool_hi, min(45, len(pool_hi))) + rng.sample(pool_lo, min(25, len(pool_lo)))
rng.shuffle(pick)
d = '/tmp/jsyn'; os.makedirs(d, exist_ok=True)
lines = [f"# Concept pairs to judge ({len(pick)} pairs)", f"# Write {d}/scores.csv with columns id,same,judge,reason", ""]
key = []
for i, r in enumerate(pick, 1):
    iid = f"syn-{i:03d}"
    lines += [f"[{iid}] ({r['book']})", f"Concept A: {r['a']} — {r['ad'].strip()}", f"Concept B: {r['b']} — {r['bd'].strip()}",
              "Q1 same: are A and B the same concept under two names (1) or different concepts (0)?",
              "Q2 judge: must a learner understand B before A can be learned? (1 yes / 0 no)", ""]
    key.append({k: r[k] for k in ('book', 'rank', 'basis', 'defcos', 'a', 'b')} | {"id": iid})
open(f"{d}/items.txt", "w").write("\n".join(lines))
os.makedirs('benchmarks/results/prereq/dev2', exist_ok=True)
with open('benchmarks/results/prereq/dev2/syn_key.csv', 'w', newline='') as fh:
    w = csv.DictWriter(fh, fieldnames=list(key[0])); w.writeheader(); w.writerows(key)
print(len(pick))
