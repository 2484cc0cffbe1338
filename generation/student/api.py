"""The trained student as a :class:`generation.base.Generator`: text + provenance + scores.

::

    from generation.student.api import load_student
    s = load_student(workspace)                       # models/student/student.pt
    g = s.generate(concept_iri, "definition")         # generation.base.Generation
    g.text, g.triples, g.checkpoint, g.concepts, g.scores
    s.score_prereqs([(a, b)])                         # P(a requires b), aux head, no GNN

Loading checks that the checkpoint fits the workspace (graph hash, tokenizer; see
:mod:`generation.student.checkpoint`), then keeps an in-memory snapshot of the graph's
neighbourhood triples (:func:`kg.neighbourhood.snapshot`) and the lexicon of concept labels
that grounded decoding needs. A student is bound to the graph it was trained on, so the
snapshot is never stale while the checkpoint is valid.

One generation: the focus's neighbourhood, ordered by the teacher's relevance (the
teacher's node embeddings stored in the checkpoint; no GNN runs), linearised
(:mod:`generation.student.linearize`), decoded greedily (:mod:`generation.student.decoding`;
beam search through ``generate`` when ``num_beams`` > 1, except for a student with a copy
head, which ``generate`` cannot run: it decodes greedily whatever ``num_beams`` says) under
:class:`generation.student.grounding.GroundedLogitsProcessor`, then checked: an output that
still names a concept outside the input is decoded again with the offending tokens banned
(twice at most), and what still fails is cut sentence by sentence. Placeholders are filled
with the input nodes' names last. ``scores`` holds ``logprob`` (the beam's length-normalised
log-probability), ``grounding_retries`` and, for a distilled student, the auxiliary head's
``requires:<IRI>`` (P(focus requires IRI)) and ``required_by:<IRI>`` for every concept of
the input.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from transformers import LogitsProcessorList

from generation.base import Generation, check_task
from generation.config import StudentConfig
from generation.student.checkpoint import (StudentCheckpoint, StudentCheckpointError, load_student_checkpoint,
                                           student_dir)
from generation.student.grounding import (GroundedLogitsProcessor, Lexicon, drop_sentences,
                                          outside_mentions, realise)
from generation.student.decoding import default_processors, greedy_decode, pad_inputs
from generation.student.linearize import Linearized, linearize
from generation.student.model import StudentModel
from generation.student.pairs import _with_node, gather_evidence
from generation.student.tokenizer import StudentTokenizer
from kg.neighbourhood import neighbourhood, snapshot

__all__ = ["Student", "load_student", "student_checkpoint_path", "decode_batch", "Decoded",
           "BanIndex", "clear_cache"]

_CACHE: dict[tuple[str, str], "Student"] = {}
_LOCK = threading.Lock()


def student_checkpoint_path(workspace) -> Path:
    """``models/student/student.pt`` of a workspace (it may not exist yet)."""
    return student_dir(workspace) / "student.pt"


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


class BanIndex:
    """Token sequences of every concept label, tokenised once; :meth:`banned` picks those of
    the concepts outside an input (what grounded decoding forbids)."""

    def __init__(self, tok: StudentTokenizer, lexicon: Lexicon):
        self.entries: list[tuple[set[str], list[list[int]]]] = []
        for key, iris in lexicon.by_words.items():
            seqs = set()
            for form in lexicon.surface_forms(key):
                ids = tok.encode(form, eos=False)
                if ids and tok.unk_id not in ids:
                    seqs.add(tuple(ids))
            self.entries.append((set(iris), [list(s) for s in sorted(seqs)]))

    def banned(self, allowed: set[str]) -> list[list[int]]:
        return [s for iris, seqs in self.entries if not iris & allowed for s in seqs]


@dataclass
class Decoded:
    placeholder_text: str        # the decoder's output with <Ek> kept
    text: str                    # names filled in, sentences naming outside concepts removed
    answer: str | None           # a question's answer (after <answer>), names filled in
    logprob: float               # length-normalised log-probability of the kept beam
    retries: int                 # re-decodes grounding needed
    dropped: bool                # whether sentences had to be cut to stay grounded


def _allowed(lin: Linearized) -> set[str]:
    return set(lin.entities)


@torch.no_grad()
def _generate(model: StudentModel, tok: StudentTokenizer, lins: Sequence[Linearized],
              banned: Sequence[list[list[int]]], num_beams: int, max_new: int, grounded: bool,
              cfg: StudentConfig):
    device = next(model.parameters()).device
    ids, att = pad_inputs(lins)
    procs = []
    if grounded:
        procs = LogitsProcessorList([GroundedLogitsProcessor(
            tok, [len(x.entities) for x in lins], banned, num_beams)])
    if model.copy is not None:           # generate() knows nothing of the copy head: greedy only
        num_beams = 1
    if num_beams == 1:                   # the plain loop: same output, far less overhead per token
        seqs, lp = greedy_decode(model.seq2seq, ids.to(device), att.to(device), max_new_tokens=max_new,
                                 eos_id=tok.eos_id, pad_id=tok.pad_id, processors=default_processors(
                                     cfg.no_repeat_ngram, cfg.repetition_penalty, procs),
                                 copy=model.copy)
        return [s.tolist() for s in seqs], lp.tolist()
    out = model.seq2seq.generate(input_ids=ids.to(device), attention_mask=att.to(device),
                                 num_beams=num_beams, max_new_tokens=max_new, do_sample=False,
                                 no_repeat_ngram_size=cfg.no_repeat_ngram or None,
                                 repetition_penalty=cfg.repetition_penalty,
                                 logits_processor=procs or None, return_dict_in_generate=True,
                                 output_scores=True, **({"early_stopping": True} if num_beams > 1 else {}))
    seqs = out.sequences.cpu()                                                     # (B, t)
    if num_beams > 1 and getattr(out, "sequences_scores", None) is not None:
        lp = out.sequences_scores.cpu().tolist()
    else:
        steps = torch.stack(out.scores, 1).float().log_softmax(-1).cpu()           # (B, t-1, V)
        chosen = steps.gather(-1, seqs[:, 1:].unsqueeze(-1)).squeeze(-1)           # (B, t-1)
        mask = (seqs[:, 1:] != tok.pad_id).float()
        chosen = torch.where(mask.bool(), chosen, torch.zeros_like(chosen))
        lp = (chosen.sum(1) / mask.sum(1).clamp(min=1)).tolist()
    return [s.tolist() for s in seqs], lp


def _bad_token_bans(tok: StudentTokenizer, seq: list[int], words: set[str]) -> list[list[int]]:
    """Single-token bans for every generated token that spells part of an outside mention."""
    out = []
    for i in seq:
        if tok.is_special(i):
            continue
        piece = (tok.tk.id_to_token(i) or "").replace("▁", "").lower()
        if len(piece) >= 2 and any(piece in w for w in words):
            out.append([i])
    return out


def decode_batch(model: StudentModel, tok: StudentTokenizer, lins: Sequence[Linearized],
                 cfg: StudentConfig, *, lexicon: Lexicon | None = None,
                 bans: BanIndex | None = None, grounded: bool | None = None,
                 num_beams: int | None = None, max_retries: int = 2) -> list[Decoded]:
    """Decode several linearised inputs (module docstring: grounding, retries, filling).

    Without a ``lexicon`` only the placeholder guard applies (no concept labels known).
    """
    grounded = cfg.grounded if grounded is None else grounded
    num_beams = num_beams or cfg.num_beams
    lexicon = lexicon if lexicon is not None else Lexicon({})
    if grounded and bans is None:
        bans = BanIndex(tok, lexicon)
    banned = [bans.banned(_allowed(x)) if grounded else [] for x in lins]
    seqs, lps = _generate(model, tok, lins, banned, num_beams, cfg.max_output_tokens, grounded, cfg)
    results: list[Decoded] = []
    for b, lin in enumerate(lins):
        seq, lp, retries = seqs[b], lps[b], 0
        text = tok.decode(seq)
        if grounded:
            allowed = _allowed(lin)
            while retries < max_retries:
                bad = outside_mentions(text, lexicon, allowed)
                if not bad:
                    break
                words = {w.lower() for iri in bad for lab in lexicon.labels.get(iri, []) for w in lab.split()}
                banned[b] = banned[b] + _bad_token_bans(tok, seq, words)
                s2, l2 = _generate(model, tok, [lin], [banned[b]], num_beams, cfg.max_output_tokens, True, cfg)
                seq, lp, retries = s2[0], l2[0], retries + 1
                text = tok.decode(seq)
        ph = text
        stem, answer = (ph.split("<answer>", 1) + [None])[:2] if "<answer>" in ph else (ph, None)
        dropped = False
        if grounded:
            allowed = _allowed(lin)
            clean = drop_sentences(stem, lexicon, allowed)
            dropped = clean != " ".join(stem.split())
            stem = clean
            if answer is not None and outside_mentions(answer, lexicon, allowed):
                answer, dropped = "", True
        results.append(Decoded(ph, realise(stem, lin.names) if stem.strip() else "",
                               realise(answer, lin.names) if answer and answer.strip() else answer,
                               float(lp), retries, dropped))
    return results


class Student:
    """A loaded student checkpoint bound to its workspace (implements ``Generator``)."""

    name = "student"

    def __init__(self, ck: StudentCheckpoint, model: StudentModel, tok: StudentTokenizer,
                 store, lexicon: Lexicon, evidence: dict[str, list[str]] | None = None):
        self.ck = ck
        self.evidence = evidence or {}           # concept IRI -> evidence sentences, best first
        self.model = model.eval()
        self.tok = tok
        self.cfg = ck.config
        self.store = store                       # in-memory snapshot of the graph
        self.lexicon = lexicon
        self.bans = BanIndex(tok, lexicon)
        self.checkpoint = ck.id
        self.teacher_id = ck.teacher_id
        self._rel_index: dict[str, int] = {}
        self._rel_unit = None
        if ck.relevance:
            self._rel_index = {iri: i for i, iri in enumerate(ck.relevance["iris"])}
            self._rel_unit = F.normalize(ck.relevance["emb"].float(), dim=-1)   # (N, D)
        self._lock = threading.Lock()

    # ---- inputs -------------------------------------------------------------------------
    def relevance(self, focus: str, iris: Sequence[str]) -> dict[str, float] | None:
        """Cosine of the teacher's stored embeddings to the focus (None: no table / unknown)."""
        if self._rel_unit is None or focus not in self._rel_index:
            return None
        f = self._rel_unit[self._rel_index[focus]]                                   # (D,)
        rows = [(i, self._rel_index[i]) for i in iris if i in self._rel_index]
        if not rows:
            return None
        sims = self._rel_unit[[r for _i, r in rows]] @ f                             # (K,)
        return {i: float(s) for (i, _r), s in zip(rows, sims)}

    def linearize(self, focus: str, task: str, context: dict | None = None,
                  include: Sequence[str] = ()) -> Linearized:
        """The linearised input for one request (raises ``NodeNotFound`` for an unknown IRI)."""
        context = context or {}
        nb = neighbourhood(self.store, focus, self.cfg.hops, self.cfg.max_nodes)
        target = context.get("target") if task == "prerequisite" else None
        have = {n.iri for n in nb.nodes}
        for extra in ([target] if target else []) + list(include):
            if extra not in have:
                nb = _with_node(self.store, nb, extra)
                have.add(extra)
        rel = self.relevance(focus, [n.iri for n in nb.nodes])
        wrong = context.get("wrong") if task == "feedback" else None
        question = context.get("question") if task == "feedback" else None
        if task == "feedback" and wrong is None:
            wrong = ""
        ev = self.evidence.get(focus, [])[: self.cfg.evidence_k] if self.cfg.evidence_k else []
        return linearize(nb, self.tok, self.cfg, task, relevance=rel, target=target,
                         wrong=wrong, question=question, include=include, evidence=ev)

    # ---- Generator protocol ---------------------------------------------------------------
    def generate(self, focus: str, task: str, *, context: dict | None = None) -> Generation:
        """Write ``task`` text about ``focus`` (see :class:`generation.base.Generator`)."""
        return self.generate_batch([(focus, task, context)])[0]

    def generate_batch(self, requests: Sequence[tuple[str, str, dict | None]],
                       grounded: bool | None = None, num_beams: int | None = None) -> list[Generation]:
        """Several requests ``(focus, task, context)`` decoded together (``grounded`` and
        ``num_beams`` default to the checkpoint config's)."""
        lins = []
        for focus, task, context in requests:
            check_task(task)
            lins.append(self.linearize(focus, task, context))
        with self._lock:
            decoded = decode_batch(self.model, self.tok, lins, self.cfg, lexicon=self.lexicon,
                                   bans=self.bans, grounded=grounded, num_beams=num_beams)
            prereq = self._aux_scores(lins) if self.ck.teacher else [{} for _ in lins]
        out = []
        for (focus, task, _c), lin, d, ps in zip(requests, lins, decoded, prereq):
            named = self._named(d, lin)
            extra = {"placeholder_text": d.placeholder_text, "input": lin.text,
                     "entities": dict(zip(lin.entities, lin.names))}
            if d.answer is not None:
                extra["answer"] = d.answer
            if d.dropped:
                extra["grounding"] = "sentences naming concepts outside the input were removed"
            out.append(Generation(text=d.text, task=task, focus=focus, triples=list(lin.triples),
                                  generator=self.name, checkpoint=self.checkpoint, concepts=named,
                                  scores={"logprob": d.logprob, "grounding_retries": float(d.retries), **ps},
                                  extra=extra))
        return out

    def _named(self, d: Decoded, lin: Linearized) -> list[str]:
        named: list[str] = []
        text = d.placeholder_text
        for m in re.finditer(r"<E(\d+)>", text):
            k = int(m.group(1))
            if k < len(lin.entities) and lin.types[k] == "concept" and lin.entities[k] not in named:
                named.append(lin.entities[k])
        allowed = set(lin.entities)
        for iri in sorted(self.lexicon.mentions(re.sub(r"<E\d+>", " ", text)) & allowed):
            if iri not in named:
                named.append(iri)
        return named

    # ---- the auxiliary head -----------------------------------------------------------------
    @torch.no_grad()
    def _aux_scores(self, lins: Sequence[Linearized]) -> list[dict[str, float]]:
        out = []
        for lin in lins:
            ks = [k for k in range(1, len(lin.entities)) if lin.types[k] == "concept"]
            if not ks:
                out.append({})
                continue
            h = self._spans(lin)                                                   # (N, d)
            fwd = torch.sigmoid(self.model.prereq_logits(h[0].expand(len(ks), -1), h[ks]))
            bwd = torch.sigmoid(self.model.prereq_logits(h[ks], h[0].expand(len(ks), -1)))
            d = {}
            for k, p, q in zip(ks, fwd.tolist(), bwd.tolist()):
                d[f"requires:{lin.entities[k]}"] = float(p)
                d[f"required_by:{lin.entities[k]}"] = float(q)
            out.append(d)
        return out

    def _spans(self, lin: Linearized) -> torch.Tensor:
        device = next(self.model.parameters()).device
        ids = torch.tensor([lin.ids], device=device)                                 # (1, L)
        enc = self.model.encode(ids, torch.ones_like(ids))                           # (1, L, d)
        mask = torch.zeros((1, len(lin.spans), len(lin.ids)), device=device)
        for k, (s, t) in enumerate(lin.spans):
            mask[0, k, s:t] = 1.0
        return self.model.span_states(enc, mask)[0]                                  # (N, d)

    @torch.no_grad()
    def score_prereqs(self, pairs: Sequence[tuple[str, str]]) -> torch.Tensor:
        """P(a requires b) for each ``(a, b)`` from the auxiliary head alone, (N,) float32.

        Each ``a``'s neighbourhood is linearised with the ``b``s placed right after it (in
        chunks that fit ``max_entities``), encoded once, and the head scores the pooled
        span states. Raises :class:`~generation.student.checkpoint.StudentCheckpointError`
        for a student trained without a teacher (its head never learned).
        """
        if not self.ck.teacher:
            raise StudentCheckpointError(f"{self.ck.path} was trained without a teacher, so its "
                                         "prerequisite head is untrained; train the teacher and "
                                         "rerun `kgstudio distill`")
        pairs = list(pairs)
        out = torch.zeros(len(pairs))
        by_a: dict[str, list[int]] = {}
        for i, (a, _b) in enumerate(pairs):
            by_a.setdefault(a, []).append(i)
        room = max(1, self.cfg.max_entities - 1)
        with self._lock:
            for a, idx in by_a.items():
                bs = list(dict.fromkeys(pairs[i][1] for i in idx))
                for c in range(0, len(bs), room):
                    chunk = bs[c:c + room]
                    lin = self.linearize(a, "explanation", include=chunk)
                    h = self._spans(lin)                                             # (N, d)
                    pos = {iri: k for k, iri in enumerate(lin.entities)}
                    for i in idx:
                        b = pairs[i][1]
                        if b in chunk and b in pos:
                            out[i] = torch.sigmoid(self.model.prereq_logits(h[0], h[pos[b]]))
        return out

    def close(self) -> None:
        self.store = None


def load_student(workspace, *, path: str | Path | None = None, cache: bool = True) -> Student:
    """The workspace's student (``models/student/student.pt`` unless ``path``).

    Raises :class:`~generation.student.checkpoint.StudentCheckpointError` when there is no
    readable checkpoint and :class:`~generation.student.checkpoint.StudentCheckpointMismatch`
    when the workspace graph or the tokenizer is not the one it was trained with.
    """
    ck = load_student_checkpoint(path or student_checkpoint_path(workspace))
    ck.check_tokenizer()
    key = (str(ck.path.resolve()), ck.sha256)
    with workspace.open_store(read_only=True) as store:
        ck.check_graph(store)
        with _LOCK:
            hit = _CACHE.get(key) if cache else None
        if hit is not None:
            return hit
        lexicon = Lexicon.from_store(store)
        mem = snapshot(store)
        ev = None
        if ck.config.evidence_k:
            # everything the graph has, less the glossary text of the concepts the run
            # held out for testing (they stay unseen at run time too)
            ev = gather_evidence(store, kinds=ck.config.evidence_kinds,
                                 per_concept=ck.config.evidence_k,
                                 hide_definitions=ck.metrics.get("holdout", []))
    model, tok = ck.build()
    student = Student(ck, model, tok, mem, lexicon, ev)
    if cache:
        with _LOCK:
            _CACHE[key] = student
    return student
