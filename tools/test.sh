#!/usr/bin/env bash
# The whole test suite: every notebook (slow cells included) through nbdev-test, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=${MPLBACKEND:-Agg}
# Two notebooks run at once on two cores: one torch thread each, or their thread pools fight and crawl.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
echo "--- nbdev-test (all notebooks, --flags slow)"
t0=$(date +%s)
nbdev-test --flags slow --n-workers "${NBDEV_TEST_WORKERS:-2}" --timing
echo "nbdev-test took $(( $(date +%s) - t0 ))s"
echo "--- pytest"
python -m pytest -q tests
