"""The explorables' JavaScript (mnist_course/js/*.js) is valid, used, and shipped.

- every .js file parses (`node --check`), and so does each explorable's whole inline script as a page runs it;
- every .js file goes into the HTML of the explorables (`mnist_course.explorables`), and each explorable's script is
  the file named after its kind;
- a wheel built from the project holds every .js file, and the package installed from it finds them with
  `importlib.resources`.

The syntax check is also run on a broken copy, to show that it can fail. The node checks skip only when `node` is
not on the PATH."""
import functools, re, shutil, subprocess, sys, zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JS_DIR = ROOT/'mnist_course'/'js'
JS_FILES = sorted(JS_DIR.glob('*.js'))
NODE = shutil.which('node')
needs_node = pytest.mark.skipif(NODE is None, reason='node is not on the PATH, so the JavaScript cannot be parsed')

def node_check(path) -> str | None:
    "None if `node --check` parses the file at `path`, else what node said, naming the file"
    r = subprocess.run([NODE, '--check', str(path)], capture_output=True, text=True, timeout=60)
    return None if r.returncode == 0 else f'{path}: node --check failed:\n{(r.stderr or r.stdout).strip()}'

@functools.cache
def explorables() -> dict:
    "kind -> the HTML of a small explorable of that kind"
    import numpy as np, torch
    from torch import nn
    from mnist_course.explorables import QuadraticFitExplorer, LRStepperExplorer, DigitPadExplorer
    x = torch.linspace(-2, 2, 5)
    net = nn.Sequential(nn.Linear(784, 4), nn.ReLU(), nn.Linear(4, 10))
    return {'quadfit': QuadraticFitExplorer(x, x**2).html(),
            'lrstepper': LRStepperExplorer(x, x**2, torch.zeros(3)).html(),
            'digitpad': DigitPadExplorer(net, examples=[(np.eye(28), 1, 'a diagonal')]).html()}

def inline_script(html:str) -> str:
    "The explorable's own script (not its JSON data)"
    scripts = re.findall(r'<script>(.*?)</script>', html, flags=re.S)
    assert len(scripts) == 1, f'expected one inline script, found {len(scripts)}'
    return scripts[0]

def test_there_are_js_files():
    assert {p.name for p in JS_FILES} >= {'lib.js', 'quadfit.js', 'lrstepper.js', 'digitpad.js'}, JS_FILES

@needs_node
@pytest.mark.parametrize('path', JS_FILES, ids=lambda p: p.name)
def test_js_file_parses(path):
    err = node_check(path)
    assert err is None, err

@needs_node
def test_node_check_catches_a_syntax_error(tmp_path):
    broken = tmp_path/'lrstepper.js'
    broken.write_text((JS_DIR/'lrstepper.js').read_text().replace('function grad(p) {', 'function grad(p) {{', 1))
    err = node_check(broken)
    assert err is not None and str(broken) in err and 'SyntaxError' in err, err
    assert node_check(JS_DIR/'lrstepper.js') is None

@needs_node
@pytest.mark.parametrize('kind', ['quadfit', 'lrstepper', 'digitpad'])
def test_whole_inline_script_parses(kind, tmp_path):
    "lib.js and the explorable's file together, in the wrapper the page runs (a name both declare would fail here)"
    path = tmp_path/f'{kind}-inline.js'
    path.write_text(inline_script(explorables()[kind]))
    err = node_check(path)
    assert err is None, err

def test_every_js_file_is_used():
    from importlib.resources import files
    _js = lambda name: (files('mnist_course')/'js'/name).read_text(encoding='utf-8')
    pages = explorables()
    for kind, html in pages.items():
        assert f'data-kind="{kind}"' in html
        script = inline_script(html)
        assert _js(f'{kind}.js') in script, f'the {kind} explorable does not inline mnist_course/js/{kind}.js'
        assert _js('lib.js') in script, f'the {kind} explorable does not inline mnist_course/js/lib.js'
    unused = [p.name for p in JS_FILES if not any(p.read_text(encoding='utf-8') in inline_script(h) for h in pages.values())]
    assert not unused, f'no explorable uses {unused}: give each file an explorable (its kind) or remove it'

def test_the_installed_package_finds_the_js(tmp_path):
    "A wheel built from a copy of the project ships js/*.js, and importlib.resources finds them once it is installed"
    src = tmp_path/'src'
    src.mkdir()
    for f in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/f, src/f)
    shutil.copytree(ROOT/'mnist_course', src/'mnist_course', ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check', '-q']
    r = subprocess.run(pip + ['wheel', '--no-deps', '--no-build-isolation', '-w', str(tmp_path/'dist'), str(src)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    whl, = (tmp_path/'dist').glob('*.whl')
    names = set(zipfile.ZipFile(whl).namelist())
    missing = [p.name for p in JS_FILES if f'mnist_course/js/{p.name}' not in names]
    assert not missing, f'{whl.name} lacks mnist_course/js/{missing} (see [tool.setuptools.package-data] in pyproject.toml)'
    site = tmp_path/'site'
    r = subprocess.run(pip + ['install', '--no-deps', '--no-index', '--target', str(site), str(whl)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    probe = ('import sys, importlib.resources as ir, mnist_course\n'
             'print(mnist_course.__file__)\n'
             'for n in sys.argv[1:]: print(n, len((ir.files("mnist_course")/"js"/n).read_text(encoding="utf-8")))')
    r = subprocess.run([sys.executable, '-c', probe, *[p.name for p in JS_FILES]], capture_output=True, text=True,
                       cwd=tmp_path, env={'PYTHONPATH': str(site), 'PATH': '/usr/bin:/bin'}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    where, *found = r.stdout.splitlines()
    assert Path(where).is_relative_to(site), f'the probe imported {where}, not the package installed in {site}'
    assert found == [f'{p.name} {len(p.read_text(encoding="utf-8"))}' for p in JS_FILES], r.stdout
