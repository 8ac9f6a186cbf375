"""Lessons 3, 4 and 8 in JupyterLab, their widgets used with the mouse (tools/lab_checks.py): `pytest
tests/test_jupyterlab.py --jupyterlab` (.ci/run runs it; minutes, as lesson 8 trains its models). Every lesson's Run All
starts at once, each in a window of its own, so lessons 3 and 4 are checked while lesson 8 trains. Windows and the
server log in render_check/jupyterlab/, the widgets in render_check/screenshots/jupyterlab_*.png."""
import shutil
import pytest
from tools import lab_checks as lc
from tools.browser_checks import NETWORK

OUT, SHOTS, RUN_ALL_TIMEOUT = lc.ROOT/'render_check'/'jupyterlab', lc.ROOT/'render_check'/'screenshots', 400

@pytest.fixture(scope='module')
def windows(pytestconfig, browser, tmp_path_factory):
    if not pytestconfig.getoption('jupyterlab'): pytest.skip('runs lessons in JupyterLab: pytest tests/test_jupyterlab.py --jupyterlab')
    tmp = tmp_path_factory.mktemp('lab')
    for d in (OUT, SHOTS): d.mkdir(parents=True, exist_ok=True)
    for n in lc.LESSONS: shutil.copy(lc.ROOT/'nbs'/n, tmp/n)   # (JupyterLab saves what it runs)
    with lc.Lab(tmp, OUT/'jupyterlab.log') as lab:
        wins = {}
        for i, n in enumerate(lc.LESSONS):
            ctx = browser.new_context(viewport=dict(width=1300, height=1000))
            ctx.route(NETWORK, lambda r: r.abort('blockedbyclient'))
            page, errors, started = ctx.new_page(), [], None
            page.on('pageerror', lambda e, errors=errors: errors.append(f'JavaScript error: {e.message.splitlines()[0][:200]}'))
            try: page.goto(lab.url(n, f'lesson{i}'), timeout=90_000); lc.start_run_all(page)
            except Exception as e: started = f'could not start Run All: {type(e).__name__}: {str(e).splitlines()[0][:300]}'
            wins[n] = tmp/n, page, errors, started
        yield wins
        for _, page, _, _ in wins.values(): page.context.close()

@pytest.mark.parametrize('nb', lc.LESSONS)
def test_lesson_in_jupyterlab(windows, nb):
    path, page, errors, started = windows[nb]
    try:
        assert (err := started or lc.wait_run_all(page, RUN_ALL_TIMEOUT)) is None, err
        fails = lc.saved_errors(page, path) + lc.CHECKS[nb](page, SHOTS) + errors
    finally: page.screenshot(path=str(OUT/f'{nb[:-6]}.png'))
    assert fails == []
