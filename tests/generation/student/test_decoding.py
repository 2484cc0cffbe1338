"""The plain greedy loop gives exactly what ``generate(num_beams=1)`` gives."""
from __future__ import annotations

import pytest
import torch

from generation.student.decoding import default_processors, greedy_decode, pad_inputs


def _batch(ex, n=4):
    """The first ``n`` inputs of the overfitted student, padded (rows differ in length)."""
    return pad_inputs([e.lin for e in ex[:n]])


def _rows(seqs):
    """Rows cut after their first </s> (generate and the loop pad differently after it)."""
    out = []
    for s in seqs.tolist():
        out.append(s[:s.index(1, 1) + 1] if 1 in s[1:] else s)
    return out


@pytest.mark.parametrize("fast", [True, False])
def test_greedy_loop_matches_generate_with_processors(overfit, fast):
    from generation.student.decoding import _T5Steps
    m = overfit["model"].seq2seq.eval()
    assert _T5Steps.eligible(m)                 # the student's relu T5 takes the written-out step
    ids, att = _batch(overfit["examples"])
    assert len(set(att.sum(1).tolist())) > 1                   # padding is exercised
    for rep, nr in ((1.0, 0), (1.3, 2)):
        ref = m.generate(input_ids=ids, attention_mask=att, num_beams=1, do_sample=False,
                         max_new_tokens=30, no_repeat_ngram_size=nr or None, repetition_penalty=rep)
        seqs, lp = greedy_decode(m, ids, att, max_new_tokens=30, fast=fast,
                                 processors=default_processors(nr, rep))
        assert lp.shape == (4,) and bool(torch.isfinite(lp).all()) and bool((lp <= 0).all())
        assert _rows(seqs) == _rows(ref)
        assert len({tuple(r) for r in _rows(seqs)}) == 4 and min(map(len, _rows(seqs))) > 5


def test_min_new_tokens_and_a_ban_hold(overfit):
    m = overfit["model"].seq2seq.eval()
    ids, att = _batch(overfit["examples"])
    free, _ = greedy_decode(m, ids, att, max_new_tokens=20)
    first = int(free[0, 1])

    class Ban:                          # the first token row 0 wrote freely is forbidden
        def __call__(self, input_ids, scores):
            scores = scores.clone()
            scores[:, first] = torch.finfo(scores.dtype).min
            return scores
    banned, _ = greedy_decode(m, ids, att, max_new_tokens=20, processors=[Ban()])
    assert first not in banned[0, 1:].tolist()
    fixed, _ = greedy_decode(m, ids, att, max_new_tokens=40, min_new_tokens=40)
    assert fixed.shape[1] == 41 and 1 not in fixed[:, 1:].flatten().tolist()
