#!/usr/bin/env bash
# Runs every test from a fresh clone: creates .venv if absent, installs charlc with its test tools,
# runs the lit suites, then pytest (last, so that its summary line is the last line of output).
# Exits non-zero if anything fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "test/run.sh: charlc needs Python 3.11 or later (set PYTHON=/path/to/python3.11)" >&2
    exit 2
  }
  "$python" -m venv .venv || exit 2
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' || exit 2
export PATH="$PWD/.venv/bin:$PATH"

status=0
lit -sv test/filecheck || status=1
pytest -n 2 -q test/unit || status=1
exit "$status"
