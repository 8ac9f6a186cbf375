"""The notebooks run under plain `nbdev-test` (tools/test.sh, .ci/run), two at a time in worker processes: there, and only
there, importing mnist_course gives torch one thread, so that two notebooks on two cores don't fight over them."""
import os, subprocess, sys

def worker_threads(**env):
    "torch's thread count in this process and in a worker started by `multiprocessing`, importing mnist_course, with `env` set"
    code = ("import importlib, multiprocessing as mp, torch\n"
            "with mp.get_context('spawn').Pool(1, initializer=importlib.import_module, initargs=('mnist_course',)) as p:\n"
            "    print(torch.get_num_threads(), p.apply(torch.get_num_threads))")
    base = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'OMP_NUM_THREADS')}
    r = subprocess.run([sys.executable, '-c', code], env={**base, **env}, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return tuple(map(int, r.stdout.split()))

def test_nbdev_test_workers_get_one_thread():
    main, worker = worker_threads(IN_TEST='1')
    assert worker == 1, (main, worker)
    assert worker_threads(IN_TEST='1', OMP_NUM_THREADS='2') == (2, 2)   # a number you chose is kept
    if main > 1: assert worker_threads()[1] == main                      # outside a test run nothing changes
