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
  # `nbdev-test --n-workers 2` hands the notebooks out in name order: lessons 6 and 7, two of the four long ones,
  # start together, 8 follows 6 and 9 follows 7, so lessons 7 and 9, two of the three longest, run one after the other on
  # one worker while the other idles for the last 30-40 s. Two runs side by side, each running its notebooks one
  # after another in one process, share the work evenly instead: lessons 6 and 9 and the short 0 (data) and 4 in one
  # (about 100 s of work), lessons 7 and 8 and all the others in the other (about as much). The second skips exactly
  # what the first takes, so every notebook runs once, and a new one in the second. (tools/nbdev_test.py is
  # nbdev-test drawing figures at 1x.)
  first='^(00_data|04_|06_|09_)'
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
  # this machine's speed just now, to compare the time above with runs on other machines or at other hours
  # (the same machine's rate has varied by 15-20% from hour to hour): one thread, 1024x1024 float32 products
  python - <<'PYEOF'
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
def seconds():
    t0 = time.perf_counter(); a @ b; return time.perf_counter() - t0
best = min(seconds() for _ in range(30))
print(f"(this machine now: {2 * 1024**3 / best / 1e9:.0f} GFLOP/s for one thread's float32 matrix products, best of 30)")
PYEOF
fi
if [ "$part" != notebooks ]; then
  echo "--- pytest"
  python -m pytest -q tests
fi
