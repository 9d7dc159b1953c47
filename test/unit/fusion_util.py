"""Helpers of the fusion tests: the stage table without `linalg-fuse-elementwise`, a program
compiled with and without it, and the fusion remarks of compiling a program."""

from __future__ import annotations

import pytest

from charlc import pipeline
from charlc.api import Session, compile_in, load
from charlc.diagnostics import Source
from charlc.options import Options
from charlc.pipeline import STAGE_PASSES, Stage
from charlc.run import Program
from passes import available_passes
from passes._fuse_remarks import Remark
from passes.linalg_fuse_elementwise import LinalgFuseElementwisePass

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


def fusion_remarks(source: str, matmul_epilogues: bool = False) -> list[Remark]:
    """The fusion remarks of compiling `source` (as `r.ch`) through the cpu pipeline to the linalg
    stage, with or without matmul fusion."""
    remarks: list[Remark] = []
    names = pipeline.passes_through("cpu", Stage.LINALG)
    passes = pipeline.parse_pass_pipeline(",".join(pipeline.pass_spec(n, Options()) for n in names), available_passes())
    fuse = LinalgFuseElementwisePass(remarks=True, matmul_epilogues=matmul_epilogues, report=remarks.append)
    compile_in(Session(Options()), Source("r.ch", source), "charl", [fuse if p.name == FUSE else p for p in passes])
    return remarks
