"""Greedy decoding in a plain loop: what ``generate(num_beams=1)`` computes, at a fraction of
its per-step overhead.

The student is tiny (3+3 layers, d_model 256), so one decoder step costs about 2 ms of
arithmetic on a CPU core, and ``transformers``' ``generate`` adds more than that again per
step in bookkeeping (generation config, cache wrappers, stopping criteria). Measured on the
psychology student, one core (the other busy), a forced 60-token output with the
repetition and grounding processors: ``generate`` 405 ms, this loop through
``transformers``' forward 380 ms, this loop with the written-out T5 step (:class:`_T5Steps`)
277 ms -- most of what is left is reading the 15 MB of decoder weights once per token. The
loop runs the encoder once, then the decoder one token at a time with its key/value cache, applies the same logits processors ``generate`` would (repetition
penalty, no-repeat n-grams, then the caller's, e.g. grounding), and stops when every row
has written ``</s>``.

Returns the same as ``generate(..., return_dict_in_generate=True, output_scores=True)``
needs for the student: the sequences (decoder start token first, padded after ``</s>``) and
each row's mean log-probability over its written tokens (under the processed scores, as
``generate``'s ``scores`` are). A test checks that the sequences equal ``generate``'s.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from transformers import NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

__all__ = ["greedy_decode", "default_processors", "pad_inputs"]


def pad_inputs(lins: Sequence) -> tuple[Tensor, Tensor]:
    """``input_ids`` and ``attention_mask`` (B, L) of linearised inputs (``.ids`` each),
    right-padded with 0 to the longest."""
    L = max(len(x.ids) for x in lins)
    ids = torch.zeros((len(lins), L), dtype=torch.long)
    att = torch.zeros_like(ids)
    for b, x in enumerate(lins):
        ids[b, :len(x.ids)] = torch.tensor(x.ids)
        att[b, :len(x.ids)] = 1
    return ids, att


def default_processors(no_repeat_ngram: int = 0, repetition_penalty: float = 1.0,
                       extra: Sequence = ()) -> list:
    """The processors ``generate`` would build for these settings, in its order, then ``extra``."""
    procs: list = []
    if repetition_penalty and repetition_penalty != 1.0:
        procs.append(RepetitionPenaltyLogitsProcessor(repetition_penalty))
    if no_repeat_ngram and no_repeat_ngram > 0:
        procs.append(NoRepeatNGramLogitsProcessor(no_repeat_ngram))
    return procs + list(extra)


class _T5Steps:
    """One decoder step of a ``transformers`` T5 (relu feed-forward, the student's kind)
    written out with preallocated key/value caches.

    Same arithmetic as ``T5ForConditionalGeneration`` in eval mode: RMS layer norms,
    unscaled attention with the decoder's relative position bias (computed once for every
    position, shared by all layers), cross-attention over the encoder states with their
    keys/values projected once, relu feed-forward, the final norm and the tied-embedding
    output scale. ``transformers``' own step spends most of its time in cache objects and
    per-step bookkeeping around these few small matrix products.
    """

    def __init__(self, seq2seq, enc: Tensor, attention_mask: Tensor, max_len: int):
        cfg = seq2seq.config
        dec = seq2seq.get_decoder()
        self.blocks = [(b.layer[0], b.layer[1], b.layer[2]) for b in dec.block]
        self.embed = dec.embed_tokens
        self.final = dec.final_layer_norm
        self.lm_head = seq2seq.lm_head
        self.scale = cfg.d_model ** -0.5 if getattr(cfg, "scale_decoder_outputs",
                                                   cfg.tie_word_embeddings) else 1.0
        self.H, self.dk = cfg.num_heads, cfg.d_kv
        B, L, _ = enc.shape
        att0 = self.blocks[0][0].SelfAttention
        self.bias = att0.compute_bias(max_len, max_len, device=enc.device)          # (1, H, T, T)
        self.enc_mask = ((1.0 - attention_mask[:, None, None, :].to(enc.dtype))
                         * torch.finfo(enc.dtype).min)                               # (B, 1, 1, L)
        self.cross = []
        for _sa, ca, _ff in self.blocks:
            a = ca.EncDecAttention
            self.cross.append((a.k(enc).view(B, L, self.H, self.dk).transpose(1, 2),
                               a.v(enc).view(B, L, self.H, self.dk).transpose(1, 2)))  # (B, H, L, dk)
        # q, k, v of each self-attention as one product, rows laid out (3, H, dk)
        self.qkv = [torch.cat([sa.SelfAttention.q.weight, sa.SelfAttention.k.weight,
                               sa.SelfAttention.v.weight]) for sa, _ca, _ff in self.blocks]
        self.K = [enc.new_zeros((B, self.H, max_len, self.dk)) for _ in self.blocks]
        self.V = [enc.new_zeros((B, self.H, max_len, self.dk)) for _ in self.blocks]
        self.t = 0

    @staticmethod
    def eligible(seq2seq) -> bool:
        cfg = seq2seq.config
        return (getattr(cfg, "model_type", "") == "t5" and not getattr(cfg, "is_gated_act", False)
                and getattr(cfg, "dense_act_fn", "relu") == "relu" and not seq2seq.training)

    def _norm(self, ln, x: Tensor) -> Tensor:
        return F.rms_norm(x, (x.size(-1),), ln.weight, ln.variance_epsilon)

    def __call__(self, tokens: Tensor) -> Tensor:
        """Logits (B, V) of the next token after ``tokens`` (B,), the last written."""
        t, H, dk = self.t, self.H, self.dk
        B = tokens.size(0)
        x = self.embed(tokens)[:, None, :]                                           # (B, 1, d)
        bias = self.bias[:, :, t:t + 1, :t + 1]                                      # (1, H, 1, t+1)
        for i, (sa, ca, ff) in enumerate(self.blocks):
            qkv = F.linear(self._norm(sa.layer_norm, x), self.qkv[i])                # (B, 1, 3*H*dk)
            q, k, v = qkv.view(B, 3, H, 1, dk).unbind(1)                             # (B, H, 1, dk) each
            self.K[i][:, :, t:t + 1] = k
            self.V[i][:, :, t:t + 1] = v
            a = F.scaled_dot_product_attention(q, self.K[i][:, :, :t + 1], self.V[i][:, :, :t + 1],
                                               attn_mask=bias, scale=1.0)           # (B, H, 1, dk)
            x = x + sa.SelfAttention.o(a.transpose(1, 2).reshape(B, 1, H * dk))
            c = ca.EncDecAttention
            q = c.q(self._norm(ca.layer_norm, x)).view(B, 1, H, dk).transpose(1, 2)
            kc, vc = self.cross[i]
            a = F.scaled_dot_product_attention(q, kc, vc, attn_mask=self.enc_mask, scale=1.0)
            x = x + c.o(a.transpose(1, 2).reshape(B, 1, H * dk))
            d = ff.DenseReluDense
            x = x + d.wo(torch.relu(d.wi(self._norm(ff.layer_norm, x))))
        x = self._norm(self.final, x)
        self.hidden = x[:, 0, :]                                                     # (B, d), for a copy head
        self.t += 1
        return self.lm_head(x * self.scale)[:, 0, :]                                 # (B, V)


@torch.inference_mode()
def greedy_decode(seq2seq, input_ids: Tensor, attention_mask: Tensor, *, max_new_tokens: int,
                  eos_id: int = 1, pad_id: int = 0, start_id: int = 0, min_new_tokens: int = 0,
                  processors: Sequence = (), fast: bool | None = None,
                  copy=None) -> tuple[Tensor, Tensor]:
    """Greedy decoding of a ``transformers`` encoder-decoder.

    Shapes: ``input_ids``/``attention_mask`` (B, L) -> sequences (B, 1 + t) with t <=
    ``max_new_tokens`` (``start_id`` first, ``pad_id`` after a row's ``</s>``) and mean
    log-probabilities (B,). ``min_new_tokens`` forbids ``</s>`` before that many tokens
    (a fixed-length output, for timing). ``fast``: the written-out T5 step (:class:`_T5Steps`;
    default: when the model is a relu T5 in eval mode), else ``transformers``' forward.
    ``copy``: a :class:`generation.student.model.CopyHead`; each step's scores are then the
    log-probabilities of its mixture of the vocabulary with the copy attention over
    ``input_ids`` (the processors act on those).
    """
    B = input_ids.size(0)
    device = input_ids.device
    enc = seq2seq.get_encoder()(input_ids=input_ids, attention_mask=attention_mask)
    seqs = torch.full((B, 1), start_id, dtype=torch.long, device=device)          # (B, 1)
    done = torch.zeros(B, dtype=torch.bool, device=device)
    logp_sum = torch.zeros(B, device=device)
    n_tok = torch.zeros(B, device=device)
    past = None
    last = seqs
    fast = _T5Steps.eligible(seq2seq) if fast is None else fast
    steps = _T5Steps(seq2seq, enc.last_hidden_state, attention_mask, max_new_tokens) if fast else None
    keys = copy.keys(enc.last_hidden_state) if copy is not None else None           # (B, L, d)
    for step in range(max_new_tokens):
        if steps is not None:
            scores = steps(last[:, -1]).float()                                     # (B, V)
            hidden = steps.hidden if copy is not None else None                     # (B, d)
        elif copy is not None:                  # whole prefix again (no cache): the slow path
            cfg = seq2seq.config
            h = seq2seq.get_decoder()(input_ids=seqs, encoder_hidden_states=enc.last_hidden_state,
                                      encoder_attention_mask=attention_mask,
                                      use_cache=False).last_hidden_state[:, -1, :]  # (B, d)
            scale = cfg.d_model ** -0.5 if getattr(cfg, "scale_decoder_outputs", cfg.tie_word_embeddings) else 1.0
            scores, hidden = seq2seq.lm_head(h * scale).float(), h
        else:
            out = seq2seq(encoder_outputs=enc, attention_mask=attention_mask, decoder_input_ids=last,
                          past_key_values=past, use_cache=True)
            past = out.past_key_values
            scores = out.logits[:, -1, :].float()                                   # (B, V)
        if copy is not None:
            scores = copy.mix(hidden[:, None, :], enc.last_hidden_state, input_ids, attention_mask,
                              scores[:, None, :], keys)[:, 0, :].float()            # (B, V) log-probs
        if step < min_new_tokens:
            scores[:, eos_id] = torch.finfo(scores.dtype).min
        for proc in processors:
            scores = proc(seqs, scores)
        nxt = scores.argmax(-1)                                                     # (B,)
        lp = scores.log_softmax(-1).gather(-1, nxt[:, None]).squeeze(-1)            # (B,)
        live = ~done
        logp_sum += torch.where(live, lp, torch.zeros_like(lp))
        n_tok += live.float()
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        seqs = torch.cat([seqs, nxt[:, None]], dim=1)
        done |= nxt == eos_id
        if bool(done.all()):
            break
        last = nxt[:, None]
    return seqs.cpu(), (logp_sum / n_tok.clamp(min=1)).cpu()
