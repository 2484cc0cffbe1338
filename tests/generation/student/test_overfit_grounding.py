"""The tiny student learns its pairs, and grounded decoding never names a concept outside
the input (while the same model decoding ungrounded does: the check can fail)."""
from __future__ import annotations

import random

from generation.student.api import decode_batch
from generation.student.grounding import Lexicon, outside_mentions
from generation.student.linearize import linearize
from kg.neighbourhood import neighbourhood

from .conftest import I, WORDS, tiny_cfg


def test_overfits_a_handful_of_pairs(overfit):
    tok, ex, cfg = overfit["tok"], overfit["examples"], overfit["cfg"]
    assert len(ex) == len(WORDS)
    assert overfit["result"].curve[-1]["train_ce"] < 0.3
    out = decode_batch(overfit["model"], tok, [e.lin for e in ex], cfg, grounded=False)
    exact = sum(d.placeholder_text == tok.decode(e.target_ids) for d, e in zip(out, ex))
    assert exact >= len(ex) - 1, [(d.placeholder_text, tok.decode(e.target_ids)) for d, e in zip(out, ex)]
    # placeholders are filled with the graph's names, capitalised at the sentence start
    d, e = out[0], ex[0]
    assert d.text.startswith(e.lin.names[0].capitalize() + " is the part of")
    assert "<E" not in d.text


def test_grounded_decoding_never_names_outside_concepts(overfit, tiny_store):
    tok, model = overfit["tok"], overfit["model"]
    lex = Lexicon.from_store(tiny_store)
    assert len(lex) == len(WORDS)
    rnd = random.Random(1)
    lins = []
    for trial in range(16):          # random neighbourhood shapes, focus and task
        cfg = tiny_cfg(hops=rnd.choice([1, 2]), max_nodes=rnd.randint(2, 5),
                       max_entities=rnd.randint(2, 4), num_beams=rnd.choice([1, 2]))
        focus = I + rnd.choice(WORDS)
        nb = neighbourhood(tiny_store, focus, cfg.hops, cfg.max_nodes)
        task = rnd.choice(["definition", "explanation", "question"])
        lins.append((cfg, linearize(nb, tok, cfg, task)))
    ungrounded_bad = grounded_bad = 0
    for cfg, lin in lins:
        [free] = decode_batch(model, tok, [lin], cfg, lexicon=lex, grounded=False)
        ungrounded_bad += bool(outside_mentions(free.text, lex, lin.entities))
        [g] = decode_batch(model, tok, [lin], cfg, lexicon=lex, grounded=True)
        assert not outside_mentions(g.text, lex, lin.entities), (lin.text, g.placeholder_text, g.text)
        assert not outside_mentions(g.placeholder_text, lex, lin.entities) or g.dropped
        grounded_bad += bool(outside_mentions(g.text, lex, lin.entities))
    # the memorised targets name outside concepts: without the guards they come out
    assert ungrounded_bad >= 8
    assert grounded_bad == 0


def test_placeholders_beyond_the_input_are_forbidden(overfit):
    import torch
    from generation.student.grounding import GroundedLogitsProcessor
    tok = overfit["tok"]
    proc = GroundedLogitsProcessor(tok, [2], [[[5, 6], [7]]], num_beams=1)
    scores = torch.zeros((1, len(tok)))
    out = proc(torch.tensor([[0, 5]]), scores)
    e = tok.entity_ids
    assert out[0, e[0]] == 0 and out[0, e[1]] == 0 and (out[0, e[2:]] < -1e30).all()
    assert out[0, 6] < -1e30 and out[0, 7] < -1e30 and out[0, 8] == 0
    out = proc(torch.tensor([[0, 4]]), scores)     # prefix 5 not written: 6 allowed, 7 never
    assert out[0, 6] == 0 and out[0, 7] < -1e30
