"""Time per training epoch of the GNN teacher (issue 3), merged into ``results/prereq.json``.

* OpenStax *Psychology 2e* imported into a fresh workspace (MiniLM features, all labels);
* a generated curriculum (``kg.synthetic``) of about 1M edges, without text features
  (embedding 100k texts alone takes ~10 minutes on 2 cores; the epoch time depends on the
  graph, not on where the features came from).

Writes ``epoch_s_psychology_cpu``, ``epoch_s_synthetic_cpu`` and, when the synthetic graph
has at least 1M edges, ``epoch_s_1m_edges_cpu`` (``..._gpu`` too when CUDA is present) into
``benchmarks/results/prereq.json``, keeping the other metrics.

Known problem: with 100k concepts (about 1.5M edges) the run did not finish within 20
minutes on 2 cores (5k concepts: 10 s to build, 0.95 s an epoch); where the time goes
(building the teacher data or the split) is still to be found.

Run: ``.venv/bin/python benchmarks/teacher_speed.py [--concepts N] [--epochs N]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from _common import RESULTS, SHARED, machine, table  # noqa: E402
from gnn.config import TeacherConfig  # noqa: E402
from gnn.data import build_teacher_data  # noqa: E402
from gnn.train import train_teacher  # noqa: E402
from kg.importing import import_sources  # noqa: E402
from kg.iris import source_graph  # noqa: E402
from kg.synthetic import synthetic_curriculum  # noqa: E402
from kg.workspace import Workspace  # noqa: E402


def epoch_seconds(td, device: str, epochs: int) -> float:
    cfg = TeacherConfig(epochs=epochs, device=device, eval_every=epochs, checkpoint_every=10**6)
    return train_teacher(td, cfg).epoch_seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--concepts", type=int, default=100_000,
                    help="synthetic concepts (about 15 edges each, reverses included)")
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    metrics: dict = {}
    rows = []

    psych = SHARED / "data" / "curricula" / "openstax-psychology-2e"
    ws = Workspace.init(tempfile.mkdtemp(prefix="kgs-teacher-"))
    with ws.open_store() as store:
        import_sources(store, [psych], validate=False)
        td = build_teacher_data(store)
    n_edges = sum(int(td.data[et].edge_index.shape[1]) for et in td.data.edge_types)
    for dev in devices:
        s = epoch_seconds(td, dev, max(args.epochs, 10))
        metrics[f"epoch_s_psychology_{dev}"] = s
        rows.append(["OpenStax psychology", f"{td.data.num_nodes:,}", f"{n_edges:,}", dev, f"{s:.3f}"])

    ws = Workspace.init(tempfile.mkdtemp(prefix="kgs-teacher-"))
    t = time.perf_counter()
    with ws.open_store() as store:
        store.replace_graphs({str(source_graph("synthetic")): synthetic_curriculum(args.concepts, seed=3)})
        td = build_teacher_data(store, embed=False)
    prep = time.perf_counter() - t
    n_edges = sum(int(td.data[et].edge_index.shape[1]) for et in td.data.edge_types)
    metrics["synthetic_edges"] = n_edges
    for dev in devices:
        s = epoch_seconds(td, dev, args.epochs)
        metrics[f"epoch_s_synthetic_{dev}"] = s
        if n_edges >= 1_000_000:
            metrics[f"epoch_s_1m_edges_{dev}"] = s
        rows.append([f"synthetic ({args.concepts:,} concepts; built in {prep:.0f} s)",
                     f"{td.data.num_nodes:,}", f"{n_edges:,}", dev, f"{s:.2f}"])

    print(table(rows, ["graph", "nodes", "edges (incl. reverses)", "device", "s / epoch"]))
    out = RESULTS / "prereq.json"
    data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
    data["metrics"].update(metrics)
    data.setdefault("teacher_speed", {})["machine"] = machine()
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"updated {out}")


if __name__ == "__main__":
    main()
