"""The distilled student text generator: tokenizer, linearisation, model,
distillation, grounded decoding, checkpoints and the Python API (:mod:`generation.student.api`)."""
