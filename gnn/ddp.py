"""Training the teacher in several processes: DistributedDataParallel, gloo on CPU, nccl on GPU.

Entry point for ``torchrun`` (one process per GPU, or several CPU processes)::

    torchrun --nproc-per-node 2 -m gnn.ddp -w WORKSPACE --epochs 100
    torchrun --nproc-per-node 2 -m gnn.ddp --data teacher-data.pt --out DIR --epochs 100

With ``-w`` rank 0 builds the teacher data from the workspace's store (one process opens
the embedded store) and saves it to ``models/teacher/data.pt``; the other ranks wait at a
barrier and load that file. Every rank holds the whole graph (full-batch message
passing) and the same split (seeded); each rank takes every ``world``-th supervision
pair and labelled node, and DDP averages the gradients, so one step sees every label
once, as the single-process step does. Rank 0 writes the checkpoints.

:func:`spawn` starts ``world`` local processes with ``torch.multiprocessing`` (what the
tests use); ``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT`` itself.

Limitations: full-batch only (every rank runs message passing over the whole graph, so
more processes buy more label throughput, not a bigger graph); the random negatives
differ per rank, so a DDP run is not bit-identical to a one-process run -- it evaluates
alike within noise (the test allows 0.05 AUC).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist

from gnn.config import TeacherConfig
from kg.workspace import Workspace

__all__ = ["main", "spawn", "run_rank"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_rank(rank: int, world: int, data_path: str, cfg_dict: dict, out_dir: str | None,
             result_path: str | None = None, local_rank: int | None = None) -> dict:
    """Train as rank ``rank`` of ``world`` (process group initialised from the environment)."""
    from gnn.data import TeacherData
    from gnn.train import train_teacher
    cfg = TeacherConfig.from_dict(cfg_dict)
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    local = rank if local_rank is None else local_rank
    if use_cuda:
        torch.cuda.set_device(local % torch.cuda.device_count())
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo", rank=rank, world_size=world)
    try:
        td = TeacherData.load(data_path)
        r = train_teacher(td, cfg, out_dir=out_dir, rank=rank, world=world, local_rank=local,
                          log=lambda m: print(m, file=sys.stderr))
        summary = {k: v for k, v in r.metrics.items() if isinstance(v, (int, float, str)) or v is None}
        if result_path and rank == 0:
            Path(result_path).write_text(json.dumps(summary, default=float), encoding="utf-8")
        dist.barrier()
        return summary
    finally:
        dist.destroy_process_group()


def _spawned(rank: int, world: int, port: int, data_path: str, cfg_dict: dict, out_dir, result_path):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    run_rank(rank, world, data_path, cfg_dict, out_dir, result_path)


def spawn(data_path: str | Path, cfg: TeacherConfig, *, world: int = 2, out_dir: str | Path | None = None,
          result_path: str | Path | None = None) -> dict:
    """Train with ``world`` local processes (gloo on CPU); returns rank 0's metrics."""

    import torch.multiprocessing as mp
    own = result_path is None
    if own:
        fd, result_path = tempfile.mkstemp(suffix=".json")
        os.close(fd)
    try:
        mp.spawn(_spawned, args=(world, _free_port(), str(data_path), cfg.to_dict(),
                                 str(out_dir) if out_dir else None, str(result_path)),
                 nprocs=world, join=True)
        return json.loads(Path(result_path).read_text(encoding="utf-8"))
    finally:
        if own:
            Path(result_path).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """``torchrun ... -m gnn.ddp`` entry point."""
    ap = argparse.ArgumentParser(prog="python -m gnn.ddp", description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("-w", "--workspace", help="workspace folder (rank 0 reads its store)")
    src.add_argument("--data", help="a saved TeacherData file (gnn.data.TeacherData.save)")
    ap.add_argument("--out", help="output folder (default: the workspace's models/teacher)")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    ap.add_argument("--arch", choices=["sage", "hgt", "rgcn"], default=None)
    ap.add_argument("--no-text", action="store_true", help="structural node features only")
    ap.add_argument("--result", help="write rank 0's metrics here as JSON")
    a = ap.parse_args(argv)
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", str(rank)))
    overrides = {k: v for k, v in (("epochs", a.epochs), ("device", a.device), ("arch", a.arch)) if v is not None}
    if a.no_text:
        overrides["use_text"] = False
    cfg = TeacherConfig(**overrides)
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if use_cuda:
        torch.cuda.set_device(local % torch.cuda.device_count())
    dist.init_process_group(backend="nccl" if use_cuda else "gloo", rank=rank, world_size=world)
    data_path = a.data
    out = a.out
    if a.workspace:
        from gnn.checkpoint import teacher_dir
        ws = Workspace(a.workspace)
        out = out or str(teacher_dir(ws))
        data_path = str(Path(out) / "data.pt")
        if rank == 0:
            from gnn.data import build_teacher_data
            with ws.open_store(read_only=True) as store:
                td = build_teacher_data(store, embed=cfg.use_text, difficulty_bins=cfg.difficulty_bins,
                                        model=ws.settings.get("embeddings.model"))
            td.save(data_path)
        dist.barrier()
    run_rank(rank, world, data_path, cfg.to_dict(), out, a.result, local)
    return 0


if __name__ == "__main__":
    sys.exit(main())
