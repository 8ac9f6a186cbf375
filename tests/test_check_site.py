"""tools/check_site.py, the check the deploy workflow runs on the site nbdev-docs built, passes a complete
site and fails each way of breaking one. The site here is a small fake _docs/ tree, shaped like Quarto's
output and named as nbdev names pages (01_sliders.ipynb -> sliders.html), built from fake notebooks; .ci/run runs
the same check on the real build."""
import json, subprocess, sys
from pathlib import Path
import pytest
from tools import check_site as cs

ROOT = Path(__file__).resolve().parent.parent
VIEW = 'application/vnd.jupyter.widget-view+json'

def _nb(md='', views=()):
    cells = [{'cell_type': 'markdown', 'metadata': {}, 'source': [md]}]
    cells += [{'cell_type': 'code', 'metadata': {}, 'execution_count': None, 'source': ['interact(f)'],
               'outputs': [{'output_type': 'display_data', 'metadata': {},
                            'data': {'text/plain': ['w'], VIEW: {'version_major': 2, 'version_minor': 0, 'model_id': m}}}]}
              for m in views]
    return {'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}

SIDEBAR = """website:
  sidebar:
    contents:
      - text: "Home"
        href: index.ipynb
      - section: "Lessons"
        contents:
          - text: "1. Sliders"
            href: 01_sliders.ipynb
          - text: "2. A diagram"
            href: 02_diagram.ipynb
      - text: "Elsewhere"
        href: https://example.com/x.html
"""
STATE = '<script type="application/vnd.jupyter.widget-state+json">{"version_major": 2, "state": {}}</script>'
def _view(m): return f'<script type="application/vnd.jupyter.widget-view+json">\n{{"version_major": 2, "model_id": "{m}"}}\n</script>'
MERMAID = ('<script src="site_libs/quarto-diagram/mermaid.min.js"></script>'
           '<figure class=""><div><pre class="mermaid mermaid-js">flowchart LR\n  A --&gt; B\n</pre></div></figure>')

@pytest.fixture
def site(tmp_path):
    nbs, docs = tmp_path/'nbs', tmp_path/'_docs'
    nbs.mkdir(); docs.mkdir()
    (nbs/'sidebar.yml').write_text(SIDEBAR)
    for name, nb in {'index': _nb('# Home'), '01_sliders': _nb('# Sliders', views=['aa11', 'bb22']),
                     '02_diagram': _nb('# A diagram\n\n```mermaid\nflowchart LR\n  A --> B\n```\n'),
                     '03_reference': _nb('# Not in the sidebar, still a page'), '_scratch': _nb('# skipped by Quarto')}.items():
        (nbs/f'{name}.ipynb').write_text(json.dumps(nb))
    (nbs/'04_own_name.ipynb').write_text(json.dumps({**_nb('# Named'), 'cells': [
        {'cell_type': 'raw', 'metadata': {}, 'source': ['---\n', 'output-file: named.html\n', '---\n']}]}))
    pages = {'index': '<html><body>home, <a href="sliders.html#sliders">sliders</a>, <a href="diagram.html">a diagram</a>'
                      '<img src="site_libs/logo.png"></body></html>',
             'sliders': f'<html><h1 id="sliders">Sliders</h1>{STATE}{_view("aa11")}{_view("bb22")}<a href="#sliders">top</a></html>',
             'diagram': f'<html>{MERMAID}<a href="https://example.com/elsewhere.html">out</a></html>',
             'reference': '<html>ref</html>', 'named': '<html>named</html>'}
    for name, html in pages.items(): (docs/f'{name}.html').write_text(html)
    (docs/'site_libs'/'quarto-diagram').mkdir(parents=True); (docs/'site_libs'/'logo.png').write_bytes(b'png')
    (docs/'site_libs'/'quarto-diagram'/'mermaid.min.js').write_text('// mermaid')
    (docs/'search.json').write_text(json.dumps([{'href': f'{n}.html#x', 'title': n} for n in pages]))
    return docs, nbs

def test_complete_site_passes(site):
    stats = {}
    fails, pages = cs.check_site(*site, stats)
    assert fails == []
    assert sorted(pages) == ['diagram.html', 'index.html', 'named.html', 'reference.html', 'sliders.html']
    assert stats['links'] == 5   # two pages, an anchor in a page, an image, a script; not the https:// link

def _edit(docs, page, old, new):
    p = docs/page; p.write_text(p.read_text().replace(old, new))

BREAKS = {
    'no_index':       (lambda d, n: (d/'index.html').unlink(), 'index.html is missing'),
    'lesson_missing': (lambda d, n: (d/'reference.html').unlink(), 'reference.html is missing (the page for'),
    'named_missing':  (lambda d, n: (d/'named.html').unlink(), 'named.html is missing (the page for'),
    'dead_link':      (lambda d, n: _edit(d, 'index.html', 'diagram.html', 'diagramme.html'),
                       'index.html: link to diagramme.html (diagramme.html) does not resolve'),
    'dead_anchor':    (lambda d, n: _edit(d, 'sliders.html', 'id="sliders"', 'id="other"'),
                       'index.html: link to sliders.html#sliders: sliders.html has no element with id "sliders"'),
    'no_search':      (lambda d, n: (d/'search.json').unlink(), 'the site has no search index'),
    'search_gap':     (lambda d, n: (d/'search.json').write_text('[{"href": "index.html"}]'), 'search.json holds nothing from sliders.html'),
    'sidebar_dangling': (lambda d, n: (n/'02_diagram.ipynb').rename(n/'_02_diagram.ipynb'),
                         'the sidebar (nbs/sidebar.yml) links to 02_diagram.ipynb, which is not in'),
    'no_mermaid':     (lambda d, n: _edit(d, 'diagram.html', 'pre class="mermaid mermaid-js"', 'pre class="default"'),
                       '0 mermaid diagram(s) in the page, 1 in'),
    'no_mermaid_js':  (lambda d, n: _edit(d, 'diagram.html', 'mermaid.min.js', 'other.js'), 'loads no mermaid.js'),
    'no_widget_state': (lambda d, n: _edit(d, 'sliders.html', STATE, ''), 'no saved widget state'),
    'view_missing':   (lambda d, n: _edit(d, 'sliders.html', _view('bb22'), ''),
                       '1 of its 2 widget views are missing (application/vnd.jupyter.widget-view+json for model bb22)'),
}

@pytest.mark.parametrize('name', BREAKS)
def test_broken_site_fails(site, name):
    brk, msg = BREAKS[name]
    brk(*site)
    fails, _ = cs.check_site(*site)
    assert any(msg in f for f in fails), fails

def test_cli_exit_codes(site):
    docs, nbs = site
    cmd = [sys.executable, str(ROOT/'tools'/'check_site.py'), '--docs', str(docs), '--nbs', str(nbs)]
    ok = subprocess.run(cmd, capture_output=True, text=True)
    assert ok.returncode == 0 and 'all 5 pages present' in ok.stdout and '5 internal links resolve' in ok.stdout, ok.stdout + ok.stderr
    (docs/'diagram.html').unlink()
    bad = subprocess.run(cmd, capture_output=True, text=True)
    assert bad.returncode == 1 and 'site check FAILED' in bad.stdout and 'diagram.html is missing' in bad.stdout

def test_the_course_site_check_covers_its_lessons():
    "On this course's own notebooks the check expects every lesson, the mermaid diagram and the widget pages"
    nbs = ROOT/'nbs'
    srcs = cs.source_pages(nbs)
    lessons = sorted(p.name for p in nbs.glob('[0-9][0-9]_*.ipynb'))
    assert set(lessons) | {'index.ipynb'} <= set(srcs)
    assert set(cs.sidebar_links(nbs)) <= set(srcs)
    exp = {s: cs.expectations(json.loads((nbs/s).read_text())) for s in srcs}
    assert exp['04_sgd.ipynb']['mermaid'] >= 1
    assert sum(bool(e['widget_views']) for e in exp.values()) >= 2   # the slider lessons
    pages = cs.site_pages(nbs)   # nbdev's names
    assert pages['core.html'] == '00_core.ipynb' and pages['tuning.html'] == '08_tuning.ipynb' and pages['index.html'] == 'index.ipynb'
    assert len(pages) == len(srcs)
