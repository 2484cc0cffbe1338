"""Dev sample for issue 14: definition-link tiers vs teacher pairs, blind."""
import sys, random, csv
sys.path.insert(0,'.')
import numpy as np, torch
from kg.workspace import Workspace
from kg.hetero import source_graphs
from kg.definition_links import definition_links
from kg.neighbourhood import _info
from gnn.checkpoint import load_checkpoint, teacher_dir
from gnn.data import build_teacher_data
from gnn.suggest import suggest, with_labels, with_evidence, similarity_vectors
book, seed = sys.argv[1], int(sys.argv[2])
ws = Workspace(f'/tmp/prereq_ws/{book}')
ck = load_checkpoint(teacher_dir(ws) / "teacher.pt")
with ws.open_store() as store:
    td = build_teacher_data(store, embed=ck.config.use_text, graphs=ck.graphs or None,
                            difficulty_bins=ck.config.difficulty_bins, model=ws.settings.get("embeddings.model"))
    model = ck.build_model()
    links = definition_links(store, ck.graphs or source_graphs(store))
    allsug = suggest(model, td, top_k=10**6, max_per_node=0, links=links)
    old = suggest(model, td, top_k=40, links=None)
    x = similarity_vectors(td, None, "concept")
    x = torch.nn.functional.normalize(x.float(), dim=1)
    row = {iri: i for i, iri in enumerate(td.index.iris["concept"])}
    rng = random.Random(seed)
    pick = []
    for kind in ("kind-of", "genus", "names"):
        pool = [s for s in allsug if s.basis == kind]
        pick += rng.sample(pool, min(14, len(pool)))
    oldk = {(s.a, s.b) for s in pick}
    pick += [s for s in rng.sample(old, 10) if (s.a, s.b) not in oldk]
    pick = with_evidence(store, with_labels(store, pick))
    info = _info(store, sorted({v for s in pick for v in (s.a, s.b)}))
rng.shuffle(pick)
lines = [f"# Prerequisite pairs to judge: {book} ({len(pick)} pairs)", "# Write /tmp/prereq_dev/judge_%s/scores.csv with columns id,judge,reason (judge: 1 = yes, B must be understood first; 0 = no)." % book, ""]
key = []
for i, s in enumerate(pick, 1):
    iid = f"{book[:3]}-d{i:03d}"
    la, lb = info[s.a], info[s.b]
    lines += [f"[{iid}]", f"Concept A: {la[1]} — {(la[2] or '(no definition)').strip()}",
              f"Concept B: {lb[1]} — {(lb[2] or '(no definition)').strip()}",
              "Must a learner understand B before A can be learned? (1 yes / 0 no, with a one-line reason)", "Evidence:"]
    lines += [f"  - {e}" for e in s.evidence] or ["  - (no evidence found)"]
    lines.append("")
    cos = float(x[row[s.a]] @ x[row[s.b]])
    key.append({"id": iid, "basis": s.basis or "teacher", "a": la[1], "b": lb[1], "prob": f"{s.score:.4f}", "raw": f"{s.raw_score:.4f}", "cos": f"{cos:.4f}"})
import os
os.makedirs(f"/tmp/prereq_dev/judge_{book}", exist_ok=True)
open(f"/tmp/prereq_dev/judge_{book}/items.txt", "w").write("\n".join(lines))
with open(f"/tmp/prereq_dev/key_{book}.csv", "w", newline="") as fh:
    w = csv.DictWriter(fh, fieldnames=list(key[0])); w.writeheader(); w.writerows(key)
from collections import Counter
print(book, len(pick), Counter(k["basis"] for k in key), "links", len(links), "candidates", len(allsug))
