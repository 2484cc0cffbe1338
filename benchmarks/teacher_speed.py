"""Time per training epoch of the GNN teacher (issue 3), merged into ``results/prereq.json``.

* OpenStax *Psychology 2e* and *Introductory Statistics 2e*, each imported into a fresh
  workspace (MiniLM features, all labels);
* a generated curriculum (``kg.synthetic``) of about 1M edges, without text features
  (embedding 100k texts alone takes ~10 minutes on 2 cores; the epoch time depends on the
  graph, not on where the features came from).

``--batch full,mini`` also times neighbour-sampled epochs (``LinkNeighborLoader``; needs
``kgstudio[scale]``), written with a ``_minibatch`` suffix.

Writes ``epoch_s_psychology_cpu``, ``epoch_s_statistics_cpu``, ``epoch_s_synthetic_cpu`` and, when the synthetic graph
has at least 1M forward edges (reverse edges not counted), ``epoch_s_1m_edges_cpu`` (``..._gpu`` too when CUDA is present) into
``benchmarks/results/prereq.json``, keeping the other metrics.

Building the teacher data used to be quadratic in the number of concepts (the
weak-definition labels matched every definition against one regex alternation of every
label); :func:`gnn.data.label_matcher` made it linear (7k concepts: 22.6 s -> 9.1 s).

Run: ``.venv/bin/python benchmarks/teacher_speed.py [--concepts N] [--epochs N] [--batch full,mini]
[--batch-size N] [--books psychology,statistics] [--data-cache FILE] [--build-only]``
(``--data-cache``: keep the synthetic teacher data in FILE and reuse it next time).
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
from gnn.data import TeacherData, build_teacher_data  # noqa: E402
from gnn.train import make_split, minibatch_available, train_teacher  # noqa: E402
from kg.importing import import_sources  # noqa: E402
from kg.iris import source_graph  # noqa: E402
from kg.synthetic import synthetic_curriculum  # noqa: E402
from kg.workspace import Workspace  # noqa: E402


def epoch_seconds(td, device: str, epochs: int, batch: str = "full", batch_size: int = 1024) -> float:
    cfg = TeacherConfig(epochs=epochs, device=device, eval_every=epochs, checkpoint_every=10**6,
                        batch=batch, batch_size=batch_size)
    return train_teacher(td, cfg).epoch_seconds


BOOKS = {"psychology": "openstax-psychology-2e", "statistics": "openstax-introductory-statistics-2e"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--concepts", type=int, default=135_000,
                    help="synthetic concepts (about 7.5 forward edges each, so 135k give 1M "
                         "forward edges, 2M with the reverses)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", default="full",
                    help="comma list of full,mini (mini needs kgstudio[scale])")
    ap.add_argument("--books", default="psychology,statistics",
                    help="comma list of OpenStax books to time (empty: none)")
    ap.add_argument("--batch-size", type=int, default=1024,
                    help="mini-batch size on the synthetic graph (supervision pairs per step)")
    ap.add_argument("--data-cache", default=None,
                    help="file for the synthetic teacher data: read when it exists, else written")
    ap.add_argument("--build-only", action="store_true",
                    help="only build (and cache) the synthetic teacher data")
    args = ap.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    batches = [b for b in args.batch.split(",") if b]
    if "mini" in batches and not minibatch_available() and not args.build_only:
        sys.exit("--batch mini: neither pyg-lib nor torch-sparse is installed (kgstudio[scale])")
    metrics: dict = {}
    rows = []

    def suffix(dev, batch):
        return dev + ("_minibatch" if batch == "mini" else "")

    for book in [b for b in args.books.split(",") if b]:
        ws = Workspace.init(tempfile.mkdtemp(prefix="kgs-teacher-"))
        with ws.open_store() as store:
            import_sources(store, [SHARED / "data" / "curricula" / BOOKS[book]], validate=False)
            td = build_teacher_data(store)
        n_edges = sum(int(td.data[et].edge_index.shape[1]) for et in td.data.edge_types)
        for dev in devices:
            for batch in batches:
                s = epoch_seconds(td, dev, max(args.epochs, 10), batch)
                metrics[f"epoch_s_{book}_{suffix(dev, batch)}"] = s
                rows.append([f"OpenStax {book}", f"{td.data.num_nodes:,}", f"{n_edges:,}", dev,
                             batch, f"{s:.3f}"])
                print(rows[-1], flush=True)

    cache = Path(args.data_cache) if args.data_cache else None
    if cache is not None and cache.exists():
        td = TeacherData.load(cache)            # built by an earlier run with these arguments
        t_load = prep = float("nan")
        print(f"synthetic teacher data read from {cache}", flush=True)
    else:
        ws = Workspace.init(tempfile.mkdtemp(prefix="kgs-teacher-"))
        t = time.perf_counter()
        with ws.open_store() as store:
            store.replace_graphs({str(source_graph("synthetic")): synthetic_curriculum(args.concepts, seed=3)})
            t_load = time.perf_counter() - t
            t = time.perf_counter()
            td = build_teacher_data(store, embed=False)
            prep = time.perf_counter() - t
        if cache is not None:
            td.save(cache)
    if args.build_only:
        print(f"built: store load {t_load:.0f} s, teacher data {prep:.0f} s")
        return
    t = time.perf_counter()
    make_split(td, TeacherConfig())
    t_split = time.perf_counter() - t
    n_edges = sum(int(td.data[et].edge_index.shape[1]) for et in td.data.edge_types)
    n_fwd = td.summary()["edges"]           # forward edges (the graph's own), reverses not counted
    metrics.update(synthetic_concepts=args.concepts, synthetic_edges=n_edges,
                   synthetic_forward_edges=n_fwd, synthetic_nodes=int(td.data.num_nodes),
                   synthetic_split_s=round(t_split, 1))
    if prep == prep:                          # not NaN: built in this run
        metrics.update(synthetic_store_load_s=round(t_load, 1), synthetic_build_s=round(prep, 1))
    print(f"synthetic {args.concepts:,} concepts: store load {t_load:.0f} s, teacher data "
          f"{prep:.0f} s, split {t_split:.0f} s", flush=True)
    for dev in devices:
        for batch in batches:
            s = epoch_seconds(td, dev, args.epochs, batch, args.batch_size)
            metrics[f"epoch_s_synthetic_{suffix(dev, batch)}"] = s
            if n_fwd >= 1_000_000:
                metrics[f"epoch_s_1m_edges_{suffix(dev, batch)}"] = s
            rows.append([f"synthetic ({args.concepts:,} concepts; teacher data built in {prep:.0f} s)",
                         f"{td.data.num_nodes:,}", f"{n_edges:,}", dev, batch, f"{s:.2f}"])
            print(rows[-1], flush=True)

    print(table(rows, ["graph", "nodes", "edges (with reverses)", "device", "batch", "s / epoch"]))
    out = RESULTS / "prereq.json"
    data = json.loads(out.read_text()) if out.exists() else {"metrics": {}}
    data["metrics"].update(metrics)
    data.setdefault("teacher_speed", {})["machine"] = machine()
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"updated {out}")


if __name__ == "__main__":
    main()
