"""Every program in examples/ compiles to verified, located charl IR (see test_language_examples).

The examples are picked up by glob: a new `examples/*.ch` file is tested without changing this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_language_examples import check_compiles

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*(ROOT / "examples").glob("*.ch"), *(ROOT / "examples").glob("*.charl")])


def test_there_are_examples() -> None:
    assert EXAMPLES, "examples/ holds no .ch programs"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_compiles(path: Path) -> None:
    check_compiles(path.read_text(), str(path.relative_to(ROOT)))
