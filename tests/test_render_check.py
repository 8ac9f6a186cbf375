"""The render check (tools/render_check/, run as tools/check_render.py) passes a good executed notebook and fails each
way of breaking it, and its browser half passes a good site page and fails each way of breaking one.

A small notebook (a figure, a bare value, an ipywidgets slider) is executed with nbclient so its outputs and
widget state are saved, then copied with one thing broken per copy. The site pages are small hand-written pages
served on 127.0.0.1 as `_docs/` is (the real build is checked in .ci/run). The browser half needs Debian's
chromium and the JS assets from tools/install_render_deps.sh (.ci/run installs both); it is skipped only when
chromium is absent.
"""
import copy, json, subprocess, sys
from pathlib import Path
import pytest
from tools import render_check as cr

ROOT = Path(__file__).resolve().parent.parent

HAVE_CHROMIUM = cr.find_chromium() is not None
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason='chromium is not installed (apt-get install chromium)')

CELLS = [
    ('markdown', '# Scratch lesson\n\n> A tiny notebook for the render check tests, with math: $\\sigma(x)$.'),
    ('markdown', '```mermaid\ngraph LR\n  A[pixels] --> B[model] --> C[prediction]\n```'),
    ('code', '%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom ipywidgets import interact'),
    ('code', "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([0, 1, 2], [0, 1, 4]); ax.set_title('a parabola');"),
    ('code', 'x = 41\nx + 1'),
    ('code', "@interact(a=(0, 10))\ndef double(a=3): print(a * 2)"),
]

def _cell_index(nb, start):
    return next(i for i, c in enumerate(nb['cells']) if ''.join(c['source']).startswith(start))

def _make_good(path):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.metadata['kernelspec'] = {'display_name': 'python3', 'language': 'python', 'name': 'python3'}
    nb.cells = [nbformat.v4.new_markdown_cell(s) if t == 'markdown' else nbformat.v4.new_code_cell(s) for t, s in CELLS]
    NotebookClient(nb, timeout=120, kernel_name='python3', store_widget_state=True).execute()
    nbformat.write(nb, str(path))
    return json.loads(path.read_text())

def _no_outputs(nb):
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'] = []

def _add_error(nb):
    nb['cells'][_cell_index(nb, 'x = 41')]['outputs'] = [{'output_type': 'error', 'ename': 'NameError',
        'evalue': "name 'y' is not defined", 'traceback': ['NameError: ...']}]

def _traceback_text(nb):
    nb['cells'][_cell_index(nb, 'x = 41')]['outputs'].append({'output_type': 'stream', 'name': 'stderr',
        'text': ['Traceback (most recent call last):\n', '  File "x.py", line 1\n', 'ZeroDivisionError: division by zero\n']})

def _strip_widget_state(nb): del nb['metadata']['widgets']

def _figure_without_image(nb):
    c = nb['cells'][_cell_index(nb, 'fig, ax')]
    c['outputs'] = [o for o in c['outputs'] if 'image/png' not in o.get('data', {})]

def _stale_cell(nb):  # a cell added after the run: it ends in a bare value but has no result
    nb['cells'].append({'cell_type': 'code', 'execution_count': None, 'id': 'stale01', 'metadata': {},
                        'outputs': [], 'source': ['y = x * 2\n', 'y']})

def _edited_cell(nb):  # the cell's code was changed after the run: a result saved, no expression left to make it
    c = nb['cells'][_cell_index(nb, 'x = 41')]
    c['source'] = ['x = 41\n', 'z = x + 1']

def _out_of_order(nb):
    code = [c for c in nb['cells'] if c['cell_type'] == 'code']
    for n, c in zip([1, 2, 5, 3], code): c['execution_count'] = n

# variant name -> (how to break it, what the static check must say)
BROKEN = {
    'no_outputs':     (_no_outputs, 'no saved outputs'),
    'error':          (_add_error, "error output NameError: name 'y' is not defined"),
    'traceback':      (_traceback_text, 'traceback text in a stream output'),
    'no_widget_state': (_strip_widget_state, 'has no saved widget state'),
    'figure_no_image': (_figure_without_image, 'figure cell without an image output'),
    'stale_new_cell': (_stale_cell, 'stale outputs: the cell ends in a bare value but has no result'),
    'stale_edited':   (_edited_cell, 'stale outputs: a result is saved but the code can no longer produce one'),
    'out_of_order':   (_out_of_order, 'stale outputs: execution counts [1, 2, 5, 3] do not rise'),
}

@pytest.fixture(scope='module')
def nbs(tmp_path_factory):
    d = tmp_path_factory.mktemp('render_check_nbs')
    good = _make_good(d/'good.ipynb')
    paths = {'good': d/'good.ipynb'}
    for name, (brk, _) in BROKEN.items():
        nb = copy.deepcopy(good); brk(nb)
        paths[name] = d/f'{name}.ipynb'
        paths[name].write_text(json.dumps(nb, indent=1))
    return paths

def _static(path): return cr.static_checks(json.loads(Path(path).read_text()))[0]

def test_good_notebook_is_really_good(nbs):
    nb = json.loads(nbs['good'].read_text())
    kinds = {k for c in nb['cells'] for o in c.get('outputs', []) for k in o.get('data', {})}
    assert {'image/png', 'text/plain', cr.WIDGET_VIEW} <= kinds
    (i, mid), = cr.widget_views(nb)
    assert cr.widget_expectations(cr.widget_state(nb), mid) == {'sliders': 1, 'images': 0}

def test_good_notebook_passes(nbs):
    assert _static(nbs['good']) == []

@pytest.mark.parametrize('name', list(BROKEN))
def test_broken_notebook_fails_static(nbs, name):
    msg = BROKEN[name][1]
    fails = _static(nbs[name])
    assert any(msg in f for f in fails), fails

GOOD_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>a page</title>
<script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js" integrity="sha384-notthelocalcopy" crossorigin="anonymous"></script>
</head><body><main><h1>A page</h1><p>Some text and <a href="other.html">a link</a>.</p>
<p><img src="pic.svg" alt="a red square" width="40" height="40"></p>
<script>if (typeof requirejs !== 'function') throw new Error('no local require.js');</script>
BREAK</main></body></html>"""
# page -> (what to add to the good page, what the browser check must report)
BROKEN_PAGES = {
    'js_error':  ('<script>throw new Error("boom from the page")</script>', 'JavaScript error: Error: boom from the page'),
    'network':   ('<script src="https://example.com/tracker.js"></script>',
                  'page requested script from the network (blocked): https://example.com/tracker.js'),
    'no_alt':    ('<img src="pic.svg" width="40" height="40">', 'accessibility (critical) image-alt'),
    'no_name':   ('<a href="other.html"><img src="pic.svg" alt=""></a>', 'accessibility (serious) link-name'),
    'low_contrast': ('<p style="color:#aaa;background:#fff">pale text</p>', 'accessibility (serious) color-contrast'),
}

@pytest.fixture(scope='module')
def site_results(tmp_path_factory):
    docs, out = tmp_path_factory.mktemp('site'), tmp_path_factory.mktemp('site_out')
    (docs/'pic.svg').write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="red"/></svg>')
    (docs/'other.html').write_text(GOOD_PAGE.replace('BREAK', ''))
    (docs/'good.html').write_text(GOOD_PAGE.replace('BREAK', ''))
    for name, (add, _) in BROKEN_PAGES.items(): (docs/f'{name}.html').write_text(GOOD_PAGE.replace('BREAK', add))
    stats = {}
    res = cr.check_site(docs, nbs=tmp_path_factory.mktemp('no_nbs'), out=out, quiet=True, stats=stats,
                        pages=['good.html'] + [f'{n}.html' for n in BROKEN_PAGES], pad_page=False)
    return res, out, stats

@needs_chromium
def test_good_page_passes(site_results):
    assert site_results[0]['good.html'] == []

@needs_chromium
@pytest.mark.parametrize('name', list(BROKEN_PAGES))
def test_broken_page_fails_in_browser(site_results, name):
    msg, fails = BROKEN_PAGES[name][1], site_results[0][f'{name}.html']
    assert any(msg in f for f in fails), fails

@needs_chromium
def test_axe_counts_and_screenshots(site_results):
    from PIL import Image
    res, out, stats = site_results
    assert stats['axe'] == {'image-alt': 1, 'link-name': 1, 'color-contrast': 1}, stats['axe']
    assert {p.name for p in (out/'screenshots').glob('*.png')} == {f'{p[:-5]}.png' for p in res}
    assert Image.open(out/'screenshots'/'good.png').size[0] == 1100

def test_cli_exit_code_and_report(nbs, tmp_path):
    cmd = [sys.executable, str(ROOT/'tools'/'check_render.py'), '--out', str(tmp_path)]
    bad = subprocess.run(cmd + [str(nbs['good']), str(nbs['error']), str(nbs['no_outputs'])], capture_output=True, text=True)
    assert bad.returncode == 1 and 'render check FAILED' in bad.stdout
    report = bad.stdout.split('1 of 3 passed')[1]
    assert 'notebooks (saved outputs): 1 of 3 passed' in bad.stdout
    assert f'{nbs["error"]}:' in report and "NameError: name 'y' is not defined" in report
    assert f'{nbs["no_outputs"]}:' in report and 'no saved outputs' in report
    assert f'{nbs["good"]}:' not in report

@pytest.mark.parametrize('src,fig', [
    ("fig, ax = plt.subplots()\nax.imshow(x, cmap='Greys');", True),
    ("show_digits(xs[:4])", True),
    ("plt.plot([1, 2]); plt.title('t')", True),
    ("for k in ks:\n    axs[k].plot(ys[k])", True),
    ("#| export\ndef show_digits(xs):\n    fig, axs = plt.subplots(1, len(xs))\n    for a, x in zip(axs, xs): a.imshow(x)", False),
    ("show_doc(get_dataset)", False),
    ("fig, ax = plt.subplots()\nax.plot([1]); fig.savefig('/tmp/a.png'); plt.close(fig)", False),
    ("x = torch.ones(3)\nx.sum()", False),
    ("%timeit x.sum()", False),
    ("fig = plot_loss(h)  # render-check: no-figure", False),
])
def test_figure_rule(src, fig):
    assert cr.is_figure_cell(src) == fig

@pytest.mark.parametrize('src,must,can', [
    ('x.shape', True, True), ('a, b', True, True), ('x = 1\nx', True, True), ('x[0] + 1  # a comment', True, True),
    ('x;', False, True), ('test_eq(a, b)', False, True), ('x = 1', False, False), ('def f(): pass', False, False),
    ('%time y = f(x)', False, True), ('%%time\nx = 1', False, True), ('"a string"', False, True),
])
def test_stale_rules(src, must, can):
    assert cr.must_display(src) == must and cr.can_display(src) == can

def test_long_text_output_is_a_note_not_a_failure(nbs):
    nb = json.loads(nbs['good'].read_text())
    c = nb['cells'][_cell_index(nb, 'x = 41')]
    c['outputs'] = [{'output_type': 'execute_result', 'execution_count': 3, 'metadata': {},
                     'data': {'text/plain': [repr([f'/data/train/3/{i}.png' for i in range(2000)])]}}]
    fails, notes = cr.static_checks(nb)
    assert fails == [] and any('a long text output' in n for n in notes), notes

def test_rules_are_pure_functions_in_a_list(nbs):
    nb = json.loads(nbs['error'].read_text())
    before = copy.deepcopy(nb)
    for rule in cr.RULES:
        found = rule(nb)
        assert isinstance(found, list) and all(isinstance(f, cr.Finding) for f in found), rule.__name__
        assert rule(nb) == found and nb == before, f'{rule.__name__} is not pure'
    assert [f.message for f in cr.rules.error_outputs(nb)] == [
        "cell 5 (x = 41): error output NameError: name 'y' is not defined"]

def test_unexecuted_notebook_reports_only_that(nbs):
    fails = _static(nbs['no_outputs'])
    assert len(fails) == 1 and 'tools/run_notebooks.sh' in fails[0], fails

DRIVER_PAGE = """<html><body>
<canvas id="pad" width="200" height="100" style="border:1px solid"></canvas>
<input id="rate" type="range" min="0" max="100" value="0" style="width:200px">
<button id="oops" onclick="console.error('clicked oops')">oops</button>
<script src="missing.js"></script>
<script>
const pad = document.getElementById('pad'), g = pad.getContext('2d'); let down = false;
pad.onmousedown = e => { down = true; g.beginPath(); g.moveTo(e.offsetX, e.offsetY); };
pad.onmousemove = e => { if (down) { g.lineWidth = 4; g.lineTo(e.offsetX, e.offsetY); g.stroke(); } };
window.onmouseup = () => { down = false; };
window.inked = () => g.getImageData(0, 0, 200, 100).data.filter((v, i) => i % 4 == 3 && v > 0).length;
fetch('https://example.com/data.json').catch(() => { window.fetchFailed = true; });
</script></body></html>"""

@needs_chromium
def test_browser_driver(tmp_path):
    "The driver the widget checks build on: evaluate, mouse drawing, dragging, clicks, problems, screenshots"
    (tmp_path/'p.html').write_text(DRIVER_PAGE)
    with cr.Browser() as br, br.open((tmp_path/'p.html').as_uri()) as page:
        assert page.evaluate('1 + 1') == 2 and page.evaluate('x => x * 3', 5) == 15
        assert page.evaluate('inked()') == 0
        page.draw('#pad', [(10, 10), (100, 50), (190, 90)])
        assert page.evaluate('inked()') > 300
        page.drag('#rate', dx=60)
        assert 70 <= int(page.evaluate("document.getElementById('rate').value")) <= 95
        assert page.poll('!!window.fetchFailed', bool, timeout=5)    # blocked, so the page saw it fail
        assert sorted(page.problems) == [
            f'browser error: Failed to load resource: net::ERR_FILE_NOT_FOUND {(tmp_path/"missing.js").as_uri()}',
            'page requested fetch from the network (blocked): https://example.com/data.json']
        page.click('#oops')
        page.wait(0.2)
        assert page.problems[-1] == 'JavaScript console.error: clicked oops'
        shot = page.screenshot(tmp_path/'shots'/'p.png')
    from PIL import Image
    assert Image.open(shot).size[0] == 1100
