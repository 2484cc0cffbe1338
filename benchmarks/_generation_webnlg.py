"""Part 1 of the generation benchmark: WebNLG 2020 graph-to-text with the student's
architecture and tokenizer, trained from scratch (``--webnlg-train``), tuned on dev
(``--webnlg-tune``) and scored once on test (``--webnlg-test``). The protocol is in
``benchmarks/generation.py``'s docstring; that file is the command line.

Imported by ``benchmarks/generation.py`` after it has put the repository root first on
``sys.path`` (so ``generation`` is the package, not that file)."""
from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import torch

import _webnlg as W
from _common import machine, table
from _generation_results import OUT_DIR, PUBLISHED, WEBNLG, load_results, save_results


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
    import io

    from kg.atomic import atomic_write
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict() if opt else None,
                "config": cfg.to_dict(), "state": state}, buf)
    atomic_write(path, buf.getvalue())


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
    note = f" ({args.budget_note})" if args.budget_note else ""
    budget = (f"CPU: {machine()}{note}, {st['elapsed'] / 60:.0f} min wall "
              f"training, {st['step']} steps of batch {args.batch} (~{st['step'] * args.batch / st['pairs']:.1f} "
              f"passes over {st['pairs']:,} pairs); checkpoint '{choice['ckpt']}' (step "
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
