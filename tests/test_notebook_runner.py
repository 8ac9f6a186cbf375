"""tools/test.sh runs the notebooks in two nbdev-test runs side by side, through tools/nbdev_test.py.

Checked here: the two runs together take every notebook nbdev-test would, each exactly once, and the first one
gets the long lessons 6 and 10 while the second gets 7, 8 and 9; and tools/nbdev_test.py draws figures at 1x (the
size Jupyter saves), where execnb's own default draws them at 2x."""
import base64, os, re, runpy, struct, subprocess, sys
from pathlib import Path

from execnb.shell import CaptureShell
from nbdev.config import get_config
from nbdev.doclinks import nbglob

ROOT = Path(__file__).resolve().parents[1]
TEST_SH = (ROOT/'tools'/'test.sh').read_text()

def _run_args(kind):
    "The regex given to `--{kind}` in tools/test.sh's side-by-side runs, with `$first` filled in"
    first = re.search(r"^\s*first='([^']+)'", TEST_SH, re.M).group(1)
    args = re.findall(rf'run --{kind} "([^"]+)"', TEST_SH)
    assert len(args) == 1, f"expected one run with --{kind} in tools/test.sh, found {args}"
    return args[0].replace('$first', first)

def _names(**kw): return sorted(p.name for p in nbglob(get_config(ROOT).nbs_path, as_path=True, **kw))

def test_two_runs_take_every_notebook_once():
    everything = _names()
    first, rest = _names(file_re=_run_args('file-re')), _names(skip_file_re=_run_args('skip-file-re'))
    assert len(everything) >= 16, everything
    assert not set(first) & set(rest), f"run twice: {set(first) & set(rest)}"
    assert sorted(first + rest) == everything
    lessons = lambda names: sorted(n[:2] for n in names if n[:2] in ('06', '07', '08', '09', '10'))
    assert (lessons(first), lessons(rest)) == (['06', '10'], ['07', '08', '09'])

def _png_size(outputs):
    "(width, height) of the first PNG in a cell's outputs"
    png = next(base64.b64decode(o['data']['image/png']) for o in outputs if 'image/png' in o.get('data', {}))
    return struct.unpack('>II', png[16:24])

def test_figures_drawn_at_1x():
    cell = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 3), dpi=100); ax.plot([1, 2]);"
    init = CaptureShell.__init__
    default = _png_size(CaptureShell().run(cell))
    try:
        runpy.run_path(str(ROOT/'tools'/'nbdev_test.py'))   # as a module, not __main__: only its change to execnb
        ours = _png_size(CaptureShell().run(cell))
    finally: CaptureShell.__init__ = init
    assert default[0] > 700 and abs(ours[0] - default[0]/2) <= 2, (default, ours)
    assert ours[0] < 420, ours   # 4 inches at 100 dpi, less the tight bounding box's trim

def _worker_threads(**env):
    "torch's thread count in a worker process (started by `multiprocessing`) that imports mnist_course, with `env` set"
    code = ("import importlib, multiprocessing as mp, torch\n"
            "with mp.get_context('spawn').Pool(1, initializer=importlib.import_module, initargs=('mnist_course',)) as p:\n"
            "    print(torch.get_num_threads(), p.apply(torch.get_num_threads))")
    base = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'OMP_NUM_THREADS')}
    r = subprocess.run([sys.executable, '-c', code], env={**base, **env}, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return tuple(map(int, r.stdout.split()))

def test_nbdev_test_workers_get_one_thread():
    "A plain `nbdev-test` runs notebooks two at a time in worker processes: there, importing mnist_course gives torch one thread"
    main, worker = _worker_threads(IN_TEST='1')
    assert worker == 1, (main, worker)
    assert _worker_threads(IN_TEST='1', OMP_NUM_THREADS='2') == (2, 2)   # a number you chose is kept
    if main > 1: assert _worker_threads()[1] == main                      # outside a test run nothing changes
