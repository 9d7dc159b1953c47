"""lit configuration for the FileCheck tests under test/filecheck.

`charlc` and `filecheck` come from the active environment: the directory of the Python running lit
(a virtual environment's `bin/`) is put first on PATH. `filecheck` runs with `--enable-var-scope`;
`not` is lit's own (internal shell).
"""

# ruff: noqa: F821  (lit injects `config` and `lit_config`)

import os
import shutil
import sys

import lit.formats

config.name = "charlc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ch", ".charl", ".mlir"]
# The suite root is the repository; tests live under test/filecheck (run `lit test/filecheck`).
# Everything else that could hold .ch/.mlir files is excluded from discovery. lit matches these
# names in every directory, so the source directories `dialects/` and `passes/` (Python only) are not
# listed: test/filecheck/dialects and test/filecheck/passes must be discovered.
config.excludes = [
    "Inputs", "Output", ".venv", "venv", ".git", "build", "examples", "docs", "bench", "unit",
    "charlc", "runtime",
]  # fmt: skip

env_bin = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([env_bin, config.environment.get("PATH", "")])
for var in ("PYTHONPATH", "HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]


def tool(name: str) -> str:
    """The absolute path of `name` on the test PATH; a fatal lit error when it is not installed."""
    found = shutil.which(name, path=config.environment["PATH"])
    if found is None:
        lit_config.fatal(f"'{name}' not found on PATH; run `pip install -e '.[test]'` in the environment")
    return found


# A tool name as a whole word of a RUN line, not part of a path or another name.
def word(name: str) -> str:
    return rf"(?<![\w./-]){name}(?![\w./-])"


config.substitutions.append((word("charlc"), tool("charlc")))
config.substitutions.append((word("filecheck"), f"{tool('filecheck')} --enable-var-scope"))
