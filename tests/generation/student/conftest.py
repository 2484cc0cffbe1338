"""Fixtures of the student tests: a random tiny curriculum and a tiny student overfitted on it.

The curriculum has single-word concept labels (NATO alphabet), a random prerequisite chain,
definitions that name two *other* random concepts (often outside a focus's 1-hop, 3-node
neighbourhood: just what grounded decoding must keep out), one section text and one
multiple-choice question.
"""
from __future__ import annotations

import random

import pytest
import torch

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima"]
K = "https://w3id.org/kgstudio/ns#"
I = "https://w3id.org/kgstudio/id/tiny/"
G = "https://w3id.org/kgstudio/graph/source/tiny"
A = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
L = "http://www.w3.org/2000/01/rdf-schema#label"
P = "http://www.w3.org/2004/02/skos/core#prefLabel"
XI = "^^<http://www.w3.org/2001/XMLSchema#integer>"


def curriculum(seed: int = 0, n: int = len(WORDS)) -> str:
    """N-Triples of the random tiny curriculum."""
    rnd = random.Random(seed)
    t = [f"<{I}cur> <{A}> <{K}Curriculum> .", f'<{I}cur> <{L}> "Tiny" .',
         f"<{I}ch> <{A}> <{K}Chapter> .", f"<{I}ch> <{K}partOf> <{I}cur> .",
         f'<{I}ch> <{K}position> "1"{XI} .', f'<{I}ch> <{L}> "Chapter" .',
         f"<{I}s> <{A}> <{K}Section> .", f"<{I}s> <{K}partOf> <{I}ch> .",
         f'<{I}s> <{K}position> "1"{XI} .', f'<{I}s> <{L}> "Section" .']
    sents = []
    for i in range(n):
        w = WORDS[i]
        b, c = rnd.sample([x for x in WORDS[:n] if x != w], 2)
        t += [f"<{I}{w}> <{A}> <{K}Concept> .", f'<{I}{w}> <{L}> "{w}" .', f'<{I}{w}> <{P}> "{w}" .',
              f'<{I}{w}> <{K}definition> "{w} is the part of {b} that feeds {c}." .',
              f"<{I}{w}> <{K}definedIn> <{I}s> .", f"<{I}s> <{K}teaches> <{I}{w}> ."]
        if i:
            t.append(f"<{I}{w}> <{K}requires> <{I}{WORDS[rnd.randrange(i)]}> .")
        sents.append(f"We use {w} with {b}.")
    t.append(f'<{I}s> <{K}text> "{" ".join(sents)}" .')
    t += [f"<{I}q> <{A}> <{K}AssessmentItem> .", f'<{I}q> <{K}stem> "What feeds {WORDS[2]}?" .',
          f'<{I}q> <{K}itemType> "multiple-choice" .', f"<{I}q> <{K}assesses> <{I}{WORDS[0]}> .",
          f"<{I}q> <{K}partOf> <{I}s> ."]
    for j, (txt, ok) in enumerate([(WORDS[0], "true"), (WORDS[1], "false")]):
        ch = f"{I}q-{j}"
        t += [f"<{I}q> <{K}hasChoice> <{ch}> .", f"<{ch}> <{A}> <{K}Choice> .",
              f'<{ch}> <{K}choiceText> "{txt}" .',
              f'<{ch}> <{K}isCorrect> "{ok}"^^<http://www.w3.org/2001/XMLSchema#boolean> .',
              f'<{ch}> <{K}feedback> "Not {txt}: look again at {WORDS[2]}." .']
    return "\n".join(t) + "\n"


def tiny_cfg(**kw):
    from generation.config import StudentConfig
    base = dict(vocab_size=300, d_model=64, enc_layers=2, dec_layers=2, heads=2, d_kv=32, d_ff=128,
                dropout=0.0, hops=1, max_nodes=3, max_entities=4, max_input_tokens=64,
                max_output_tokens=24, def_words=6, lr=3e-3, warmup_steps=5, batch_size=12,
                epochs=1, val_ratio=0.0, num_beams=1, checkpoint_every=1000, threads=1)
    base.update(kw)
    return StudentConfig(**base)


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    """Tiny models run faster on one thread (and do not fight other jobs for the cores)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="package")
def tiny_store():
    from kg.store.embedded import EmbeddedStore
    s = EmbeddedStore(None)
    s.add_to_graph(G, curriculum())
    yield s
    s.close()


@pytest.fixture(scope="package")
def overfit(tiny_store):
    """A tiny student trained to memorise the curriculum's definition pairs (no teacher)."""
    from generation.student.distill import train_student
    from generation.student.model import StudentModel
    from generation.student.pairs import build_examples, corpus_texts, curriculum_pairs
    from generation.student.tokenizer import StudentTokenizer
    cfg = tiny_cfg(max_steps=70, lr=6e-3, alpha=0.0, beta=0.0, copy_head=False)   # the plain T5 path
    tok = StudentTokenizer.train(corpus_texts(tiny_store), cfg.vocab_size)
    ex = build_examples(tiny_store, curriculum_pairs(tiny_store, ["definition"]), tok, cfg)
    torch.manual_seed(0)
    model = StudentModel(cfg, len(tok))
    r = train_student(ex, [], model, cfg)
    return {"cfg": cfg, "tok": tok, "examples": ex, "model": r.model, "result": r}
