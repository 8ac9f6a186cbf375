#!/usr/bin/env bash
# Re-execute notebooks in place, one after another, so the outputs saved in them (which the docs site shows)
# match their code; then clean each with nbdev-clean, ready to commit.
#
#   bash tools/run_notebooks.sh                          # every notebook in nbs/
#   bash tools/run_notebooks.sh nbs/04_sgd.ipynb ...     # just these
#
# - Runs nbdev-export first, so each lesson imports the current code of the lessons before it.
# - Uses the local data mirror ../shared/data (beside the repository) when there is one and MNIST_COURSE_DATA
#   is not set already; otherwise the datasets come from fastai's servers (or the mirror you set).
# - One notebook at a time: the lessons time their own training, and two at once on a small CPU would
#   slow each other down and print misleading seconds.
# - A notebook that fails is left as it was (nbconvert writes only after a complete run); the others still run,
#   and the script exits 1 naming the ones that failed. NB_TIMEOUT sets the seconds allowed per cell (600).
set -euo pipefail
nbs=()
for a in "$@"; do
  [ -f "$a" ] || { echo "run_notebooks: no such notebook: $a" >&2; exit 2; }
  nbs+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
done
cd "$(dirname "$0")/.."
if [ ${#nbs[@]} -eq 0 ]; then
  for f in nbs/*.ipynb; do case "$(basename "$f")" in _*) ;; *) nbs+=("$PWD/$f");; esac; done
fi
if [ -z "${MNIST_COURSE_DATA:-}" ] && [ -f ../shared/data/SHA256SUMS ]; then
  export MNIST_COURSE_DATA="$(cd ../shared/data && pwd)"
fi
if [ -n "${MNIST_COURSE_DATA:-}" ]; then echo "data: MNIST_COURSE_DATA=$MNIST_COURSE_DATA"
else echo "data: fastai's servers (no MNIST_COURSE_DATA and no ../shared/data mirror)"; fi
# let the Jupyter kernel pick its inline plotting backend (a non-interactive MPLBACKEND such as Agg, handy for
# tests, would keep figures out of the saved outputs)
unset MPLBACKEND
nbdev-export
failed=()
for nb in "${nbs[@]}"; do
  t0=$(date +%s)
  if jupyter nbconvert --to notebook --execute --inplace --log-level=WARN \
       --ExecutePreprocessor.timeout="${NB_TIMEOUT:-600}" "$nb"; then
    nbdev-clean --fname "$nb"
    echo "ok   ${nb#$PWD/} ($(( $(date +%s) - t0 ))s)"
  else
    failed+=("${nb#$PWD/}")
    echo "FAIL ${nb#$PWD/} ($(( $(date +%s) - t0 ))s): left unchanged" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_notebooks: ${#failed[@]} notebook(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_notebooks: ${#nbs[@]} notebook(s) executed and cleaned; review with git diff, then commit them"
