"""The GPU run of the generation benchmark (issue 12): on one H100/H200, train the WebNLG
student and the curriculum students (with and without the teacher) and write ``_gpu``
metrics, in under 12 minutes of wall time; ``--smoke`` runs the same code on a CPU in about
a minute with toy sizes (the test suite runs it).

What it does, in order (each part timed, every figure keyed with ``_gpu``):

1. **WebNLG 2020** (``../shared/data/webnlg``; benchmark only, nothing of it is written into
   the repository): the student's T5 (:func:`generation.student.model.build_model`, the
   ``GPU`` size below, under the 20M parameter cap) and BPE tokenizer trained from scratch
   on *train* with the protocol of ``benchmarks/generation.py`` (placeholders for entities,
   label smoothing 0.1, AdamW, warm-up then cosine decay over a wall-clock budget,
   length-bucketed batches, bf16 autocast on CUDA), the dev loss of 600 dev pairs picks the
   best of the checkpoints taken along the way, *test* decoded once (beam 4, length
   penalty 1.0, fixed beforehand: no tuning on test) and scored with sacrebleu (BLEU,
   chrF++, every reference). Keys: ``webnlg_test_bleu_gpu``, ``webnlg_test_chrfpp_gpu``,
   ``webnlg_train_budget_gpu``, ``webnlg_params_gpu``.
2. **Curriculum** (``--books``, psychology by default): the book imported and the teacher
   trained (``benchmarks/generation.py``'s :func:`book_workspace`), the same seeded 10%
   held-out split of defined concepts as the CPU benchmark, two students distilled on the
   GPU for the same time budget -- with the teacher and without (``teacher="none"``) --
   with the evidence inputs and copy head of issue 12; held-out definitions written by both
   (grounded) and scored against the glossary (chrF, BLEU) beside the extractive baseline
   and the template on the same split; the auxiliary head's ROC AUC against the teacher's
   on the teacher's held-out prerequisite pairs; the latency of a forced 60-token output on
   one CPU thread. Keys: ``def_chrf_student_gpu``, ``def_chrf_nokd_gpu``,
   ``def_chrf_extractive_gpu``, ``def_chrf_template_gpu`` (``_<book>_gpu`` for other books),
   ``kd_auc_student_gpu``, ``kd_auc_teacher_gpu``, ``student_params_gpu``,
   ``latency_p50_ms_gpu``.

Results: merged into ``benchmarks/results/generation.json`` (``--out`` elsewhere; the smoke
mode writes under a temporary folder unless ``--out`` says otherwise), texts under
``benchmarks/results/generation_gpu/``.

Time plan on one H100 (estimated, not yet measured: no GPU was lent while this was
written): WebNLG data and tokenizer ~0.5 min, training 3.5 min, test decoding ~1 min;
psychology import ~0.3 min, teacher ~1 min, two students 1.75 min each plus ~0.5 min of
linearising, evaluation on the CPU ~1.5 min: about 11.5 minutes. ``gpu.sh`` stops the
run at 12 minutes (``GPU_TIMEOUT_S``); the WebNLG figures are written before the
curriculum starts, so a cut run keeps them.

Run: ``bash benchmarks/gpu.sh`` (on the GPU machine; about 11.5 minutes), or
``python benchmarks/gpu.py --smoke --out /tmp/gpu-smoke`` anywhere.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402


def _bench():
    """``benchmarks/generation.py`` as a module (its file name is the package's)."""
    spec = importlib.util.spec_from_file_location("kgs_genbench", HERE / "generation.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


G = _bench()
W = G.W

#: Sizes: the GPU run and the smoke run (same code, toy numbers).
SIZES = {
    "gpu": dict(web_vocab=6000, web_d=384, web_layers=4, web_heads=6, web_ff=1024, web_batch=128,
                web_minutes=3.5, web_lr=1.5e-3, web_warmup=300, web_train=None, web_test=None,
                web_beams=4, cur_minutes=1.75, cur_steps=100_000, cur_batch=48, teacher_epochs=60,
                heldout=0.1, latency_n=20, dev_pairs=600),
    "smoke": dict(web_vocab=400, web_d=32, web_layers=1, web_heads=2, web_ff=64, web_batch=16,
                  web_minutes=0.1, web_lr=3e-3, web_warmup=5, web_train=120, web_test=12,
                  web_beams=1, cur_minutes=0.1, cur_steps=6, cur_batch=8, teacher_epochs=2,
                  heldout=0.1, latency_n=2, dev_pairs=24),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pick_device(smoke: bool) -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    if not smoke:
        raise SystemExit("no CUDA device: the GPU run needs one (use --smoke for the CPU check)")
    return torch.device("cpu")


class Results:
    """``_gpu`` metrics merged into a results file (other keys kept)."""

    def __init__(self, path: Path):
        self.path = path
        self.data = json.loads(path.read_text()) if path.exists() else {"metrics": {}}

    def add(self, metrics: dict, extra: dict | None = None) -> None:
        self.data.setdefault("metrics", {}).update({f"{k}_gpu": v for k, v in metrics.items()})
        if extra:
            self.data.setdefault("gpu", {}).update(extra)
        self.data["gpu_machine"] = G.machine() + (f", {torch.cuda.get_device_name(0)}"
                                                  if torch.cuda.is_available() else ", no GPU")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=2, ensure_ascii=False) + "\n")


# ---- 1. WebNLG ------------------------------------------------------------------------------

def webnlg(sz: dict, device: torch.device, work: Path, res: Results, seed: int = 0) -> dict:
    from generation.config import StudentConfig
    from generation.student.model import build_model, count_params
    from generation.student.tokenizer import StudentTokenizer
    t_all = time.time()
    root = G.WEBNLG
    train = W.load_split(root, "train" if sz["web_train"] is None else "dev")
    dev = W.load_split(root, "dev")
    test = W.load_split(root, "test")
    if sz["web_train"] is not None:               # smoke: a slice of dev stands in for train
        train, dev = train[:sz["web_train"]], dev[-sz["dev_pairs"]:]
    if sz["web_test"] is not None:
        test = test[:sz["web_test"]]
    tr_pairs, dev_pairs = G.webnlg_pairs(train), G.webnlg_pairs(dev)
    texts = sorted({s for s, _, _ in tr_pairs}) + [t for _, t, _ in tr_pairs]
    tok = StudentTokenizer.train(texts, sz["web_vocab"])
    data = G.encode_pairs(tok, tr_pairs)
    rng = random.Random(seed)
    dev_data = G.encode_pairs(tok, [dev_pairs[i] for i in sorted(rng.sample(
        range(len(dev_pairs)), min(sz["dev_pairs"], len(dev_pairs))))])
    cfg = StudentConfig(vocab_size=sz["web_vocab"], d_model=sz["web_d"], enc_layers=sz["web_layers"],
                        dec_layers=sz["web_layers"], heads=sz["web_heads"],
                        d_kv=sz["web_d"] // sz["web_heads"], d_ff=sz["web_ff"], dropout=0.1,
                        copy_head=False, grounded=False)
    torch.manual_seed(seed)
    model = build_model(cfg, len(tok)).to(device)
    n_params = count_params(model)
    log(f"WebNLG: {len(tr_pairs)} train pairs, {n_params:,} parameters, vocab {len(tok)}, "
        f"{sz['web_minutes']} min on {device}")
    opt = torch.optim.AdamW(model.parameters(), lr=sz["web_lr"], weight_decay=0.01, betas=(0.9, 0.98))
    amp = device.type == "cuda"
    budget = sz["web_minutes"] * 60
    t0 = time.time()
    step, epoch, losses, best = 0, 0, [], (float("inf"), None, 0)
    n_evals, next_eval = 6, budget / 6

    def dev_loss() -> float:
        model.eval()
        tot = n = 0
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            for a in range(0, len(dev_data), 128):
                x, m, y = (t.to(device) for t in G.collate(dev_data, list(range(a, min(a + 128, len(dev_data))))))
                k = int((y != -100).sum())
                tot += float(G.lm_loss(model, x, m, y, 0.0)) * k
                n += k
        model.train()
        return tot / max(n, 1)

    model.train()
    done = False
    while not done:
        for ids in G.batches(data, sz["web_batch"], random.Random(seed + epoch)):
            el = time.time() - t0
            if el >= budget or (sz["web_train"] is not None and step >= 20):
                done = True
                break
            lr = sz["web_lr"] * min(1.0, (step + 1) / sz["web_warmup"]) * (
                0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * el / budget)))
            for g in opt.param_groups:
                g["lr"] = lr
            x, m, y = (t.to(device, non_blocking=True) for t in G.collate(data, ids))
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                loss = G.lm_loss(model, x, m, y, 0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % 100 == 0:
                losses.append(float(loss))
                log(f"WebNLG step {step} {el / 60:.1f} min loss {losses[-1]:.3f}")
            if el >= next_eval:
                next_eval += budget / n_evals
                d = dev_loss()
                if d < best[0]:
                    best = (d, {k: v.detach().clone() for k, v in model.state_dict().items()}, step)
        else:
            epoch += 1
    train_s = time.time() - t0
    d = dev_loss()
    if d < best[0] or best[1] is None:
        best = (d, None, step)
    else:
        model.load_state_dict(best[1])
    model.eval()
    t1 = time.time()
    hyps = decode(model, tok, test, sz["web_beams"], device)
    dec_s = time.time() - t1
    bleu, chrf = G.score(hyps, test)
    out_dir = G.OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "webnlg_test.txt").write_text("\n".join(hyps) + "\n")
    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    budget_s = (f"{gpu}: {train_s / 60:.1f} min training, {step} steps of batch {sz['web_batch']} "
                f"(~{step * sz['web_batch'] / max(1, len(data)):.1f} passes over {len(data):,} pairs), "
                f"checkpoint of step {best[2]} (dev loss {best[0]:.3f}), beam {sz['web_beams']}, "
                f"{n_params:,} parameters")
    m = {"webnlg_test_bleu": round(bleu, 2), "webnlg_test_chrfpp": round(chrf, 2),
         "webnlg_train_budget": budget_s, "webnlg_params": n_params}
    res.add(m, {"webnlg": {"steps": step, "train_s": round(train_s, 1), "decode_s": round(dec_s, 1),
                           "test_entries": len(test), "dev_loss": round(best[0], 4), "losses": losses,
                           "wall_s": round(time.time() - t_all, 1)}})
    log(f"WebNLG test BLEU {bleu:.2f} chrF++ {chrf:.2f} ({budget_s}; decode {dec_s:.0f} s)")
    return m


@torch.no_grad()
def decode(model, tok, entries, beams: int, device, bs: int = 128, max_new: int = 96) -> list[str]:
    """Relexicalised texts of ``entries`` (batched, inputs sorted by length) on ``device``."""
    srcs = [tok.encode(W.linearise(e.triples), 128) for e in entries]
    order = sorted(range(len(entries)), key=lambda i: len(srcs[i]))
    out = [""] * len(entries)
    for a in range(0, len(order), bs):
        ids = order[a:a + bs]
        L = max(len(srcs[i]) for i in ids)
        x = torch.zeros((len(ids), L), dtype=torch.long)                   # (B, L)
        for r, i in enumerate(ids):
            x[r, :len(srcs[i])] = torch.tensor(srcs[i])
        x = x.to(device)
        gen = model.generate(input_ids=x, attention_mask=(x != 0).long(), num_beams=beams,
                             max_new_tokens=max_new, do_sample=False,
                             **({"early_stopping": True} if beams > 1 else {}))
        for r, i in enumerate(ids):
            out[i] = W.relexicalise(tok.decode(gen[r].tolist()[1:]), entries[i].triples)
    return out


# ---- 2. curriculum ---------------------------------------------------------------------------

def curriculum(book: str, sz: dict, device: torch.device, work: Path, res: Results, seed: int = 0) -> dict:
    import dataclasses

    import sacrebleu

    from generation.config import StudentConfig
    from generation.content.graph import GraphView
    from generation.student.api import clear_cache, load_student
    from generation.student.decoding import default_processors, greedy_decode
    from generation.student.model import count_params
    from generation.template import TemplateGenerator
    t_all = time.time()
    ws = G.book_workspace(book, work / book, teacher_epochs=sz["teacher_epochs"])
    t_ws = time.time() - t_all
    held, defs = G.heldout_concepts(ws, sz["heldout"], seed)
    refs = [defs[c] for c in held]
    log(f"{book}: workspace and teacher {t_ws:.0f} s; {len(defs)} defined concepts, {len(held)} held out")
    cfg = StudentConfig(max_steps=sz["cur_steps"], epochs=1000, time_budget_s=sz["cur_minutes"] * 60,
                        checkpoint_every=10**6, seed=seed, batch_size=sz["cur_batch"],
                        device="cuda" if device.type == "cuda" else "cpu",
                        **({} if device.type == "cuda" else dict(d_model=32, enc_layers=1, dec_layers=1,
                                                                   heads=2, d_kv=16, d_ff=64, vocab_size=300,
                                                                   max_input_tokens=96, evidence_tokens=48)))
    runs = {}
    for name, teacher in (("kd", "require"), ("nokd", "none")):
        t0 = time.time()
        m = G.distill_without(ws, cfg, held, teacher, work / book / f"student-{name}", log=lambda s: None)
        runs[name] = {k: m.get(k) for k in ("steps", "seconds", "device", "best_val_total", "stopped_by")}
        runs[name]["wall_s"] = round(time.time() - t0, 1)
        log(f"{book}: student {name} {runs[name]}")
    clear_cache()
    students = {n: load_student(ws, path=work / book / f"student-{n}" / "student.pt", cache=False) for n in runs}
    sx = G._suffix(book)
    metrics: dict = {}
    texts: dict[str, list[str]] = {}
    for name, st in students.items():
        gens = []
        for a in range(0, len(held), 32):
            gens += st.generate_batch([(c, "definition", None) for c in held[a:a + 32]])
        texts[name] = [g.text for g in gens]
    with ws.open_store(read_only=True) as store:
        view = GraphView(store)
        for c in held:                                   # the baselines must not see the answer
            if c in view.concepts:
                view.concepts[c] = dataclasses.replace(view.concepts[c], definition="")
        texts["extractive"], _how = G.extractive_definitions(store, view, held, log=lambda *a: None)
        texts["template"] = [TemplateGenerator(view).generate(c, "definition").text for c in held]
    keys = {"kd": "student", "nokd": "nokd", "extractive": "extractive", "template": "template"}
    for name, hyps in texts.items():
        metrics[f"def_chrf_{keys[name]}{sx}"] = round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2)
        metrics[f"def_bleu_{keys[name]}{sx}"] = round(sacrebleu.corpus_bleu(hyps, [refs]).score, 2)
    # the auxiliary head vs the teacher on the teacher's held-out prerequisite pairs
    tsv = ws.models_dir / "teacher" / "test-predictions.tsv"
    pairs, labels, tscores = [], [], []
    if tsv.exists():
        for line in tsv.read_text().splitlines()[1:]:
            nt, a, b, _kind, lab, sc = line.split("\t")
            if nt == "concept":
                pairs.append((a, b))
                labels.append(int(lab))
                tscores.append(float(sc))
    if pairs:
        y = torch.tensor(labels)
        metrics[f"kd_auc_teacher{sx}"] = G._auc(torch.tensor(tscores), y)
        metrics[f"kd_auc_student{sx}"] = G._auc(students["kd"].score_prereqs(pairs), y)
    # latency of a forced 60-token output on one CPU thread
    kd = students["kd"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    lat = []
    for c in held[:sz["latency_n"]]:
        lin = kd.linearize(c, "definition")
        x = torch.tensor([lin.ids])
        t0 = time.perf_counter()
        greedy_decode(kd.model.seq2seq, x, torch.ones_like(x), max_new_tokens=60, min_new_tokens=60,
                      processors=default_processors(kd.cfg.no_repeat_ngram, kd.cfg.repetition_penalty),
                      copy=kd.model.copy)
        lat.append((time.perf_counter() - t0) * 1000)
    torch.set_num_threads(threads)
    metrics[f"student_params{sx}"] = count_params(kd.model.seq2seq) + (
        count_params(kd.model.copy) if kd.model.copy is not None else 0)
    metrics[f"latency_p50_ms{sx}"] = round(G.percentile(lat, 0.5), 1) if lat else None
    out_dir = G.OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / f"definitions_{book}.tsv", "w", encoding="utf-8") as f:
        f.write("\t".join(["concept", "reference"] + list(texts)) + "\n")
        for i, c in enumerate(held):
            f.write("\t".join([c, refs[i]] + [texts[k][i].replace("\t", " ").replace("\n", " ")
                                                for k in texts]) + "\n")
    res.add(metrics, {f"curriculum_{book}": {"heldout": len(held), "runs": runs, "workspace_s": round(t_ws, 1),
                                              "prereq_pairs": len(pairs), "wall_s": round(time.time() - t_all, 1),
                                              "student_config": cfg.to_dict()}})
    log(f"{book}: " + ", ".join(f"{k} {v}" for k, v in metrics.items()))
    return metrics


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="toy sizes on any device (about a minute on a CPU)")
    ap.add_argument("--out", default="", help="results JSON (default: benchmarks/results/generation.json; "
                                              "smoke: a temporary folder)")
    ap.add_argument("--work", default="", help="workspaces and checkpoints (default: a temporary folder)")
    ap.add_argument("--books", default="psychology", help="comma separated: psychology, philosophy, calculus")
    ap.add_argument("--skip-webnlg", action="store_true")
    ap.add_argument("--skip-curriculum", action="store_true")
    ap.add_argument("--web-minutes", type=float, default=None, help="override the WebNLG training budget")
    ap.add_argument("--cur-minutes", type=float, default=None, help="override each student's budget")
    args = ap.parse_args(argv)
    sz = dict(SIZES["smoke" if args.smoke else "gpu"])
    if args.web_minutes is not None:
        sz["web_minutes"] = args.web_minutes
    if args.cur_minutes is not None:
        sz["cur_minutes"] = args.cur_minutes
    device = pick_device(args.smoke)
    tmp = Path(tempfile.mkdtemp(prefix="kgstudio-gpu-"))
    work = Path(args.work) if args.work else tmp / "work"
    out = Path(args.out) if args.out else (tmp / "generation.json" if args.smoke
                                           else G.RESULTS / "generation.json")
    if out.suffix != ".json":
        out = out / "generation.json"
    G.OUT_DIR = out.parent / "generation_gpu"
    if args.smoke:
        from kg.demo import demo_curriculum_path
        G.BOOKS["demo"] = str(demo_curriculum_path())  # absolute: book_workspace's join keeps it
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)) if device.type == "cuda" else 1)
    res = Results(out)
    t0 = time.time()
    log(f"device {device}; results -> {out}; work {work}")
    if not args.skip_webnlg:
        webnlg(sz, device, work / "webnlg", res)
    if not args.skip_curriculum:
        for book in (["demo"] if args.smoke else [b.strip() for b in args.books.split(",") if b.strip()]):
            curriculum(book, sz, device, work, res)
    res.add({}, {"wall_s": round(time.time() - t0, 1), "smoke": args.smoke})
    log(f"done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
