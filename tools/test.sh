#!/usr/bin/env bash
# The whole test suite: every notebook, slow cells included, through nbdev-test (two at a time: the package gives
# torch one thread in each worker), then the pytest tests. .ci/run runs the same, and the site and JupyterLab checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=${MPLBACKEND:-Agg}
nbdev-test --flags slow --timing
python -m pytest -q tests
