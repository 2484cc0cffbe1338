"""The distilled student text generator (issue 4): tokenizer, linearisation, model,
distillation, grounded decoding, checkpoints and the Python API (:mod:`generation.student.api`)."""
