"""The pass registry: every pass charlc can run, by name.

Our passes live one per file in this package (`convert-charl-to-linalg` is
`passes/convert_charl_to_linalg.py`, class `ConvertCharlToLinalgPass`) and are listed in
`available_passes`, the only registry; xDSL's generic passes are listed beside them.
"""

from __future__ import annotations

from xdsl.passes import ModulePass

# One-line summaries for upstream passes whose classes have no docstring.
_UPSTREAM_SUMMARIES: tuple[tuple[str, str], ...] = (
    ("canonicalize", "Applies the canonicalization patterns attached to ops, folds constants and removes dead code."),
    ("cse", "Eliminates common subexpressions: merges identical side-effect-free ops."),
    ("dce", "Removes ops whose results are unused and that have no side effects."),
)


def available_passes() -> dict[str, type[ModulePass]]:
    """Every registered pass class, keyed by its pass name."""
    from xdsl.transforms.canonicalize import CanonicalizePass
    from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination
    from xdsl.transforms.dead_code_elimination import DeadCodeElimination

    from passes.charl_autodiff import CharlAutodiffPass
    from passes.charl_bufferize import CharlBufferizePass
    from passes.charl_fuse_loops import CharlFuseLoopsPass
    from passes.charl_inline import CharlInlinePass
    from passes.charl_parallelize_loops import CharlParallelizeLoopsPass
    from passes.charl_plan_memory import CharlPlanMemoryPass
    from passes.charl_quantize import CharlQuantizePass
    from passes.charl_split_argmax import CharlSplitArgmaxPass
    from passes.convert_charl_to_linalg import ConvertCharlToLinalgPass
    from passes.convert_linalg_to_gpu import ConvertLinalgToGpuPass
    from passes.convert_linalg_to_loops import ConvertLinalgToLoopsPass
    from passes.convert_to_llvm import ConvertToLlvmPass
    from passes.linalg_fuse_elementwise import LinalgFuseElementwisePass

    upstream: list[type[ModulePass]] = [CanonicalizePass, CommonSubexpressionElimination, DeadCodeElimination]
    ours: list[type[ModulePass]] = [
        CharlInlinePass,
        CharlAutodiffPass,
        CharlQuantizePass,
        ConvertCharlToLinalgPass,
        LinalgFuseElementwisePass,
        CharlBufferizePass,
        CharlPlanMemoryPass,
        ConvertLinalgToLoopsPass,
        CharlFuseLoopsPass,
        CharlParallelizeLoopsPass,
        CharlSplitArgmaxPass,
        ConvertLinalgToGpuPass,
        ConvertToLlvmPass,
    ]
    return {p.name: p for p in [*upstream, *ours]}


def summary(pass_class: type[ModulePass]) -> str:
    """The first line of a pass's docstring (for upstream passes without one, our summary)."""
    for name, text in _UPSTREAM_SUMMARIES:
        if pass_class.name == name:
            return text
    doc = (pass_class.__doc__ or "").strip()
    return doc.splitlines()[0].strip() if doc else ""
