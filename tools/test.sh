#!/usr/bin/env bash
# The whole test suite: every notebook (slow cells included) through nbdev-test, then pytest.
# `bash tools/test.sh notebooks` runs only the notebooks, `bash tools/test.sh pytest` only the pytest tests
# (.ci/run runs the pytest tests beside its render check, once the notebooks have had both cores to themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}
case "$part" in all|notebooks|pytest) ;; *) echo "usage: bash tools/test.sh [notebooks|pytest]  (no argument: both)" >&2; exit 2;; esac
export MPLBACKEND=${MPLBACKEND:-Agg}
# Two notebooks run at once on two cores: one torch thread each, or their thread pools fight and crawl.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
if [ "$part" != pytest ]; then
  t0=$(date +%s)
  # Two runs side by side, each running its notebooks one after another in one process, keep the long lessons apart
  # whatever the order of their names: lessons 6 and 10 and the short 0 (data) and 4 in one, lessons 7, 8 and 9 and
  # all the others in the other (about as much work each). The second skips exactly what the first takes, so every
  # notebook runs once, and a new one in the second. (tools/nbdev_test.py is nbdev-test drawing figures at 1x.)
  first='^(00_data|04_|06_|10_)'
  run() { local rc=0; python tools/nbdev_test.py --flags slow --n-workers 0 --timing "$@" || rc=$?
          echo "(this run ended after $(( $(date +%s) - t0 ))s)"; return $rc; }
  logs=$(mktemp -d)
  echo "--- nbdev-test (all notebooks, --flags slow), in two runs side by side: the notebooks matching $first, and the rest"
  run --file-re "$first" >"$logs/first" 2>&1 & first_pid=$!
  run --skip-file-re "$first|^[_.]" >"$logs/rest" 2>&1 & rest_pid=$!
  status=0
  wait $first_pid || status=1
  wait $rest_pid || status=1
  cat "$logs/first" "$logs/rest"
  rm -rf "$logs"
  if [ $status -ne 0 ]; then echo "FAIL: nbdev-test failed (output above)" >&2; exit 1; fi
  echo "nbdev-test took $(( $(date +%s) - t0 ))s"
  # this machine's speed just now, to compare the time above with runs on other machines or at other hours (the
  # same machine's has varied by 15-20% from hour to hour): tools/bench.py's rate for the headline recipe's products
  python -c "import torch; torch.set_num_threads(1); from tools.bench import matmul_rate
print(f'(this machine now: {matmul_rate(torch.float32, 512, 256) / 1e9:.0f} GFLOP/s, float32 on one thread, for the products of the headline recipe)')"
fi
if [ "$part" != notebooks ]; then
  echo "--- pytest"
  python -m pytest -q tests
fi
