"""The render check's explorable checks (tools/render_check/explorables.py) pass working explorables and fail each
way of breaking one, naming the page and the explorable.

A page showing the three explorables (`mnist_course.explorables`) is written, served on 127.0.0.1 and checked as the
site's pages are (`render_check.check_site`), then copies of it with the script broken in one place per copy (each
copy keeps only the explorable it breaks): a wrong MAE, a slider that redraws nothing, a wrong gradient, no
"diverged" message, a different preparation of the drawing, a forward pass without the normalisation, a script that
throws. Needs chromium and the assets of tools/install_render_deps.sh (skipped without chromium)."""
from pathlib import Path
import pytest
from tools import render_check as cr
from tools.render_check import explorables as ce

HAVE_CHROMIUM = cr.find_chromium() is not None
pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason='chromium is not installed (apt-get install chromium)')

CELLS = [
    'import numpy as np, torch\nfrom torch import nn\n'
    'from mnist_course.explorables import QuadraticFitExplorer, LRStepperExplorer, DigitPadExplorer',
    'np.random.seed(42)\nx = torch.linspace(-2, 2, 20)[:, None]\n'
    'y = 3*x**2 + 2*x + 1 + torch.as_tensor(np.random.normal(scale=1.5, size=(20, 1)), dtype=torch.float32)\n'
    'QuadraticFitExplorer(x, y)',
    'torch.manual_seed(42)\nt = torch.arange(0, 20).float()\nspeed = torch.randn(20)*3 + 0.75*(t - 9.5)**2 + 1\n'
    'LRStepperExplorer(t, speed, torch.randn(3))',
    'torch.manual_seed(0)\nnet = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))\n'
    'DigitPadExplorer(net, 0.1307, 0.3081, examples=[(np.eye(28), 1, "a diagonal")])',
]

# variant -> (text in the saved script, its replacement, what the check must report)
BROKEN = {
    'mae_wrong':      ('s += Math.abs(q(D.x[i]) - D.y[i]);', 's += 1.01 * Math.abs(q(D.x[i]) - D.y[i]);',
                       "QuadraticFitExplorer #1: after moving a to"),
    'slider_dead':    ("sl[k].addEventListener('input', draw);", '',
                       'QuadraticFitExplorer #1: dragging slider a did not change its value'),
    'grad_wrong':     ('g[1] = f32(g[1] + f32(r * t[i]));', 'g[1] = f32(g[1] + f32(r * t2[i]));',
                       "LRStepperExplorer #1: 10 steps at the starting rate: the loss after step 1 is"),
    'no_diverged':    ("'diverged: press reset'", "'oops'", 'not "diverged: press reset"'),
    'prep_wrong':     ('const centre = (F - 1) / 2', 'const centre = F / 2',
                       'DigitPadExplorer #1: drawn "1": the page prepared a different 28x28 input than prepare_drawing'),
    'forward_wrong':  ('Float64Array.from(x, v => (v - D.mean) / D.std)', 'Float64Array.from(x, v => v)',
                       "DigitPadExplorer #1: drawn \"1\": the page's probabilities differ from PyTorch's"),
    'script_throws':  ('const names = [', "throw new Error('explorable broke'); const names = [",
                       'QuadraticFitExplorer #1: its script did not run'),
}

def _explorables():
    import numpy as np, torch
    from torch import nn
    from mnist_course.explorables import QuadraticFitExplorer, LRStepperExplorer, DigitPadExplorer
    np.random.seed(42)
    x = torch.linspace(-2, 2, 20)[:, None]
    y = 3*x**2 + 2*x + 1 + torch.as_tensor(np.random.normal(scale=1.5, size=(20, 1)), dtype=torch.float32)
    torch.manual_seed(42)
    t = torch.arange(0, 20).float()
    speed = torch.randn(20)*3 + 0.75*(t - 9.5)**2 + 1
    lr = LRStepperExplorer(t, speed, torch.randn(3))
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    return [QuadraticFitExplorer(x, y).html(), lr.html(),
            DigitPadExplorer(net, 0.1307, 0.3081, examples=[(np.eye(28), 1, 'a diagonal')]).html()]

def _page(parts): return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>explorables</title></head>'
                          '<body><main>' + ''.join(parts) + '</main></body></html>')

@pytest.fixture(scope='module')
def results(tmp_path_factory):
    docs = tmp_path_factory.mktemp('explorables_site')
    parts = _explorables()
    (docs/'good.html').write_text(_page(parts))
    for name, (old, new, _) in BROKEN.items():
        hit = [p for p in parts if old in p]
        assert len(hit) == 1 and hit[0].count(old) == 1, name
        (docs/f'{name}.html').write_text(_page([hit[0].replace(old, new)]))   # only the explorable it breaks
    out = tmp_path_factory.mktemp('explorables_out')
    nbs = tmp_path_factory.mktemp('no_nbs')
    res = cr.check_site(docs, nbs=nbs, out=out, pages=['good.html'] + [f'{n}.html' for n in BROKEN], pad_page=False, quiet=True)
    return {Path(p).stem: f for p, f in res.items()}, out

def test_good_explorables_pass(results):
    assert results[0]['good'] == []

@pytest.mark.parametrize('name', list(BROKEN))
def test_broken_explorable_fails(results, name):
    msg, fails = BROKEN[name][2], results[0][name]
    assert any(msg in f for f in fails), fails
    assert all(f.startswith(f'{name}: ') or 'JavaScript' in f or 'script' in f for f in fails), fails   # names the page

def test_a_thrown_error_is_reported(results):
    assert any('JavaScript error: Error: explorable broke' in f for f in results[0]['script_throws'])

def test_explorable_screenshots(results):
    shots = {p.name for p in (results[1]/'screenshots').glob('good-*.png')}
    assert shots == {'good-quadfit-1.png', 'good-lrstepper-1.png', 'good-digitpad-1.png'}, shots

def test_pad_test_page(tmp_path):
    "The pad page the CLI adds: a seeded model as float32 and as int16 weights; drawings and test images agree with PyTorch to 1e-4"
    page_path = ce.pad_test_page(tmp_path/'pad.html')
    agreement, report = [], []
    with cr.Browser() as br, br.open(page_path.as_uri()) as page:
        fails = ce.check_explorables(page, 'pad', tmp_path, report, agreement=agreement)
        assert fails == [] and page.problems == []
    assert len(agreement) == 8 and max(agreement) < 1e-4, agreement
    assert len(report) == 2
