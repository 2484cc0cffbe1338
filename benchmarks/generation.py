"""Generation benchmark (issue 4): WebNLG 2020 graph-to-text, curriculum definitions,
distillation and speed of the student.

Part 1 -- WebNLG 2020 (``../shared/data/webnlg``, benchmark only: CC BY-NC-SA, nothing of
it and no model trained on it is written into the repository; checkpoints go to
``--work``, default ``/tmp/kgstudio-webnlg``). The student architecture of
:func:`generation.student.model.build_model` (a T5 from a :class:`StudentConfig`) and the
student's BPE tokenizer (:mod:`generation.student.tokenizer`), trained from scratch on
*train*, chosen on *dev*, scored once on *test* with sacrebleu 2 defaults (BLEU, cased,
13a; chrF++ = chrF word order 2; every reference of an entry), the protocol of the
published table in ``../shared/data/webnlg/README.md``. Entities are placeholders
(``benchmarks/_webnlg.py``): the input is ``<E0> birth place <E1> <sep> ...``, the target
the reference with each entity mention replaced by its placeholder; after decoding the
graph fills the names in. Training pairs: every train reference whose entities were all
found (73%), plus the best-covered reference of entries with none fully covered.

Optimisation: AdamW, label smoothing 0.1, linear warm-up then a cosine decay over the
*wall-clock* budget (``--minutes``), so a run on a busy shared machine still ends its
schedule on time; length-bucketed batches (short sequences cost less); the resumable
checkpoint is written every ``--ckpt-min`` minutes and the dev loss on 600 dev pairs
chooses the best checkpoint.

Steps (each a flag; state in ``--work``):

* ``--webnlg-train``  train (resumes from ``--work/last.pt`` when present);
* ``--webnlg-tune``   decode a dev subset with a grid of beam widths and length penalties
  for the best and last checkpoints, keep the best setting (dev BLEU);
* ``--webnlg-test``   decode the test set ONCE with the chosen setting, write
  ``webnlg_test_*`` metrics and the texts (``results/generation/webnlg_test.txt``, one
  line per test entry in file order, and ``webnlg_dev_<setting>.txt``).

Part 2 -- curriculum, distillation and speed (``--curriculum``): see
:func:`curriculum_benchmark`.

Run: ``nice -n 19 .venv/bin/python benchmarks/generation.py --webnlg-train --minutes 55``,
then ``--webnlg-tune``, then ``--webnlg-test``; ``--curriculum --book psychology``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_HERE = str(Path(__file__).resolve().parent)
# this file is named like the ``generation`` package: the package must win on sys.path
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(_HERE)] + [_HERE]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

import _webnlg as W  # noqa: E402
from _common import RESULTS, SHARED, machine, percentile, table, write_results  # noqa: E402

NAME = "generation"
OUT_DIR = RESULTS / NAME
WEBNLG = SHARED / "data" / "webnlg"

#: Published WebNLG 2020 scores (recomputed by ../shared/data/webnlg/README.md).
PUBLISHED = [("Amazon AI (Shanghai)", 53.98, 68.96), ("OSU Neural NLG", 53.52, 68.82),
             ("FBConvAI", 52.67, 68.63), ("bt5", 51.72, 67.90), ("TGen", 48.42, 63.62),
             ("CycleGT", 44.52, 63.69), ("FORGe2020 (rule-based baseline)", 40.40, 62.15),
             ("NILC", 31.98, 54.54)]


# ---------------------------------------------------------------------------------------
# results file: merged, so each step adds its keys to what earlier steps wrote
# ---------------------------------------------------------------------------------------
def load_results() -> dict:
    p = RESULTS / f"{NAME}.json"
    if p.exists():
        return json.loads(p.read_text())
    return {"metrics": {}}


def save_results(metrics: dict, extra: dict) -> Path:
    old = load_results()
    m = dict(old.get("metrics", {}))
    m.update(metrics)
    ex = {k: v for k, v in old.items() if k not in ("metrics", "machine", "when")}
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(ex.get(k), dict):
            ex[k] = {**ex[k], **v}
        else:
            ex[k] = v
    return write_results(NAME, m, ex)


# ---------------------------------------------------------------------------------------
# WebNLG data -> token ids
# ---------------------------------------------------------------------------------------
def webnlg_pairs(entries, full_only: bool = True) -> list[tuple[str, str, int]]:
    """(input, delexicalised target, entry index) training pairs (module docstring)."""
    pairs = []
    for i, e in enumerate(entries):
        n = len(W.entities(e.triples))
        src = W.linearise(e.triples)
        dl = [W.delexicalise(r, e.triples) for r in e.refs]
        if not dl:
            continue
        full = [t for t, k in dl if k == n]
        if full_only and full:
            pairs += [(src, t, i) for t in full]
        else:
            best = max(k for _, k in dl)
            pairs += [(src, t, i) for t, k in dl if k == best][:1 if full_only else None]
    return pairs


def encode_pairs(tok, pairs, max_in=128, max_out=96):
    return [(tok.encode(s, max_in), tok.encode(t, max_out)) for s, t, _ in pairs]


def batches(data, batch_size: int, rng: random.Random, pool: int = 50):
    """Length-bucketed batches: shuffle, sort pools of ``pool`` batches by length, split,
    shuffle the batches (little padding, random order)."""
    idx = list(range(len(data)))
    rng.shuffle(idx)
    out = []
    step = batch_size * pool
    for a in range(0, len(idx), step):
        chunk = sorted(idx[a:a + step], key=lambda i: (len(data[i][1]), len(data[i][0])))
        out += [chunk[b:b + batch_size] for b in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def collate(data, ids, pad=0):
    src = [data[i][0] for i in ids]
    tgt = [data[i][1] for i in ids]
    L, T = max(map(len, src)), max(map(len, tgt))
    x = torch.full((len(ids), L), pad, dtype=torch.long)                  # (B, L)
    y = torch.full((len(ids), T), -100, dtype=torch.long)                 # (B, T)
    for r, (s, t) in enumerate(zip(src, tgt)):
        x[r, :len(s)] = torch.tensor(s)
        y[r, :len(t)] = torch.tensor(t)
    return x, (x != pad).long(), y


def lm_loss(model, x, mask, y, smoothing: float):
    """Token-level cross-entropy with label smoothing (T5 shifts ``y`` right itself)."""
    logits = model(input_ids=x, attention_mask=mask, labels=y).logits     # (B, T, V)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                             ignore_index=-100, label_smoothing=smoothing)


# ---------------------------------------------------------------------------------------
# WebNLG: train / tune / test
# ---------------------------------------------------------------------------------------
def student_config(args):
    from generation.config import StudentConfig
    return StudentConfig(vocab_size=args.vocab, d_model=args.d_model, enc_layers=args.layers,
                         dec_layers=args.layers, heads=args.heads, d_kv=args.d_model // args.heads,
                         d_ff=args.d_ff, dropout=args.dropout, lr=args.lr,
                         batch_size=args.batch, num_beams=3, grounded=False, threads=args.threads)


def prepare(args, work: Path):
    """Entries, tokenizer (trained on train inputs + targets, cached in ``work``), pairs."""
    from generation.student.tokenizer import StudentTokenizer
    t0 = time.time()
    train = W.load_split(WEBNLG, "train")
    dev = W.load_split(WEBNLG, "dev")
    cache = work / "pairs.json"
    if cache.exists():
        c = json.loads(cache.read_text())
        tr_pairs, dev_pairs = [tuple(p) for p in c["train"]], [tuple(p) for p in c["dev"]]
    else:
        tr_pairs = webnlg_pairs(train)
        dev_pairs = webnlg_pairs(dev)
        work.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"train": tr_pairs, "dev": dev_pairs}))
    tok_path = work / "tokenizer.json"
    if tok_path.exists():
        tok = StudentTokenizer.from_json(tok_path.read_text())
    else:
        texts = sorted({s for s, _, _ in tr_pairs}) + [t for _, t, _ in tr_pairs]
        tok = StudentTokenizer.train(texts, args.vocab)
        tok_path.write_text(tok.to_json())
    print(f"data: {len(train)} train entries -> {len(tr_pairs)} pairs, {len(dev)} dev entries "
          f"-> {len(dev_pairs)} pairs, vocab {len(tok)} ({time.time() - t0:.0f} s)", flush=True)
    return train, dev, tr_pairs, dev_pairs, tok


def save_ckpt(path: Path, model, opt, cfg, state: dict):
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict() if opt else None,
                "config": cfg.to_dict(), "state": state}, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def dev_loss(model, data, bs=64):
    model.eval()
    tot, n = 0.0, 0
    for a in range(0, len(data), bs):
        x, m, y = collate(data, list(range(a, min(a + bs, len(data)))))
        k = int((y != -100).sum())
        tot += float(lm_loss(model, x, m, y, 0.0)) * k
        n += k
    model.train()
    return tot / max(n, 1)


def webnlg_train(args):
    from generation.student.model import build_model, count_params
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    _, _, tr_pairs, dev_pairs, tok = prepare(args, work)
    data = encode_pairs(tok, tr_pairs)
    rng = random.Random(args.seed)
    dev_idx = sorted(rng.sample(range(len(dev_pairs)), min(600, len(dev_pairs))))
    dev_data = encode_pairs(tok, [dev_pairs[i] for i in dev_idx])
    cfg = student_config(args)
    model = build_model(cfg, len(tok))
    n_params = count_params(model)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    state = {"step": 0, "elapsed": 0.0, "epoch": 0, "best_dev": float("inf"), "log": [],
             "params": n_params, "pairs": len(data)}
    last = work / "last.pt"
    if last.exists() and not args.fresh:
        ck = torch.load(last, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        print(f"resumed at step {state['step']} ({state['elapsed'] / 60:.1f} min)", flush=True)
    budget = args.minutes * 60
    print(f"student: {n_params:,} parameters (d_model {cfg.d_model}, {cfg.enc_layers}+"
          f"{cfg.dec_layers} layers, vocab {len(tok)}); {len(data)} pairs, batch {args.batch}; "
          f"budget {args.minutes} min", flush=True)
    model.train()
    t_start = time.time() - state["elapsed"]
    t_ckpt = time.time()
    losses = []
    done = False
    while not done:
        for ids in batches(data, args.batch, random.Random(args.seed + state["epoch"])):
            if state.get("skip", 0) > 0:        # resume inside an epoch
                state["skip"] -= 1
                continue
            elapsed = time.time() - t_start
            if elapsed >= budget:
                done = True
                break
            frac = elapsed / budget
            warm = min(1.0, (state["step"] + 1) / args.warmup)
            lr = args.lr * warm * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
            for g in opt.param_groups:
                g["lr"] = lr
            x, m, y = collate(data, ids)
            loss = lm_loss(model, x, m, y, 0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state["step"] += 1
            state["batch_in_epoch"] = state.get("batch_in_epoch", 0) + 1
            losses.append(loss.item())
            if state["step"] % 50 == 0:
                print(f"step {state['step']} epoch {state['epoch']} {elapsed / 60:.1f} min "
                      f"lr {lr:.2e} loss {sum(losses[-50:]) / len(losses[-50:]):.3f}", flush=True)
            if time.time() - t_ckpt >= args.ckpt_min * 60:
                t_ckpt = time.time()
                _checkpoint(model, opt, cfg, state, work, dev_data, t_start, losses)
        else:
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
    _checkpoint(model, opt, cfg, state, work, dev_data, t_start, losses)
    print(f"trained {state['step']} steps, {state['epoch']} full epochs, "
          f"{state['elapsed'] / 60:.1f} min; best dev loss {state['best_dev']:.3f}", flush=True)


def _checkpoint(model, opt, cfg, state, work, dev_data, t_start, losses):
    state["elapsed"] = time.time() - t_start
    dl = dev_loss(model, dev_data)
    state["log"].append({"step": state["step"], "min": round(state["elapsed"] / 60, 2),
                         "train_loss": round(sum(losses[-100:]) / max(1, len(losses[-100:])), 4),
                         "dev_loss": round(dl, 4)})
    print(f"  checkpoint: step {state['step']}, dev loss {dl:.3f}", flush=True)
    if dl < state["best_dev"]:
        state["best_dev"] = dl
        state["best_step"] = state["step"]
        save_ckpt(work / "best.pt", model, None, cfg, dict(state))
    # a resumed run skips the batches of the current epoch already trained on
    save_ckpt(work / "last.pt", model, opt, cfg, {**state, "skip": state.get("batch_in_epoch", 0)})


def load_model(path: Path, vocab: int):
    from generation.config import StudentConfig
    from generation.student.model import build_model
    ck = torch.load(path, weights_only=False)
    cfg = StudentConfig.from_dict(ck["config"])
    model = build_model(cfg, vocab)
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck["state"]


@torch.no_grad()
def decode(model, tok, entries, beams: int, lp: float, bs: int = 48, max_new: int = 96,
           nrep: int = 0) -> list[str]:
    """Relexicalised texts of ``entries`` (batched beam search, inputs sorted by length)."""
    srcs = [tok.encode(W.linearise(e.triples), 128) for e in entries]
    order = sorted(range(len(entries)), key=lambda i: len(srcs[i]))
    out: list[str] = [""] * len(entries)
    for a in range(0, len(order), bs):
        ids = order[a:a + bs]
        L = max(len(srcs[i]) for i in ids)
        x = torch.zeros((len(ids), L), dtype=torch.long)                  # (B, L)
        for r, i in enumerate(ids):
            x[r, :len(srcs[i])] = torch.tensor(srcs[i])
        gen = model.generate(input_ids=x, attention_mask=(x != 0).long(), num_beams=beams,
                             length_penalty=lp, max_new_tokens=max_new, early_stopping=True,
                             no_repeat_ngram_size=nrep, do_sample=False)
        for r, i in enumerate(ids):
            out[i] = W.relexicalise(tok.decode(gen[r].tolist()[1:]), entries[i].triples)
    return out


def score(hyps: list[str], entries) -> tuple[float, float]:
    """Corpus BLEU and chrF++ (sacrebleu defaults) against every reference of each entry."""
    import sacrebleu
    n = max(len(e.refs) for e in entries)
    refs = [[e.refs[k] if k < len(e.refs) else None for e in entries] for k in range(n)]
    bleu = sacrebleu.corpus_bleu(hyps, refs).score
    chrf = sacrebleu.corpus_chrf(hyps, refs, word_order=2).score
    return bleu, chrf


def webnlg_tune(args):
    from generation.student.tokenizer import StudentTokenizer
    work = Path(args.work)
    torch.set_num_threads(args.threads)
    tok = StudentTokenizer.from_json((work / "tokenizer.json").read_text())
    dev = W.load_split(WEBNLG, "dev")
    sub = sorted(random.Random(1).sample(range(len(dev)), min(args.dev_n, len(dev))))
    dev_sub = [dev[i] for i in sub]
    grid = [tuple(map(float, g.split(":"))) for g in args.grid.split(",")]
    results = []
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    steps_done = set()
    for name in args.ckpts.split(","):
        if not (work / f"{name}.pt").exists():
            continue
        model, st = load_model(work / f"{name}.pt", len(tok))
        if st["step"] in steps_done:          # best.pt is last.pt: decode it once
            continue
        steps_done.add(st["step"])
        for beams, lp, nrep in grid:
            t0 = time.time()
            hyps = decode(model, tok, dev_sub, int(beams), lp, nrep=int(nrep))
            b, c = score(hyps, dev_sub)
            dt = time.time() - t0
            results.append({"ckpt": name, "step": st["step"], "beams": int(beams), "lp": lp,
                            "no_repeat_ngram": int(nrep), "dev_bleu": round(b, 2),
                            "dev_chrfpp": round(c, 2), "decode_s": round(dt, 1)})
            print(results[-1], flush=True)
            (OUT_DIR / f"webnlg_dev_{name}_b{int(beams)}_lp{lp}_nr{int(nrep)}.txt").write_text(
                "\n".join(hyps) + "\n")
    # earlier tuning runs on the same dev subset count too (grids can be run in parts)
    old = load_results().get("webnlg", {})
    if old.get("dev_subset") == len(dev_sub):
        seen = {(r["ckpt"], r["step"], r["beams"], r["lp"], r["no_repeat_ngram"]) for r in results}
        results = [r for r in old.get("tuning", [])
                   if (r["ckpt"], r["step"], r["beams"], r["lp"], r["no_repeat_ngram"]) not in seen] + results
    best = max(results, key=lambda r: r["dev_bleu"])
    (work / "choice.json").write_text(json.dumps(best))
    print(table([[r["ckpt"], r["step"], r["beams"], r["lp"], r["no_repeat_ngram"], r["dev_bleu"],
                  r["dev_chrfpp"], r["decode_s"]] for r in results],
                ["ckpt", "step", "beams", "length penalty", "no-repeat", "dev BLEU", "dev chrF++",
                 "decode s"]))
    save_results({}, {"webnlg": {"dev_subset": len(dev_sub), "tuning": results, "choice": best}})


def webnlg_test(args):
    from generation.student.tokenizer import StudentTokenizer
    work = Path(args.work)
    torch.set_num_threads(args.threads)
    tok = StudentTokenizer.from_json((work / "tokenizer.json").read_text())
    choice = json.loads((work / "choice.json").read_text())
    if args.test_ckpt:                      # decoding chosen on dev, weights of another checkpoint
        choice = {**choice, "ckpt": args.test_ckpt}
    test = W.load_split(WEBNLG, "test")
    model, st = load_model(work / f"{choice['ckpt']}.pt", len(tok))
    from generation.student.model import count_params
    t0 = time.time()
    hyps = decode(model, tok, test, choice["beams"], choice["lp"],
                  nrep=choice.get("no_repeat_ngram", 0))
    dt = time.time() - t0
    bleu, chrf = score(hyps, test)
    types = json.loads((WEBNLG / "test" / "rdf-to-text-generation-test-instance-types.json")
                       .read_text())
    by_type = {}
    for ty in ("type1", "type2", "type3"):
        keep = [i for i, e in enumerate(test) if types.get(e.eid.rsplit("/", 1)[1]) == ty]
        if keep:
            by_type[ty] = round(score([hyps[i] for i in keep], [test[i] for i in keep])[0], 2)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "webnlg_test.txt").write_text("\n".join(hyps) + "\n")
    budget = (f"CPU: {machine()} (shared with other jobs), {st['elapsed'] / 60:.0f} min wall "
              f"training, {st['step']} steps of batch {json.loads(json.dumps(args.batch))}, "
              f"{st.get('epoch', 0)} full epochs + part; checkpoint '{choice['ckpt']}' (step "
              f"{st['step']}); beam {choice['beams']}, length penalty {choice['lp']}")
    metrics = {"webnlg_test_bleu": round(bleu, 2), "webnlg_test_chrfpp": round(chrf, 2),
               "webnlg_train_budget": budget}
    print(table([[n, b, c] for n, b, c in PUBLISHED] + [["kgstudio student (this run)",
                 round(bleu, 2), round(chrf, 2)]], ["system", "BLEU", "chrF++"]))
    print("by type (BLEU):", by_type, f"decode {dt:.0f} s")
    save_results(metrics, {"webnlg": {"test_bleu_by_type": by_type, "test_decode_s": round(dt, 1),
                                      "params": count_params(model), "train_log": st["log"],
                                      "published": PUBLISHED,
                                      "texts": "results/generation/webnlg_test.txt"}})


# ---------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--webnlg-train", action="store_true")
    ap.add_argument("--webnlg-tune", action="store_true")
    ap.add_argument("--webnlg-test", action="store_true")
    ap.add_argument("--curriculum", action="store_true")
    ap.add_argument("--work", default="/tmp/kgstudio-webnlg")
    ap.add_argument("--minutes", type=float, default=55)
    ap.add_argument("--ckpt-min", type=float, default=8)
    ap.add_argument("--fresh", action="store_true", help="ignore an existing last.pt")
    ap.add_argument("--vocab", type=int, default=3000)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d-ff", type=int, default=768)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads; 1 is 7x faster than 2 on the shared 2-core machine")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dev-n", type=int, default=400)
    ap.add_argument("--ckpts", default="best,last", help="checkpoints (names in --work) to tune on")
    ap.add_argument("--test-ckpt", default="",
                    help="checkpoint to score on test (default: the one tuning chose)")
    ap.add_argument("--grid", default="1:1.0:0,3:1.0:0,4:1.0:3,4:1.3:3,4:0.8:3",
                    help="beams:length_penalty:no_repeat_ngram, comma separated")
    ap.add_argument("--book", default="psychology", choices=sorted(BOOKS))
    ap.add_argument("--cur-work", default="/tmp/kgstudio-genbench",
                    help="workspaces and students of the curriculum part")
    ap.add_argument("--heldout", type=float, default=0.1, help="share of defined concepts held out")
    ap.add_argument("--cur-steps", type=int, default=600, help="optimiser steps of each student")
    ap.add_argument("--cur-minutes", type=float, default=15, help="time cap of each student")
    ap.add_argument("--speed-n", type=int, default=30)
    ap.add_argument("--latency-n", type=int, default=30)
    args = ap.parse_args(argv)
    if args.webnlg_train:
        webnlg_train(args)
    if args.webnlg_tune:
        webnlg_tune(args)
    if args.webnlg_test:
        webnlg_test(args)
    if args.curriculum:
        curriculum_benchmark(args)


BOOKS = {"psychology": "openstax-psychology-2e", "statistics": "openstax-introductory-statistics-2e"}


def book_workspace(book: str, root: Path, teacher_epochs: int = 60):
    """A workspace with ``book`` imported and the GNN teacher trained (reused when ``root``
    already holds them)."""
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
    if not tpath.exists():
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


def distill_without(ws, cfg, heldout: list[str], teacher: str, out: Path, log=print) -> dict:
    """``distill_workspace`` with the held-out concepts' pairs removed, the result copied to
    ``out`` (``student.pt`` + ``tokenizer.json``) so two runs can live side by side.

    The held-out filter wraps :func:`generation.student.pairs.curriculum_pairs` for this
    call only (distill_workspace has no such option; the wrapper keeps the benchmark from
    editing the trainer).
    """
    import shutil

    import generation.student.pairs as P
    from generation.student.checkpoint import student_dir
    from generation.student.distill import distill_workspace
    held = set(heldout)
    orig = P.curriculum_pairs

    def filtered(store, tasks=None):
        pairs = orig(store, tasks) if tasks is not None else orig(store)
        return [p for p in pairs if p.focus not in held]
    P.curriculum_pairs = filtered
    try:
        m = distill_workspace(ws, cfg, teacher=teacher, log=log)
    finally:
        P.curriculum_pairs = orig
    out.mkdir(parents=True, exist_ok=True)
    for f in ("student.pt", "tokenizer.json", "metrics.json"):
        shutil.copy2(student_dir(ws) / f, out / f)
    return m


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
    for iri, name in sorted(names.items(), key=lambda kv: -len(kv[1] or "")):
        if not name or iri == focus:
            continue
        pat = re.compile(r"(?<!\w)" + re.escape(name.lower()) + r"s?(?!\w)")
        if pat.search(low):
            if iri in lexicon.labels:
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
    from gnn.evaluate import prf
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
    print(f"held-out prerequisite pairs: {len(pairs)}; teacher F1 {t_prf['f1']}, student head F1 "
          f"{s_prf['f1']} (threshold {thr:.3f}), retention {retention}", flush=True)

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
        tch = Teacher.load(ws, cache=False)
        tch.prereq_scores([(a, b) for b in by_a[a]])
        t_teacher.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with torch.no_grad():
            from gnn.train import _embed
            _embed(tch.model, tch.td.data, torch.device("cpu"))
        t_teacher_fwd.append(time.perf_counter() - t0)
    t_stud = []
    for a in queries:
        t0 = time.perf_counter()
        kd.score_prereqs([(a, b) for b in by_a[a]])
        t_stud.append(time.perf_counter() - t0)
    speedup = percentile(t_teacher, 0.5) / percentile(t_stud, 0.5)

    # ---- latency of a 60-token output --------------------------------------------------
    lat, lat_cpu = [], []
    lin_inputs = [kd.linearize(c, "definition") for c in held[:args.latency_n]]
    model = kd.model.seq2seq
    for lin in lin_inputs:
        x = torch.tensor([lin.ids])                                                # (1, L)
        t0, c0 = time.perf_counter(), time.process_time()
        with torch.no_grad():
            g = model.generate(input_ids=x, attention_mask=torch.ones_like(x), num_beams=kd.cfg.num_beams,
                               min_new_tokens=60, max_new_tokens=60, do_sample=False)
        lat.append((time.perf_counter() - t0) * 1000)
        lat_cpu.append((time.process_time() - c0) * 1000)
        assert g.shape[1] >= 60
    ck = Path(args.cur_work) / book / "student-kd" / "student.pt"
    import resource
    metrics = {
        "student_params": count_params(model),
        "def_chrf_student": fact["kd"]["chrf"], "def_chrf_nokd": fact["nokd"]["chrf"],
        "def_chrf_template": fact["template"]["chrf"],
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
                           "agreement": round(agree, 4), "student_seconds_all_pairs": round(t_student, 2)},
        "speed": {"queries": len(queries), "teacher_load_and_score_s_p50": round(percentile(t_teacher, 0.5), 4),
                  "teacher_forward_only_s_p50": round(percentile(t_teacher_fwd, 0.5), 4),
                  "student_score_s_p50": round(percentile(t_stud, 0.5), 4),
                  "latency_ms": [round(x, 1) for x in lat], "beams": kd.cfg.num_beams,
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


if __name__ == "__main__":
    main()
