"""The copy head (issue 12): a tiny student overfits a handful of evidence -> text pairs whose
targets hold a span of made-up words shown only in the input's evidence, writes them back,
and does so by copying (the copy distribution, not the vocabulary, carries those words)."""
from __future__ import annotations

import random

import pytest
import torch

from generation.student.decoding import greedy_decode, pad_inputs
from generation.student.linearize import linearize
from generation.student.pairs import Example, Pair, corpus_texts, placeholderize
from generation.student.tokenizer import StudentTokenizer
from kg.neighbourhood import neighbourhood

from .conftest import I, WORDS, tiny_cfg

SYLL = ["ka", "lo", "mi", "ru", "te", "zo", "pa", "ni", "su", "ve"]


def _data(n: int, seed: int) -> list[tuple[str, list[str], str]]:
    r = random.Random(seed)
    pool = sorted({a + b + c for a in SYLL for b in SYLL for c in SYLL})
    out = []
    for i in range(n):
        c = WORDS[i % len(WORDS)]
        span = " ".join(r.sample(pool, 3))
        out.append((c, [f"{c} is known as {span} in the book.", f"We use {c} often."], f"{c} means {span}."))
    return out


@pytest.fixture(scope="module")
def copier(tiny_store):
    from generation.student.distill import train_student
    from generation.student.model import StudentModel
    data = _data(6, 1)
    cfg = tiny_cfg(max_steps=60, lr=1e-2, alpha=0.0, beta=0.0, copy_head=True, max_input_tokens=48,
                   d_model=48, enc_layers=1, dec_layers=1, d_ff=96, d_kv=24,
                   evidence_tokens=30, batch_size=6)
    tok = StudentTokenizer.train(corpus_texts(tiny_store) + [x for _c, e, t in data for x in e + [t]], 300)
    ex = []
    for c, ev, t in data:
        lin = linearize(neighbourhood(tiny_store, I + c, 1, 3), tok, cfg, "definition", evidence=ev)
        tgt = placeholderize(t, lin)
        ex.append(Example(Pair("definition", I + c, t), lin, tgt, tok.encode(tgt, max_len=cfg.max_output_tokens)))
    torch.manual_seed(0)
    r = train_student(ex, [], StudentModel(cfg, len(tok)), cfg)
    return r.model.eval(), tok, ex


def test_overfits_evidence_pairs_by_copying_the_span(copier):
    model, tok, ex = copier
    ids, att = pad_inputs([e.lin for e in ex])
    seqs, _ = greedy_decode(model.seq2seq, ids, att, max_new_tokens=16, copy=model.copy)
    outs = [tok.decode(s.tolist()) for s in seqs]
    assert outs == [e.target for e in ex]                      # "<E0> means kaveka kavete nilolo."
    # the made-up words come through the copy attention: on the span's tokens the copy
    # share (1 - p_gen) * P_copy(w) outweighs the vocabulary's p_gen * P_vocab(w)
    with torch.no_grad():
        lab = torch.zeros((len(ex), max(len(e.target_ids) for e in ex)), dtype=torch.long)
        for b, e in enumerate(ex):
            lab[b, :len(e.target_ids)] = torch.tensor(e.target_ids)
        enc = model.encode(ids, att)
        h, logits = model.decode_states(enc, att, lab.masked_fill(lab == 0, -100))
        p_gen, a = model.copy.gate_and_attention(h, enc, att)
        vocab = logits.softmax(-1)
    means = tok.encode("means", eos=False)[-1]
    wins = total = 0
    for b, e in enumerate(ex):
        start = e.target_ids.index(means) + 1                  # the span's tokens follow "means"
        for t in range(start, len(e.target_ids) - 2):          # up to the final "." and </s>
            w = e.target_ids[t]
            copy_w = float(a[b, t][ids[b] == w].sum())
            total += 1
            wins += (1 - float(p_gen[b, t])) * copy_w > float(p_gen[b, t]) * float(vocab[b, t, w])
    assert total >= 12 and wins / total >= 0.8


def test_copy_decoding_same_on_the_fast_and_the_plain_path(copier):
    model, _tok, ex = copier
    ids, att = pad_inputs([e.lin for e in ex[:3]])
    fast, lp_f = greedy_decode(model.seq2seq, ids, att, max_new_tokens=12, copy=model.copy, fast=True)
    slow, lp_s = greedy_decode(model.seq2seq, ids, att, max_new_tokens=12, copy=model.copy, fast=False)
    assert fast.tolist() == slow.tolist() and torch.allclose(lp_f, lp_s, atol=1e-4)


def test_copy_supervision_rewards_copying_what_the_input_holds():
    from generation.student.model import copy_supervision
    ids = torch.tensor([[7, 8, 9, 1, 0]])                       # input; the last position is padding
    att = torch.tensor([[1, 1, 1, 1, 0]])
    labels = torch.tensor([[8, 42, -100]])                      # 8 is in the input, 42 is not
    good_a = torch.tensor([[[0, 1.0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25, 0], [1.0, 0, 0, 0, 0]]])
    good_g = torch.tensor([[[1e-6], [1 - 1e-6], [0.5]]])          # copy 8, write 42 from the vocabulary
    assert float(copy_supervision(good_g, good_a, ids, att, labels)) < 1e-3
    bad_a = torch.tensor([[[0.5, 0, 0.5, 0, 0], [0.25, 0.25, 0.25, 0.25, 0], [1.0, 0, 0, 0, 0]]])
    bad_g = torch.tensor([[[0.9], [0.1], [0.5]]])
    # gate: -(log 0.1 + log 0.1) / 2 = 2.303; attention on 8: -log(1e-9) clamped mass 0 -> 20.7
    assert float(copy_supervision(bad_g, bad_a, ids, att, labels)) == pytest.approx(2.3026 + 20.7233, rel=1e-3)
    none = torch.full((1, 3), -100)
    assert float(copy_supervision(good_g, good_a, ids, att, none)) == 0.0
