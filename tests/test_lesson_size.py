"""Every lesson fits one sitting: what a reader sees of its code, in Jupyter and on the website, stays small.

A code cell's source is out of view only when the site leaves it out (`#| hide`, or `#| echo: false`, which shows
only the output, such as a sentence with the run's numbers) and Jupyter collapses it (cell metadata
`jupyter.source_hidden`, which nbdev-clean keeps). The checks that stay in view are the few that teach (ours equals
PyTorch's); the guards and edge-case tests live in collapsed hidden cells. `python tests/test_lesson_size.py` prints
the counts."""
import json, re
from pathlib import Path

NBS = Path(__file__).resolve().parents[1]/'nbs'
LESSONS = sorted(p for p in NBS.glob('[01][0-9]_*.ipynb') if not p.name.startswith(('00_', '11_')))
MAX_CELLS, MAX_LINES, MAX_TEST_LINES = 60, 300, 15
TEST_LINE = re.compile(r'\s*(test_\w+\(|assert\b)')

def out_of_view(cell) -> bool:
    "The source is left out of the site and collapsed in Jupyter"
    hidden = re.search(r'^#\|\s*(hide|echo:\s*false)\s*$', ''.join(cell['source']), re.M)
    return bool(hidden) and cell.get('metadata', {}).get('jupyter', {}).get('source_hidden', False)

def in_view(path) -> dict:
    "The code cells, lines of code and lines of tests a reader sees in the notebook at `path`"
    cells = [c for c in json.loads(Path(path).read_text())['cells'] if c['cell_type'] == 'code' and not out_of_view(c)]
    lines = [l for c in cells for l in ''.join(c['source']).splitlines() if l.strip() and not l.lstrip().startswith('#|')]
    return dict(cells=len(cells), lines=len(lines), test_lines=sum(bool(TEST_LINE.match(l)) for l in lines))

def test_hidden_cells_are_collapsed_too():
    "A `#| hide` cell is out of view only if Jupyter collapses it as well"
    bad = [(p.name, i) for p in LESSONS for i, c in enumerate(json.loads(p.read_text())['cells'])
           if c['cell_type'] == 'code' and re.search(r'^#\|\s*hide\s*$', ''.join(c['source']), re.M) and not out_of_view(c)]
    assert not bad, f"hidden cells not collapsed in Jupyter (set metadata jupyter.source_hidden): {bad}"

def test_every_lesson_fits_one_sitting():
    over = {p.name: n for p in LESSONS if (n := in_view(p))['cells'] > MAX_CELLS or n['lines'] > MAX_LINES
            or n['test_lines'] > MAX_TEST_LINES}
    assert not over, f"over {MAX_CELLS} code cells, {MAX_LINES} lines or {MAX_TEST_LINES} test lines in view: {over}"

if __name__ == '__main__':
    for p in LESSONS: print(f"{p.name:40} {in_view(p)}")
