"""The JupyterLab check's lesson checks (tools/check_jupyterlab.py: lesson3, lesson4, lesson8) pass healthy widgets
and fail broken ones, naming the lesson and the widget. No JupyterLab: a local page that looks to the checks like a
notebook (cells with code and an image, the three explorables from `mnist_course.explorables`), with filler above
the widgets laid out lazily (`content-visibility: auto`, as JupyterLab's windowed notebook does), is opened in
headless Chromium. Needs chromium (skipped without it)."""
import sys
from pathlib import Path
import numpy as np, pytest, torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import check_jupyterlab as cj                                # noqa: E402
from render_check.browser import LAUNCH_ARGS, find_chromium  # noqa: E402
from mnist_course.explorables import QuadraticFitExplorer, LRStepperExplorer, DigitPadExplorer  # noqa: E402

EXE = find_chromium()
pytestmark = pytest.mark.skipif(EXE is None, reason='chromium is not installed (apt-get install chromium)')

FILLER = ''.join(f'<div style="content-visibility:auto;contain-intrinsic-size:auto 20px"><div style="height:600px">'
                 f'cell {i}</div></div>' for i in range(15))
# a kernel widget: an image that a slider drag or a button click changes (or not, when `dead`)
KERNEL = ('<div class="jp-Cell"><div class="jp-InputArea">{code}</div>{control}<img src="data:,{{0}}"></div>'
          '<script>(() => {{ const c = document.currentScript.previousElementSibling, n = c.querySelector("{sel}");'
          'let k = 0; n.addEventListener("{ev}", () => {{ if (!{dead}) c.querySelector("img").src = "data:," + (++k); }}); }})()</script>')

def page_html(quad_dead=False, interact_dead=False, stepper_dead=False, lr_dead=False, pad=''):
    torch.manual_seed(0); np.random.seed(0)
    x = torch.linspace(-2, 2, 20)[:, None]; y = 3*x**2 + 1
    t = torch.arange(0, 20).float()
    quad = QuadraticFitExplorer(x, y).html()
    if quad_dead: quad = quad.replace("sl[k].addEventListener('input', draw);", '')
    lr = LRStepperExplorer(t, 0.75*(t - 9.5)**2 + 1, torch.randn(3)).html()
    if lr_dead: lr = lr.replace("addEventListener('click', () => step(10))", "addEventListener('click', () => 0)")
    net = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    p = DigitPadExplorer(net, 0.1307, 0.3081, examples=[(np.eye(28), 1, 'a diagonal')]).html()
    if pad == 'no_script': p = p[:p.index('<script>(function')] + '</div>'
    if pad == 'no_pointer': p = p.replace("pad.addEventListener('pointerdown'", "pad.addEventListener('nothing'")
    if pad == 'no_bars': p = p.replace("class: 'mc-bar'", "class: 'mc-nobar'")
    interact = KERNEL.format(code='def plot_quad(a, b, c): ...', sel='.slider-container', ev='pointerup',
                             dead=str(interact_dead).lower(),
                             control='<div class="slider-container" style="width:200px;height:20px;background:#ccc"></div>')
    stepper = KERNEL.format(code='stepper = SGDStepper(time, speed)', sel='button', ev='click', dead=str(stepper_dead).lower(),
                            control='<button>10 steps</button>')
    return (f'<!doctype html><html><body><div class="jp-Notebook">{FILLER}{interact}{FILLER}{quad}{FILLER}{stepper}'
            f'{FILLER}{lr}{FILLER}{p}{FILLER}</div></body></html>')

@pytest.fixture(scope='module')
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        br = pw.chromium.launch(executable_path=EXE, headless=True, args=LAUNCH_ARGS)
        yield br
        br.close()

def run(browser, check, tmp_path, monkeypatch, **broken):
    monkeypatch.setattr(cj, 'KERNEL_WAIT', 1.0); monkeypatch.setattr(cj, 'PAGE_WAIT', 1.0)
    f = tmp_path/'page.html'; f.write_text(page_html(**broken))
    ctx = browser.new_context(viewport=dict(width=1000, height=700))
    try:
        page = ctx.new_page(); page.goto(f.as_uri())
        return check(page, tmp_path)
    finally: ctx.close()

def test_healthy_page_passes(browser, tmp_path, monkeypatch):
    for check, shots in [(cj.lesson3, ['03_interact', '03_quadfit']), (cj.lesson4, ['04_sgdstepper', '04_lrstepper']),
                         (cj.lesson8, ['08_digitpad'])]:
        assert run(browser, check, tmp_path, monkeypatch) == [], check.__name__
        for s in shots: assert (tmp_path/f'jupyterlab_{s}.png').stat().st_size > 1000

@pytest.mark.parametrize('check,broken,expected', [
    (cj.lesson3, dict(interact_dead=True), 'lesson 3, @interact plot_quad: dragging slider a did not change the plot image'),
    (cj.lesson3, dict(quad_dead=True), 'lesson 3, QuadraticFitExplorer: dragging a did not change the MAE text'),
    (cj.lesson4, dict(stepper_dead=True), 'lesson 4, SGDStepper: "10 steps" did not change the figure'),
    (cj.lesson4, dict(lr_dead=True), 'lesson 4, LRStepperExplorer: "10 steps" did not change the loss text'),
    (cj.lesson8, dict(pad='no_script'), 'lesson 8, DigitPadExplorer: its script did not run in JupyterLab'),
    (cj.lesson8, dict(pad='no_pointer'), 'lesson 8, DigitPadExplorer: no prediction after drawing'),
    (cj.lesson8, dict(pad='no_bars'), 'lesson 8, DigitPadExplorer: the probability chart did not update'),
])
def test_broken_widget_fails(browser, tmp_path, monkeypatch, check, broken, expected):
    fails = run(browser, check, tmp_path, monkeypatch, **broken)
    assert any(f.startswith(expected) for f in fails), fails
