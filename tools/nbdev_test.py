"""`nbdev-test`, with the same arguments, but drawing each figure as Jupyter does: one PNG at the figure's own size.

nbdev runs a notebook's cells in execnb's `CaptureShell`, which draws every figure as a 'retina' PNG (twice the
width and height, four times the pixels). Jupyter's default, and so the outputs saved in the lessons and shown on
the website, is a plain PNG. The same drawing code runs either way (a broken title or legend still fails); at 1x
the course's 70 figures took about 8 CPU-seconds less to draw in tools/test.sh's two runs.

    python tools/nbdev_test.py --flags slow --n-workers 0 nbs/04_sgd.ipynb
"""
from functools import partialmethod

import execnb.shell

execnb.shell.CaptureShell.__init__ = partialmethod(execnb.shell.CaptureShell.__init__, mpl_format='png')

# imported after the change, so nbdev's notebooks run in the changed shell (in this process, and in the worker
# processes it forks; tools/test.sh uses --n-workers 0, which runs every notebook in this process)
from nbdev.test import nbdev_test

if __name__ == '__main__': nbdev_test()
