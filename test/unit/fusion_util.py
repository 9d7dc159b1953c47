"""Helpers of the fusion tests: the stage table without `linalg-fuse-elementwise`, and a program
compiled with and without it."""

from __future__ import annotations

import pytest

from charlc import pipeline
from charlc.api import load
from charlc.pipeline import STAGE_PASSES, Stage
from charlc.run import Program

FUSE = "linalg-fuse-elementwise"


def without_fusion() -> dict[tuple[str, Stage], tuple[str, ...]]:
    """The stage table with `linalg-fuse-elementwise` left out."""
    return {key: tuple(p for p in names if p != FUSE) for key, names in STAGE_PASSES.items()}


def fused_and_unfused(source: str) -> tuple[Program, Program]:
    """`source` compiled with fusion, and without it (the stage table patched for the compile)."""
    fused = load(source)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "STAGE_PASSES", without_fusion())
        unfused = load(source)
    return fused, unfused
