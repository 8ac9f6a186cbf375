"""The JupyterLab check's lesson checks (tools/lab_checks.py) pass healthy widgets and fail broken ones, naming lesson
and widget. No JupyterLab: a page that looks to them like a notebook (a cell with code, a slider and an image, and the
explorables of `mnist_course.explorables`), with filler laid out lazily (`content-visibility: auto`, as JupyterLab's
windowed notebook is), in Chromium."""
import numpy as np, pytest, torch
from torch import nn
from tools import lab_checks as lc
from mnist_course.explorables import QuadraticFitExplorer, LRStepperExplorer, DigitPadExplorer

FILLER = ''.join(f'<div style="content-visibility:auto;contain-intrinsic-size:auto 20px"><div style="height:600px">cell {i}</div></div>'
                 for i in range(15))
# a kernel widget: an image that a slider drag changes (or not, when dead)
INTERACT = ('<div class="jp-Cell"><div class="jp-InputArea">def plot_quad(a, b, c): ...</div><div class="slider-container" '
            'style="width:200px;height:20px;background:#ccc"></div><img src="data:,0"></div><script>(() => { let k = 0;'
            'const c = document.currentScript.previousElementSibling; c.querySelector(".slider-container").addEventListener('
            '"pointerup", () => { if (!DEAD) c.querySelector("img").src = "data:," + (++k); }); })()</script>')
BREAKS = {'quad_dead': ("sl[k].addEventListener('input', draw);", ''),
          'lr_dead': ("addEventListener('click', () => step(10))", "addEventListener('click', () => 0)"),
          'no_pointer': ("pad.addEventListener('pointerdown'", "pad.addEventListener('nothing'"),
          'no_bars': ("class: 'mc-bar'", "class: 'mc-nobar'")}

def page_html(broken=None):
    torch.manual_seed(0)
    x, t = torch.linspace(-2, 2, 20)[:, None], torch.arange(0, 20).float()
    pad = DigitPadExplorer(nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10)), 0.1307, 0.3081, examples=[(np.eye(28), 1, 'a diagonal')]).html()
    if broken == 'no_script': pad = pad[:pad.index('<script>(function')] + '</div>'
    parts = [INTERACT.replace('DEAD', str(broken == 'interact_dead').lower()), QuadraticFitExplorer(x, 3*x**2 + 1).html(),
             LRStepperExplorer(t, 0.75*(t - 9.5)**2 + 1, torch.randn(3)).html(), pad]
    if broken in BREAKS: parts = [p.replace(*BREAKS[broken]) for p in parts]
    return f'<!doctype html><html><body><div class="jp-Notebook">{FILLER}{FILLER.join(parts)}{FILLER}</div></body></html>'

def run(page, tmp_path, monkeypatch, check, broken=None):
    monkeypatch.setattr(lc, 'KERNEL_WAIT', 1.0); monkeypatch.setattr(lc, 'PAGE_WAIT', 1.0)
    (tmp_path/'page.html').write_text(page_html(broken))
    page.goto((tmp_path/'page.html').as_uri())
    return check(page, tmp_path)

@pytest.mark.parametrize('check,shots', [(lc.lesson3, ['03_interact', '03_quadfit']), (lc.lesson4, ['04_lrstepper']), (lc.lesson8, ['08_digitpad'])])
def test_healthy_widgets_pass(page, tmp_path, monkeypatch, check, shots):
    assert run(page, tmp_path, monkeypatch, check) == []
    for s in shots: assert (tmp_path/f'jupyterlab_{s}.png').stat().st_size > 1000

@pytest.mark.parametrize('check,broken,expected', [
    (lc.lesson3, 'interact_dead', 'lesson 3, @interact plot_quad: dragging slider a did not change the plot image'),
    (lc.lesson3, 'quad_dead', 'lesson 3, QuadraticFitExplorer: dragging a did not change the MAE text'),
    (lc.lesson4, 'lr_dead', 'lesson 4, LRStepperExplorer: "10 steps" did not change the loss text'),
    (lc.lesson8, 'no_script', 'lesson 8, DigitPadExplorer: its script did not run in JupyterLab'),
    (lc.lesson8, 'no_pointer', 'lesson 8, DigitPadExplorer: no prediction after drawing'),
    (lc.lesson8, 'no_bars', 'lesson 8, DigitPadExplorer: the probability chart did not update')])
def test_broken_widget_fails(page, tmp_path, monkeypatch, check, broken, expected):
    fails = run(page, tmp_path, monkeypatch, check, broken)
    assert any(f.startswith(expected) for f in fails), fails
