"""The patterns of `convert-charl-to-linalg` beyond the core ones: indexing, convolution and
pooling, random numbers, quantization and run-time I/O.

The pass class (passes/convert_charl_to_linalg.py) adds `patterns(bounds_checks)` to its own.
"""

from __future__ import annotations

from xdsl.pattern_rewriter import RewritePattern

from passes._charl_to_linalg_conv import conv_patterns
from passes._charl_to_linalg_index import index_patterns
from passes._charl_to_linalg_io import io_patterns
from passes._charl_to_linalg_quant import quant_patterns
from passes._charl_to_linalg_random import random_patterns


def patterns(bounds_checks: bool) -> list[RewritePattern]:
    """The patterns of this part of the pass; `bounds_checks` adds run-time index checks."""
    return [*index_patterns(bounds_checks), *conv_patterns(), *random_patterns(), *quant_patterns(), *io_patterns()]
