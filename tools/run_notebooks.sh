#!/usr/bin/env bash
# Re-execute notebooks in place (all of nbs/, or those named), one at a time as the lessons time their own training,
# after nbdev-export so that each imports the current code of the lessons before it; then nbdev-clean each, ready to
# commit. Data: MNIST_COURSE_DATA, else the mirror ../shared/data when there is one, else fastai's servers.
# A notebook that fails is left as it was (the others still run; exit 1 names it). NB_TIMEOUT: seconds per cell (600).
#   bash tools/run_notebooks.sh [nbs/04_sgd.ipynb ...]
set -euo pipefail
nbs=()
for a in "$@"; do
  [ -f "$a" ] || { echo "run_notebooks: no such notebook: $a" >&2; exit 2; }
  nbs+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
done
cd "$(dirname "$0")/.."
[ ${#nbs[@]} -gt 0 ] || for f in nbs/[!_]*.ipynb; do nbs+=("$PWD/$f"); done
if [ -z "${MNIST_COURSE_DATA:-}" ] && [ -f ../shared/data/SHA256SUMS ]; then export MNIST_COURSE_DATA="$(cd ../shared/data && pwd)"; fi
echo "data: ${MNIST_COURSE_DATA:-the fastai servers}"
unset MPLBACKEND   # the kernel's own inline backend: Agg, handy in tests, would keep the figures out of the outputs
nbdev-export
failed=()
for nb in "${nbs[@]}"; do
  t0=$(date +%s)
  if jupyter nbconvert --to notebook --execute --inplace --log-level=WARN --ExecutePreprocessor.timeout="${NB_TIMEOUT:-600}" "$nb"; then
    nbdev-clean --fname "$nb"; echo "ok   ${nb#$PWD/} ($(( $(date +%s) - t0 ))s)"
  else failed+=("${nb#$PWD/}"); echo "FAIL ${nb#$PWD/} ($(( $(date +%s) - t0 ))s): left unchanged" >&2; fi
done
[ ${#failed[@]} -eq 0 ] || { echo "run_notebooks: ${#failed[@]} notebook(s) failed: ${failed[*]}" >&2; exit 1; }
echo "run_notebooks: ${#nbs[@]} notebook(s) executed and cleaned; review with git diff, then commit them"
