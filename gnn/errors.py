"""Errors of the teacher's training that a user can cause."""
from __future__ import annotations

from kg.errors import KGStudioError

__all__ = ["TrainError"]


class TrainError(KGStudioError):
    """Training cannot run as asked (no CUDA, no labels, mini-batch extra missing...)."""
