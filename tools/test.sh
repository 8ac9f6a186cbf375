#!/usr/bin/env bash
# The whole test suite: every notebook, slow cells included, through nbdev-test (two at a time, one torch thread
# each), then the pytest tests. .ci/run runs the same, and the checks of the built site and of JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=${MPLBACKEND:-Agg}
nbdev-test --flags slow --timing
python -m pytest -q tests
