"""The explorable checks (tools/browser_checks.py) pass the three working explorables of `mnist_course.explorables` and
fail each way of breaking one (a copy of the page keeping only the explorable it breaks), naming page and explorable;
and the digit pad test page agrees with PyTorch. In Chromium, on a page served as _docs/ is."""
import numpy as np, pytest, torch
from torch import nn
from tools import browser_checks as bc
from mnist_course.explorables import QuadraticFitExplorer, LRStepperExplorer, DigitPadExplorer

BROKEN = {   # name -> (text in the explorable's script, its replacement, what the check must say)
    'mae_wrong': ('s += Math.abs(q(D.x[i]) - D.y[i]);', 's += 1.01 * Math.abs(q(D.x[i]) - D.y[i]);', 'QuadraticFitExplorer #1: after moving a to'),
    'slider_dead': ("sl[k].addEventListener('input', draw);", '', 'QuadraticFitExplorer #1: dragging slider a did not change its value'),
    'grad_wrong': ('g[1] = f32(g[1] + f32(r * t[i]));', 'g[1] = f32(g[1] + f32(r * t2[i]));',
                   'LRStepperExplorer #1: 10 steps at the starting rate: the loss after step 1 is'),
    'no_diverged': ("'diverged: press reset'", "'oops'", 'not "diverged: press reset"'),
    'prep_wrong': ('const centre = (F - 1) / 2', 'const centre = F / 2',
                   'DigitPadExplorer #1: drawn "1": the page prepared a different 28x28 input than prepare_drawing'),
    'forward_wrong': ('Float64Array.from(x, v => (v - D.mean) / D.std)', 'Float64Array.from(x, v => v)',
                      'DigitPadExplorer #1: drawn "1": the page\'s probabilities differ from PyTorch\'s'),
    'script_throws': ('const names = [', "throw new Error('explorable broke'); const names = [", 'QuadraticFitExplorer #1: its script did not run'),
}

def explorables():
    np.random.seed(42); torch.manual_seed(42)
    x = torch.linspace(-2, 2, 20)[:, None]
    y = 3*x**2 + 2*x + 1 + torch.as_tensor(np.random.normal(scale=1.5, size=(20, 1)), dtype=torch.float32)
    t = torch.arange(0, 20).float()
    lr = LRStepperExplorer(t, torch.randn(20)*3 + 0.75*(t - 9.5)**2 + 1, torch.randn(3))
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    return [QuadraticFitExplorer(x, y).html(), lr.html(), DigitPadExplorer(net, 0.1307, 0.3081, examples=[(np.eye(28), 1, 'a diagonal')]).html()]

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    docs, parts = tmp_path_factory.mktemp('explorables'), explorables()
    html = lambda parts: f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body><main>{"".join(parts)}</main></body></html>'
    (docs/'good.html').write_text(html(parts))
    for name, (old, new, _) in BROKEN.items():
        hit, = [p for p in parts if old in p]
        assert hit.count(old) == 1, name
        (docs/f'{name}.html').write_text(html([hit.replace(old, new)]))
    with bc.serve(docs) as url: yield url

def test_good_explorables_pass(site, page, tmp_path):
    stats = {}
    assert bc.check_page(page, site + 'good.html', tmp_path/'good.png', stats=stats) == []
    assert {p.name for p in tmp_path.glob('good-*.png')} == {'good-quadfit-1.png', 'good-lrstepper-1.png', 'good-digitpad-1.png'}
    assert [u.split(':')[0] for u in stats['used']] == ['quadfit', 'lrstepper', 'digitpad'] and max(stats['agreement']) < 1e-4

@pytest.mark.parametrize('name', BROKEN)
def test_broken_explorable_fails(site, page, tmp_path, name):
    fails = bc.check_page(page, site + f'{name}.html', tmp_path/f'{name}.png')
    assert any(BROKEN[name][2] in f for f in fails), fails
    assert all(f.startswith(f'{name}: ') or f.startswith('JavaScript error') for f in fails), fails   # names the page
    if name == 'script_throws': assert any('JavaScript error: Error: explorable broke' in f for f in fails)

def test_pad_test_page(page, tmp_path):
    "Two pads on a seeded model, float32 and int16 weights: drawings and test images agree with PyTorch to 1e-4"
    stats = {}
    assert bc.check_page(page, bc.pad_test_page(tmp_path/'pad.html').as_uri(), tmp_path/'pad.png', stats=stats) == []
    assert len(stats['agreement']) == 8 and max(stats['agreement']) < 1e-4 and len(stats['used']) == 2
