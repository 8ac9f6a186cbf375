"""README.md, the course home (nbs/index.ipynb) and the docs sidebar must list the same notebooks as nbs/.

`nbdev-readme` needs Quarto, which can't run everywhere, so README.md is written by hand; these tests keep
it in step with the index page and with the notebooks that actually exist."""
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
_link = r'\[([^\]]+)\]\((?:nbs/)?(\d\d_\w+\.ipynb)\)'

def numbered_notebooks(): return sorted(p.name for p in NBS.glob('[0-9][0-9]_*.ipynb'))

def readme_links(text=None):
    "(title, notebook) pairs linked from README.md, in order of appearance"
    text = text if text is not None else (ROOT/'README.md').read_text()
    return re.findall(_link, text)

def index_links():
    nb = json.loads((NBS/'index.ipynb').read_text())
    md = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    return re.findall(_link, md)

def sidebar_links(): return re.findall(r'href:\s*(\d\d_\w+\.ipynb)', (NBS/'sidebar.yml').read_text())

REFERENCE_PAGES = ('00_core.ipynb', '00_data.ipynb', '00_explorables.ipynb', '11_results.ipynb', '00_exercises.ipynb')  # listed apart from the lessons

def _lessons(links): return [(t, f) for t, f in links if f not in REFERENCE_PAGES]

def test_readme_links_every_notebook():
    linked = {f for _, f in readme_links()}
    assert linked == set(numbered_notebooks()), (
        f"README.md links {sorted(linked)} but nbs/ holds {numbered_notebooks()}; update README.md's lesson list")

def test_readme_lessons_in_teaching_order():
    files = [f for _, f in _lessons(readme_links())]
    assert files == sorted(files) and len(files) == len(set(files)), files

def test_readme_and_index_agree():
    assert _lessons(readme_links()) == _lessons(index_links()), "README.md and nbs/index.ipynb list different lessons"
    assert {f for _, f in readme_links()} == {f for _, f in index_links()}

def test_sidebar_lists_every_notebook_once():
    side = sidebar_links()
    assert sorted(side) == numbered_notebooks(), f"sidebar.yml lists {side}, nbs/ holds {numbered_notebooks()}"
    lessons = [f for f in side if f not in REFERENCE_PAGES]
    assert lessons == sorted(lessons), "sidebar.yml must list the lessons in teaching order"

def test_a_missing_lesson_is_caught():
    "The check itself can fail: drop one lesson from the README text and the lists no longer match."
    text = (ROOT/'README.md').read_text()
    first = readme_links(text)[0]
    broken = text.replace(f"[{first[0]}](nbs/{first[1]})", first[0])
    assert {f for _, f in readme_links(broken)} != set(numbered_notebooks())
