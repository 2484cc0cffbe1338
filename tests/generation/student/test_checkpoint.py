"""Student checkpoints: round trip, and the clear errors of a broken or mismatched one."""
from __future__ import annotations

import io

import pytest
import torch

from generation.student.checkpoint import (StudentCheckpointError, StudentCheckpointMismatch,
                                           load_student_checkpoint, save_student)
from generation.student.model import StudentModel
from generation.student.tokenizer import StudentTokenizer

from .conftest import tiny_cfg

TEXTS = ["the mean is the sum divided by the count", "variance is the mean squared deviation"] * 3


def _save(path, tok, model, **kw):
    args = dict(config=model.cfg, tokenizer_json=tok.to_json(),
                state_dict={k: v.clone() for k, v in model.state_dict().items()},
                graph_hash="g1", graphs=["urn:g"], teacher={"id": "t123", "sha256": "t" * 64,
                                                            "dim": 8, "graph_hash": "g1"},
                relevance={"iris": ["urn:a", "urn:b"], "emb": torch.ones(2, 8, dtype=torch.float16)},
                metrics={"val_ce": 1.5}, step=7, val_focus=["urn:a"])
    args.update(kw)
    return save_student(path, **args)


@pytest.fixture(scope="module")
def tiny():
    cfg = tiny_cfg(d_model=32, enc_layers=1, dec_layers=1, d_ff=64, d_kv=16)
    tok = StudentTokenizer.train(TEXTS, 300)
    torch.manual_seed(0)
    return cfg, tok, StudentModel(cfg, len(tok), teacher_dim=8).eval()


def test_round_trip(tmp_path, tiny):
    cfg, tok, model = tiny
    sha = _save(tmp_path / "student.pt", tok, model)
    ck = load_student_checkpoint(tmp_path / "student.pt")
    assert ck.id == sha[:16] and ck.config == cfg and ck.graph_hash == "g1" and ck.step == 7
    assert ck.teacher_id == "t123" and ck.val_focus == ["urn:a"] and ck.metrics["val_ce"] == 1.5
    assert ck.relevance["emb"].dtype == torch.float16
    ck.check_tokenizer()
    ck.check_hash("g1")
    m2, tok2 = ck.build()
    assert tok2.to_json() == tok.to_json() and m2.teacher_dim == 8
    ids = torch.tensor([tok.encode("the mean")])
    with torch.no_grad():
        a = model(ids, torch.ones_like(ids), labels=ids)["logits"]
        b = m2(ids, torch.ones_like(ids), labels=ids)["logits"]
    assert torch.equal(a, b)


def test_graph_hash_mismatch(tmp_path, tiny):
    cfg, tok, model = tiny
    _save(tmp_path / "s.pt", tok, model)
    ck = load_student_checkpoint(tmp_path / "s.pt")
    with pytest.raises(StudentCheckpointMismatch, match="changed since.*kgstudio distill"):
        ck.check_hash("g2")


def test_tokenizer_mismatches(tmp_path, tiny):
    cfg, tok, model = tiny
    path = tmp_path / "student.pt"
    _save(path, tok, model)
    other = StudentTokenizer.train(["completely different words here"] * 4, 250)
    # another tokenizer.json beside the checkpoint
    (tmp_path / "tokenizer.json").write_text(other.to_json(), encoding="utf-8")
    with pytest.raises(StudentCheckpointMismatch, match="is not the tokenizer student.pt was trained with"):
        load_student_checkpoint(path).check_tokenizer()
    (tmp_path / "tokenizer.json").write_text(tok.to_json(), encoding="utf-8")
    load_student_checkpoint(path).check_tokenizer()
    # a tokenizer whose vocabulary does not fit the embedding matrix
    _save(path, other, model)
    (tmp_path / "tokenizer.json").unlink()
    with pytest.raises(StudentCheckpointMismatch, match="tokens but the model's embeddings"):
        load_student_checkpoint(path).check_tokenizer()
    # a stored tokenizer edited after training
    payload = torch.load(io.BytesIO(path.read_bytes()), weights_only=True)
    payload["tokenizer"] = tok.to_json().replace('"unk_token":"<unk>"', '"unk_token":"<pad>"', 1) + " "
    buf = io.BytesIO()
    torch.save(payload, buf)
    path.write_bytes(buf.getvalue())
    with pytest.raises(StudentCheckpointMismatch, match="fingerprint differs"):
        load_student_checkpoint(path).check_tokenizer()


def test_unreadable_checkpoints(tmp_path):
    with pytest.raises(StudentCheckpointError, match="no student checkpoint at .*kgstudio distill"):
        load_student_checkpoint(tmp_path / "nope.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(StudentCheckpointError, match="not a readable student checkpoint"):
        load_student_checkpoint(tmp_path / "junk.pt")
    buf = io.BytesIO()
    torch.save({"format": "something-else"}, buf)
    (tmp_path / "other.pt").write_bytes(buf.getvalue())
    with pytest.raises(StudentCheckpointError, match="not a kgstudio student checkpoint"):
        load_student_checkpoint(tmp_path / "other.pt")
