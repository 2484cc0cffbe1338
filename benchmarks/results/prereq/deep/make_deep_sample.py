import sys, random, csv, os
sys.path.insert(0,'.')
from kg.workspace import Workspace
from kg.neighbourhood import _info
from gnn.suggest import suggest_prereqs
book = sys.argv[1]
ws = Workspace(f'/tmp/prereq_ws/{book}')
out, info = suggest_prereqs(ws, top_k=100, write=False)
deep = [s for s in out if s.rank > 40]
with ws.open_store(read_only=True) as st:
    inf = _info(st, sorted({x for s in deep for x in (s.a, s.b)}))
rng = random.Random(77); order = list(deep); rng.shuffle(order)
d = f"/tmp/jdeep_{book}"; os.makedirs(d, exist_ok=True)
lines = [f"# Prerequisite pairs to judge: {book} ({len(order)} pairs)", f"# Write {d}/scores.csv with columns id,judge,reason (judge: 1 = yes, B must be understood first; 0 = no).", ""]
key = []
for i, s in enumerate(order, 1):
    iid = f"{book[:3]}-x{i:03d}"
    la, lb = inf[s.a], inf[s.b]
    lines += [f"[{iid}]", f"Concept A: {la[1]} — {(la[2] or '(no definition)').strip()}", f"Concept B: {lb[1]} — {(lb[2] or '(no definition)').strip()}",
              "Must a learner understand B before A can be learned? (1 yes / 0 no, with a one-line reason)", "Evidence:"]
    lines += [f"  - {e}" for e in s.evidence] or ["  - (no evidence found in the text or the accepted prerequisites)"]
    lines.append("")
    key.append({"id": iid, "rank": s.rank, "basis": s.basis or "teacher", "later": int(s.basis_later), "prob": s.score, "a": la[1], "b": lb[1]})
open(f"{d}/items.txt", "w").write("\n".join(lines))
os.makedirs("benchmarks/results/prereq/deep", exist_ok=True)
with open(f"benchmarks/results/prereq/deep/deep_key_{book}.csv", "w", newline="") as fh:
    w = csv.DictWriter(fh, fieldnames=list(key[0])); w.writeheader(); w.writerows(key)
from collections import Counter
print(book, len(order), Counter((k["basis"], k["later"]) for k in key))
