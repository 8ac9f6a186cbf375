"""The render check: every lesson's saved outputs pass tools/render_check.py's rules, which fail each way of breaking a
small executed notebook; and tools/browser_checks.py passes a good page in Chromium and fails each way of breaking one
(the real site is checked by tests/test_site.py; needs the JS copies of tools/install_render_deps.sh)."""
import copy, json, warnings
import pytest
from tools import render_check as rc, browser_checks as bc

@pytest.mark.parametrize('path', rc.lessons(), ids=lambda p: p.name)
def test_lesson_saved_outputs(path):
    fails, notes = rc.static_checks(json.loads(path.read_text(encoding='utf-8')))
    for n in notes: warnings.warn(f'{path.name}: {n}')
    assert fails == []

CELLS = [('markdown', '# Scratch lesson\n\n> with math: $\\sigma(x)$.'), ('code', '%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom ipywidgets import interact'),
         ('code', "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([0, 1, 2], [0, 1, 4]); ax.set_title('a parabola');"),
         ('code', 'x = 41\nx + 1'), ('code', '@interact(a=(0, 10))\ndef double(a=3): print(a * 2)')]

@pytest.fixture(scope='module')
def good():
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[getattr(nbformat.v4, f'new_{t}_cell')(s) for t, s in CELLS])
    NotebookClient(nb, timeout=120, kernel_name='python3', store_widget_state=True).execute()
    return json.loads(nbformat.writes(nb))

def cell(nb, start): return next(c for c in nb['cells'] if ''.join(c['source']).startswith(start))
def set_outputs(start, outs): return lambda nb: cell(nb, start).__setitem__('outputs', outs)
BROKEN = {   # how to break the good notebook -> what the check must say
    'no_outputs': (lambda nb: [c.__setitem__('outputs', []) for c in nb['cells'] if c['cell_type'] == 'code'], 'no saved outputs'),
    'error': (set_outputs('x = 41', [{'output_type': 'error', 'ename': 'NameError', 'evalue': "name 'y' is not defined", 'traceback': []}]),
              "cell 4 (x = 41): error output NameError: name 'y' is not defined"),
    'traceback': (set_outputs('x = 41', [{'output_type': 'stream', 'name': 'stderr', 'text': 'Traceback (most recent call last):\n  ZeroDivisionError'}]),
                  'traceback text in a stream output'),
    'no_widget_state': (lambda nb: nb['metadata'].pop('widgets'), 'has no saved widget state'),
    'figure_no_image': (set_outputs('fig, ax', []), 'figure cell without an image output'),
    'stale_new_cell': (lambda nb: nb['cells'].append({'cell_type': 'code', 'metadata': {}, 'outputs': [], 'source': 'y = x * 2\ny'}),
                       'stale outputs: the cell ends in a bare value but has no result'),
    'stale_edited': (lambda nb: cell(nb, 'x = 41').__setitem__('source', 'x = 41\nz = x + 1'),
                     'stale outputs: a result is saved but the code can no longer produce one'),
    'out_of_order': (lambda nb: [c.__setitem__('execution_count', n) for n, c in zip([1, 2, 5, 3], nb['cells'][1:])],
                     'stale outputs: execution counts [1, 2, 5, 3] do not rise'),
}

def test_good_notebook_passes(good):
    kinds = {k for c in good['cells'] for o in c.get('outputs', []) for k in o.get('data', {})}
    assert {'image/png', 'text/plain', rc.WIDGET_VIEW} <= kinds
    (_, mid), = rc.widget_views(good)
    assert rc.widget_expectations(rc.widget_state(good), mid) == {'sliders': 1, 'images': 0}
    assert rc.static_checks(good) == ([], [])

@pytest.mark.parametrize('name', BROKEN)
def test_broken_notebook_fails(good, name):
    nb, (brk, msg) = copy.deepcopy(good), BROKEN[name]
    brk(nb)
    before = copy.deepcopy(nb)
    fails = rc.static_checks(nb)[0]
    assert any(msg in f for f in fails) and nb == before, fails   # (the rules are pure)
    if name == 'no_outputs': assert len(fails) == 1 and rc.RERUN in fails[0]

def test_long_text_output_is_a_note(good):
    nb = copy.deepcopy(good)
    set_outputs('x = 41', [{'output_type': 'execute_result', 'metadata': {}, 'data': {'text/plain': repr(list(range(3000)))}}])(nb)
    fails, notes = rc.static_checks(nb)
    assert fails == [] and 'a long text output' in notes[0]

@pytest.mark.parametrize('src,fig', [
    ("fig, ax = plt.subplots()\nax.imshow(x, cmap='Greys');", True), ("show_digits(xs[:4])", True),
    ("plt.plot([1, 2]); plt.title('t')", True), ("for k in ks:\n    axs[k].plot(ys[k])", True),
    ("#| export\ndef show_digits(xs):\n    fig, axs = plt.subplots(1, len(xs))", False), ("show_doc(get_dataset)", False),
    ("fig, ax = plt.subplots()\nfig.savefig('/tmp/a.png'); plt.close(fig)", False), ("x.sum()", False),
    ("%timeit x.sum()", False), ("fig = plot_loss(h)  # render-check: no-figure", False)])
def test_figure_rule(src, fig): assert rc.is_figure_cell(src) == fig

@pytest.mark.parametrize('src,must,can', [
    ('x.shape', True, True), ('a, b', True, True), ('x[0] + 1  # a comment', True, True), ('x;', False, True),
    ('test_eq(a, b)', False, True), ('x = 1', False, False), ('def f(): pass', False, False), ('%time y = f(x)', False, True),
    ('%%time\nx = 1', False, True), ('"a string"', False, True)])
def test_stale_rules(src, must, can): assert (rc.must_display(src), rc.can_display(src)) == (must, can)

def test_widget_failures():
    nb = {'cells': [{'cell_type': 'code', 'source': 'w', 'outputs': [{'data': {rc.WIDGET_VIEW: {'model_id': m}}}]} for m in 'ab'],
          'metadata': {'widgets': {rc.WIDGET_STATE: {'state': {'a': {'model_name': 'IntSliderModel', 'state': {}}, 'b': {'state': {}}}}}}}
    view = lambda m, sliders=1: dict(id=m, widgets=1, sliders=sliders, imgs=0, height=40)
    assert bc.widget_failures(nb, [view('a'), view('b')]) == []
    assert bc.widget_failures(nb, [view('a', 0)]) == ['cell 1 (w): widget a: 0 slider(s) in the page, 1 in its saved state',
                                                      'cell 2 (w): widget b did not render (no widget elements in the page after load)']

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>a page</title>
<script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js" integrity="sha384-notthelocalcopy" crossorigin="anonymous"></script>
</head><body><main><h1>A page</h1><p>Text and <a href="good.html">a link</a>.</p><img src="pic.svg" alt="a red square" width="40" height="40">
<script>if (typeof requirejs !== 'function') throw new Error('no local require.js');</script>BREAK</main></body></html>"""
BROKEN_PAGES = {   # what to add to the good page -> what the browser check must say
    'good': ('', None),
    'js_error': ('<script>throw new Error("boom")</script>', 'JavaScript error: Error: boom'),
    'console_error': ('<script>console.error("oops")</script>', 'JavaScript console.error: oops'),
    'missing_file': ('<script src="missing.js"></script>', 'browser error: Failed to load resource: the server responded with a status of 404'),
    'network': ('<script src="https://example.com/tracker.js"></script>', 'page requested script from the network (blocked): https://example.com/tracker.js'),
    'fetch': ('<script>fetch("https://example.com/d.json").catch(() => 0)</script>', 'page requested fetch from the network (blocked)'),
    'mermaid': ('<pre class="mermaid">graph LR; A --> B</pre>', '1 mermaid diagram(s) not drawn'),
    'no_alt': ('<img src="pic.svg" width="40" height="40">', 'accessibility (critical) image-alt'),
    'no_name': ('<a href="good.html"><img src="pic.svg" alt=""></a>', 'accessibility (serious) link-name'),
    'low_contrast': ('<p style="color:#aaa;background:#fff">pale text</p>', 'accessibility (serious) color-contrast'),
}

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    docs = tmp_path_factory.mktemp('site')
    (docs/'pic.svg').write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="red"/></svg>')
    for name, (add, _) in BROKEN_PAGES.items(): (docs/f'{name}.html').write_text(PAGE.replace('BREAK', add))
    with bc.serve(docs) as url: yield url

@pytest.mark.parametrize('name', BROKEN_PAGES)
def test_page_in_browser(site, page, tmp_path, name):
    stats, msg = {}, BROKEN_PAGES[name][1]
    fails = bc.check_page(page, site + f'{name}.html', tmp_path/f'{name}.png', stats=stats)
    assert (fails == []) if msg is None else any(f.startswith(msg) for f in fails), fails
    assert sum(stats.get('axe', {}).values()) == (name in ('no_alt', 'no_name', 'low_contrast'))
    from PIL import Image
    assert Image.open(tmp_path/f'{name}.png').size[0] == 1100
