"""Shared fixtures.

``shared_data`` points at ``../shared/data``. Tests that read it skip when it is absent (a
user's clone) and fail when it is absent under CI (``CI=true``): a skipped real-data test
must never pass silently in CI.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KGSTUDIO_SHARED", ROOT.parent / "shared"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _require_shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        msg = f"{path} is missing"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{msg}: CI must run with ../shared beside the checkout")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (skip locally, fail under CI when missing)."""
    return _require_shared("data")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` itself (schemas, fixtures)."""
    return _require_shared(".")


@pytest.fixture
def mem_store():
    """An empty in-memory embedded store."""
    from kg.store.embedded import EmbeddedStore

    s = EmbeddedStore(None)
    yield s
