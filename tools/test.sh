#!/usr/bin/env bash
# The whole test suite: every notebook (slow cells included) through nbdev-test, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=${MPLBACKEND:-Agg}
echo "--- nbdev-test (all notebooks, --flags slow)"
t0=$(date +%s)
nbdev-test --flags slow --n-workers "${NBDEV_TEST_WORKERS:-2}" --timing
echo "nbdev-test took $(( $(date +%s) - t0 ))s"
echo "--- pytest"
python -m pytest -q tests
