"""The notebooks run under plain `nbdev-test` (tools/test.sh, .ci/run), two at a time in worker processes: there, and only
there, importing mnist_course gives torch one thread, so that two notebooks on two cores don't fight over them."""
import os, subprocess, sys

CODE = """import importlib, multiprocessing as mp, os, torch
print(torch.get_num_threads())
for env in [{'IN_TEST': '1'}, {'IN_TEST': '1', 'OMP_NUM_THREADS': '2'}, {}]:   # a worker of nbdev-test's, one told 2, no test
    for k in ('IN_TEST', 'OMP_NUM_THREADS'): os.environ.pop(k, None)
    os.environ.update(env)
    with mp.get_context('spawn').Pool(1, initializer=importlib.import_module, initargs=('mnist_course',)) as p:
        print(p.apply(torch.get_num_threads))"""

def test_nbdev_test_workers_get_one_thread():
    env = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'OMP_NUM_THREADS')}
    r = subprocess.run([sys.executable, '-c', CODE], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    main, in_test, chosen, outside = map(int, r.stdout.split())
    assert (in_test, chosen, outside) == (1, 2, main), r.stdout
