"""Choosing the generator a workspace writes with: the distilled student when one is
trained and current, else the template realiser.

This is the one module that knows both implementations of
:class:`generation.base.Generator`; the protocol and its records in
:mod:`generation.base` import neither, and the composers (``generation.content.builder``,
the CLI, the studio) call :func:`default_generator`.
"""
from __future__ import annotations

import warnings

from generation.base import Generator
from generation.template import TemplateGenerator

__all__ = ["default_generator"]


def default_generator(workspace) -> Generator:
    """The student when the workspace has a trained, current one, else the template realiser."""
    # the student package imports torch and transformers (seconds): only when asked for
    from generation.student.api import load_student, student_checkpoint_path
    from generation.student.checkpoint import StudentCheckpointMismatch
    if student_checkpoint_path(workspace).exists():
        try:
            return load_student(workspace)
        except StudentCheckpointMismatch as e:
            # The curriculum changed since the student was trained: content keeps working
            # from the templates (provenance says so) until `kgstudio distill` retrains it.
            warnings.warn(f"{e}; writing with the templates meanwhile", stacklevel=2)
    return TemplateGenerator(workspace)
