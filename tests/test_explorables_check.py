"""The render check's explorable checks (tools/render_check/explorables.py) pass working explorables and fail each
way of breaking one, naming the page and the explorable.

A small notebook showing the three explorables (`mnist_course.explorables`) is executed with nbclient so their
HTML and inline scripts are saved, then copied with the saved script broken in one place per copy (each copy keeps only the explorable it breaks): a wrong MAE, a
slider that redraws nothing, a wrong gradient, no "diverged" message, a different preparation of the drawing, a
forward pass without the normalisation, a script that throws. Needs chromium (skipped without it)."""
import copy, json
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

@pytest.fixture(scope='module')
def results(tmp_path_factory):
    import nbformat
    from nbclient import NotebookClient
    d = tmp_path_factory.mktemp('explorables_nbs')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in CELLS])
    nb.metadata['kernelspec'] = {'display_name': 'python3', 'language': 'python', 'name': 'python3'}
    NotebookClient(nb, timeout=120, kernel_name='python3').execute()
    good = json.loads(nbformat.writes(nb))
    paths = [d/'good.ipynb']
    paths[0].write_text(json.dumps(good))
    for name, (old, new, _) in BROKEN.items():
        old_j, new_j = json.dumps(old)[1:-1], json.dumps(new)[1:-1]
        assert json.dumps(good).count(old_j) == 1, (name, json.dumps(good).count(old_j))
        # the broken copy holds the imports and the one explorable it breaks: the others were checked on the good page
        broken = {**good, 'cells': [c for i, c in enumerate(good['cells']) if i == 0 or old_j in json.dumps(c)]}
        assert len(broken['cells']) == 2, name
        (d/f'{name}.ipynb').write_text(json.dumps(broken).replace(old_j, new_j))
        paths.append(d/f'{name}.ipynb')
    out = tmp_path_factory.mktemp('explorables_out')
    res = cr.check(paths, out=out, quiet=True)
    return {p.stem: f for p, f in res.items()}, out

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
