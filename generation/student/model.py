"""The student network: a compact T5 encoder-decoder built from a ``transformers`` config,
plus the two small heads distillation needs.

* :func:`build_model` makes the seq2seq model from a :class:`generation.config.StudentConfig`
  (``T5Config`` -> ``T5ForConditionalGeneration``, random weights, no hub download), or
  loads ``cfg.pretrained_path`` (a local transformers checkpoint folder) and resizes its
  embeddings to the student's vocabulary. A pretrained body keeps what it learned; its
  embedding rows mean other tokens under our BPE, so only the transformer blocks carry
  over. The build refuses more than ``cfg.max_params`` parameters.
* :class:`StudentModel` wraps it with an auxiliary prerequisite head on the encoder and a
  projection of node-span states to the teacher's embedding width. A node's *span* is the
  run of input tokens that describes it (its placeholder, label and definition); its pooled
  state is the mean of the encoder states over the span. The prerequisite head scores an
  ordered pair of pooled states, so at run time the student scores prerequisites with no
  GNN (:meth:`StudentModel.prereq_logits`).

* :class:`CopyHead` (``cfg.copy_head``): a copy/pointer mechanism after See et al. 2017,
  "Get To The Point": at each output step a copy attention over the input tokens (its own
  query/key projections of the decoder's final state and the encoder states), a
  generation probability ``p_gen = sigmoid(w . [h_t, c_t] + b)`` from the decoder state
  h_t and the attended context c_t, and the output distribution
  ``P(w) = p_gen * softmax(logits)(w) + (1 - p_gen) * sum_{i: x_i = w} a_t,i``. The input's
  tokens are in the vocabulary (one BPE for input and output), so no extended vocabulary is
  needed. The loss is the negative log of that mixture; greedy decoding mixes the same way
  (:func:`generation.student.decoding.greedy_decode`).

Why (a) a copy head on this T5 and not (b) an encoder-decoder started from all-MiniLM-L6-v2
(issue 12 asks to measure and choose). Measured on 2 shared CPU cores
(``benchmarks/copy_choice.py``; figures in ``benchmarks/results/copy_choice.json``):

* a tiny dev set where only copying can write the answer (made-up three-word spans shown
  in the input's evidence beside a distractor span, 48 training pairs, 16 dev pairs with
  spans never seen in training; a 2+2-layer T5 at d_model 64, 1,000 steps, same seed):
  share of the span's words written on dev **0.312 with the copy head (its switch
  supervised, :func:`copy_supervision`), 0.0 without**; 0.229 with an unsupervised switch.
  Exact match is 0 for both: the copy head finds the right words but not yet all three
  in order, and with 400 training pairs at the same 1,000 steps it wrote 0.083 (0.042
  unsupervised): copying has to be learnt at the level of BPE pieces, and the gate
  prefers memorised words while it can. The copy head costs no training time (23.7 vs
  26.2 CPU s);
* one training step, batch 16 x 192 input x 48 output tokens, one thread, same load:
  the default student with the copy head (6.1M parameters with its heads) **1.8 s**;
  BERT2BERT from all-MiniLM-L6-v2 (49.0M) **6.6 s** (20.8 s against 3.8 s in an earlier
  run under heavier load).

(b) is not chosen for the CPU path: it has 8x the parameters and each step costs 3.6x, so a
CPU budget buys under a third of the steps; it brings a WordPiece vocabulary
without our placeholders and graph tokens (the tokenizer, the checkpoint format and
grounded decoding would all change); and its decoder still has to learn to copy through
cross-attention, where the pointer gives copying an explicit, supervised path. (b)
remains the candidate for a GPU budget (``pretrained_path`` loads a local seq2seq
checkpoint). Not yet shown: that the copy student beats the extractive baseline on a book
-- short CPU runs on *Psychology 2e* (no teacher; 63 steps in 6 minutes under load 12,
then 212 steps in 8.4 minutes with the supervised switch) wrote the 83 held-out
definitions at chrF 8.84 and 12.05, against the extractive 43.34 and the template 21.09:
far too few steps to say anything about the approach; ``benchmarks/gpu.sh`` is the run
that can tell.

T5 (Raffel et al. 2020) rather than BART because its relative position buckets need no
learned position table, so the input budget can change without retraining, and its
pre-norm blocks train stably from scratch at small widths. The demo size (3+3 layers,
d_model 256, d_ff 768, vocab 4k, tied embeddings) has 5.75M parameters.

>>> from generation.config import StudentConfig
>>> cfg = StudentConfig(d_model=32, enc_layers=1, dec_layers=1, heads=2, d_kv=16, d_ff=64)
>>> m = StudentModel(cfg, vocab_size=300, teacher_dim=8)
>>> ids = torch.tensor([[5, 6, 7, 1]]); spans = torch.tensor([[[1., 1, 0, 0], [0, 0, 1, 0]]])
>>> out = m(ids, torch.ones_like(ids), labels=torch.tensor([[8, 1]]), span_mask=spans)
>>> out["logits"].shape, out["spans"].shape, out["proj"].shape
(torch.Size([1, 2, 300]), torch.Size([1, 2, 32]), torch.Size([1, 2, 8]))
>>> m.prereq_logits(out["spans"][:, 0], out["spans"][:, 1]).shape
torch.Size([1])
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from transformers import AutoModelForSeq2SeqLM, T5Config, T5ForConditionalGeneration
from transformers.modeling_outputs import BaseModelOutput

from generation.config import StudentConfig, StudentConfigError

__all__ = ["build_model", "StudentModel", "CopyHead", "copy_supervision", "count_params", "t5_config"]


def t5_config(cfg: StudentConfig, vocab_size: int):
    """The ``transformers.T5Config`` a :class:`StudentConfig` describes."""
    return T5Config(vocab_size=vocab_size, d_model=cfg.d_model, d_kv=cfg.d_kv, d_ff=cfg.d_ff,
                    num_layers=cfg.enc_layers, num_decoder_layers=cfg.dec_layers,
                    num_heads=cfg.heads, dropout_rate=cfg.dropout, feed_forward_proj="relu",
                    relative_attention_num_buckets=32, relative_attention_max_distance=128,
                    pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                    tie_word_embeddings=True, use_cache=True)


def count_params(model: nn.Module) -> int:
    """Distinct parameters (tied embeddings counted once)."""
    seen, n = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            n += p.numel()
    return n


def build_model(cfg: StudentConfig, vocab_size: int):
    """A ``transformers`` encoder-decoder (``T5ForConditionalGeneration``) for ``cfg``.

    Random weights from the config, or ``cfg.pretrained_path`` loaded from local files only
    (its token embeddings resized to ``vocab_size``). Raises
    :class:`generation.config.StudentConfigError` above ``cfg.max_params`` parameters or
    when the pretrained folder is missing/unreadable.
    """
    if cfg.pretrained_path:
        path = Path(cfg.pretrained_path).expanduser()
        if not path.is_dir():
            raise StudentConfigError(f"pretrained_path {path} is not a folder holding a "
                                     "transformers checkpoint (config.json + weights)")
        try:
            model = AutoModelForSeq2SeqLM.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as e:
            raise StudentConfigError(f"cannot load a seq2seq model from {path}: {e}") from e
        model.resize_token_embeddings(vocab_size)
        model.config.pad_token_id, model.config.eos_token_id = 0, 1
        model.config.decoder_start_token_id = 0
    else:
        model = T5ForConditionalGeneration(t5_config(cfg, vocab_size))
    n = count_params(model)
    if cfg.max_params and n > cfg.max_params:
        raise StudentConfigError(f"the student would have {n:,} parameters, above max_params "
                                 f"{cfg.max_params:,}: shrink d_model/layers/vocab_size or "
                                 "raise max_params on purpose")
    return model


class CopyHead(nn.Module):
    """The pointer of See et al. 2017 (module docstring): mixes the vocabulary distribution
    with a copy attention over the input tokens.

    >>> h = CopyHead(8); torch.manual_seed(0) is not None
    True
    >>> logp = h.mix(torch.randn(1, 2, 8), torch.randn(1, 3, 8), torch.tensor([[5, 6, 1]]),
    ...              torch.ones(1, 3), torch.randn(1, 2, 10))
    >>> logp.shape, bool(torch.allclose(logp.exp().sum(-1), torch.ones(1, 2)))
    (torch.Size([1, 2, 10]), True)
    """

    def __init__(self, d: int):
        super().__init__()
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(2 * d, 1)
        self.scale = d ** -0.5

    def keys(self, enc: Tensor) -> Tensor:
        """Copy-attention keys of the encoder states, (B, L, d) (computed once a decode)."""
        return self.k(enc)

    def gate_and_attention(self, h: Tensor, enc: Tensor, attention_mask: Tensor,
                           keys: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``p_gen`` (B, T, 1) and the copy attention (B, T, L) (shapes as :meth:`mix`)."""
        keys = self.keys(enc) if keys is None else keys
        att = (self.q(h) @ keys.transpose(1, 2)) * self.scale                      # (B, T, L)
        att = att.masked_fill(attention_mask[:, None, :] == 0, torch.finfo(att.dtype).min)
        a = att.softmax(-1)                                                          # (B, T, L)
        ctx = a @ enc                                                                # (B, T, d)
        return torch.sigmoid(self.gate(torch.cat([h, ctx], -1))), a

    def mix(self, h: Tensor, enc: Tensor, input_ids: Tensor, attention_mask: Tensor,
            logits: Tensor, keys: Tensor | None = None, parts: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """Log-probabilities of the mixture, (B, T, V).

        Shapes: ``h`` (B, T, d) decoder final states, ``enc`` (B, L, d), ``input_ids`` and
        ``attention_mask`` (B, L), ``logits`` (B, T, V) of the vocabulary head. ``parts``:
        ``(p_gen, attention)`` already computed by :meth:`gate_and_attention`.
        """
        p_gen, a = parts if parts is not None else self.gate_and_attention(h, enc, attention_mask, keys)
        B, T, V = logits.shape
        copy = logits.new_zeros((B, T, V)).scatter_add_(
            -1, input_ids[:, None, :].expand(B, T, input_ids.size(1)), a)            # (B, T, V)
        p = p_gen * logits.float().softmax(-1) + (1 - p_gen) * copy
        return p.clamp_min(1e-9).log()


def copy_supervision(p_gen: Tensor, a: Tensor, input_ids: Tensor, attention_mask: Tensor,
                     labels: Tensor) -> Tensor:
    """The supervised switch of Gulcehre et al. 2016 ("Pointing the Unknown Words") for the
    copy head: binary cross-entropy of ``1 - p_gen`` against "the target token is in the
    input", plus the negative log of the copy attention's mass on the input positions
    holding the target token (where it is there). Without it the gate learns to write
    the training set's words from the vocabulary, and copying does not carry over to
    inputs whose words it never saw as targets (``benchmarks/copy_choice.py``).

    Shapes: ``p_gen`` (B, T, 1), ``a`` (B, T, L), ``input_ids``/``attention_mask`` (B, L),
    ``labels`` (B, T) with -100 where ignored -> a scalar (0 when no token is valid).
    """
    valid = labels != -100                                                          # (B, T)
    hit = (input_ids[:, None, :] == labels.clamp(min=0)[:, :, None]) & (attention_mask[:, None, :] > 0)
    in_input = hit.any(-1) & valid                                                  # (B, T)
    if not bool(valid.any()):
        return p_gen.new_zeros(())
    gate = F.binary_cross_entropy(p_gen.squeeze(-1)[valid].float().clamp(1e-6, 1 - 1e-6),
                                  (~in_input)[valid].float())
    if not bool(in_input.any()):
        return gate
    mass = (a * hit.to(a.dtype)).sum(-1)[in_input]                                 # (K,)
    return gate - mass.clamp_min(1e-9).log().mean()


class StudentModel(nn.Module):
    """Seq2seq model + auxiliary prerequisite head + projection to teacher embeddings.

    Args:
        cfg: the student config.
        vocab_size: the tokenizer's vocabulary size.
        teacher_dim: width of the teacher's node embeddings (0: no projection, e.g. a
            student trained without a teacher).
        seq2seq: an already built model to wrap (else :func:`build_model`).
    """

    def __init__(self, cfg: StudentConfig, vocab_size: int, teacher_dim: int = 0, seq2seq=None):
        super().__init__()
        self.cfg = cfg
        self.seq2seq = seq2seq if seq2seq is not None else build_model(cfg, vocab_size)
        d = self.seq2seq.config.d_model
        # pair head on [h_a, h_b, h_a * h_b, |h_a - h_b|]: the order of h_a, h_b carries direction
        self.aux = nn.Sequential(nn.Linear(4 * d, d), nn.GELU(), nn.Linear(d, 1))
        self.teacher_dim = int(teacher_dim)
        self.proj = nn.Linear(d, teacher_dim) if teacher_dim else None
        self.copy = CopyHead(d) if getattr(cfg, "copy_head", False) else None

    @property
    def d_model(self) -> int:
        return self.seq2seq.config.d_model

    def encode(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Encoder states, (B, L, d)."""
        return self.seq2seq.get_encoder()(input_ids=input_ids,
                                          attention_mask=attention_mask).last_hidden_state

    @staticmethod
    def span_states(enc: Tensor, span_mask: Tensor) -> Tensor:
        """Mean encoder state over each node's span.

        Shapes: ``enc`` (B, L, d), ``span_mask`` (B, N, L) with 1 on the span's tokens ->
        (B, N, d); an empty span gives zeros.
        """
        w = span_mask.to(enc.dtype)                                     # (B, N, L)
        return (w @ enc) / w.sum(-1, keepdim=True).clamp(min=1.0)       # (B, N, d)

    def decode_states(self, enc: Tensor, attention_mask: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher-forced decoder: its final states (B, T, d), after the final norm, and the
        vocabulary logits (B, T, V), for ``labels`` (B, T) with -100 where ignored."""
        s2s = self.seq2seq
        dec_in = s2s._shift_right(labels)                                   # (B, T), -100 -> pad
        h = s2s.get_decoder()(input_ids=dec_in, encoder_hidden_states=enc,
                              encoder_attention_mask=attention_mask, use_cache=False).last_hidden_state
        cfg = s2s.config
        scale = cfg.d_model ** -0.5 if getattr(cfg, "scale_decoder_outputs", cfg.tie_word_embeddings) else 1.0
        return h, s2s.lm_head(h * scale)

    def prereq_logits(self, h_a: Tensor, h_b: Tensor) -> Tensor:
        """Logit of *a requires b* from pooled states (..., d), (..., d) -> (...)."""
        x = torch.cat([h_a, h_b, h_a * h_b, (h_a - h_b).abs()], dim=-1)  # (..., 4d)
        return self.aux(x).squeeze(-1)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, labels: Tensor | None = None,
                span_mask: Tensor | None = None) -> dict:
        """Run encoder (+ decoder when ``labels``), pool node spans, project them.

        Shapes: ``input_ids``/``attention_mask`` (B, L); ``labels`` (B, T) with -100 or
        pad ignored; ``span_mask`` (B, N, L). Returns a dict with ``enc`` (B, L, d),
        ``logits`` (B, T, V; log-probabilities of the copy mixture when the model has a
        copy head) and ``lm_loss`` (scalar) when labels are given, ``spans``
        (B, N, d) and ``proj`` (B, N, teacher_dim) when a span mask is given.
        """
        enc = self.encode(input_ids, attention_mask)                    # (B, L, d)
        out: dict = {"enc": enc}
        if labels is not None:
            labels = labels.masked_fill(labels == 0, -100)              # pad -> ignored
            if self.copy is None:
                r = self.seq2seq(encoder_outputs=BaseModelOutput(last_hidden_state=enc),
                                 attention_mask=attention_mask, labels=labels)
                out["logits"], out["lm_loss"] = r.logits, r.loss      # (B, T, V), ()
            else:
                h, logits = self.decode_states(enc, attention_mask, labels)         # (B, T, d), (B, T, V)
                p_gen, a = self.copy.gate_and_attention(h, enc, attention_mask)     # (B, T, 1), (B, T, L)
                logp = self.copy.mix(h, enc, input_ids, attention_mask, logits, parts=(p_gen, a))
                out["logits"] = logp                                            # (B, T, V)
                out["lm_loss"] = F.nll_loss(logp.reshape(-1, logp.size(-1)), labels.reshape(-1),
                                            ignore_index=-100)
                out["copy_loss"] = copy_supervision(p_gen, a, input_ids, attention_mask, labels)
        if span_mask is not None:
            spans = self.span_states(enc, span_mask)                    # (B, N, d)
            out["spans"] = spans
            if self.proj is not None:
                out["proj"] = self.proj(spans)                          # (B, N, D_teacher)
        return out
