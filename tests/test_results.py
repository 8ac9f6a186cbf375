"""`mnist-course-results --json` must run headless and reproduce the numbers saved in the notebooks.

The command retrains the headline models with the same exported functions the lessons use; nbs/11_results.ipynb
shows the whole table, slow rows included, saved when the notebooks were last executed. Here the command retrains
the quick rows (`--only`, a few seconds on 2 CPU cores): every row, slow ones included, is retrained and checked
against its bound whenever the notebooks run (nbdev-test runs nbs/11_results.ipynb). Rows, bounds and the slow
flag all come from `results.HEADLINES`."""
import json, shutil, subprocess, sys
from pathlib import Path
import pytest

from mnist_course.results import HEADLINES, Headline, collect_results, format_table, parse_table

ROOT = Path(__file__).resolve().parents[1]
KEYS = ['lesson', 'model', 'dataset', 'split', 'accuracy', 'train_seconds']
# the rows this test retrains: those that train in seconds (the CNN, resnet18 and the hand-backprop MLP take longer)
QUICK_KEYS = ['pixel-similarity', 'nearest-mean', 'linear', 'mlp']
FAST = [h for h in HEADLINES if h.key in QUICK_KEYS]

@pytest.fixture(scope='module')
def cli_rows():
    exe = shutil.which('mnist-course-results') or str(Path(sys.executable).parent/'mnist-course-results')
    assert Path(exe).exists(), "the console script mnist-course-results is not installed; pip install -e '.[dev]'"
    r = subprocess.run([exe, '--json', '--only', *QUICK_KEYS], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)  # stdout must be pure JSON: progress goes to stderr

def saved_rows(nb_path=ROOT/'nbs'/'11_results.ipynb') -> list:
    "The rows of the results table saved in the outputs of nbs/11_results.ipynb's `rows = run([...])` cell"
    nb = json.loads(Path(nb_path).read_text())
    code = lambda c: '\n'.join(l for l in ''.join(c['source']).splitlines() if not l.startswith('#|'))   # without nbdev's directives
    cells = [c for c in nb['cells'] if c['cell_type'] == 'code' and code(c).startswith('rows = run(')]
    assert len(cells) == 1, f"{nb_path} must have one `rows = run([...])` cell, the table of today's numbers"
    text = '\n'.join(''.join(o.get('text', '')) for o in cells[0].get('outputs', []) if o.get('name') == 'stdout')
    rows = parse_table(text)  # raises ValueError naming the problem if no table was saved
    assert rows, f"{nb_path} has a results table with no rows"
    return rows

def test_rows_and_keys(cli_rows):
    assert [list(r) for r in cli_rows] == [KEYS]*len(FAST)
    assert [(r['lesson'], r['model'], r['dataset'], r['split']) for r in cli_rows] == [
        (h.lesson, h.model, h.dataset, h.split) for h in FAST]
    assert all(r['train_seconds'] >= 0 for r in cli_rows)

def test_accuracy_bounds(cli_rows):
    for h, r in zip(FAST, cli_rows): assert r['accuracy'] >= h.bound, (h.model, r['accuracy'], h.bound)
    pix = next(r for r in cli_rows if r['model'].startswith('pixel-similarity'))
    assert abs(pix['accuracy'] - 0.9511) < 1e-4  # fastbook's own figure for this baseline: no training, no randomness

def test_matches_the_notebook(cli_rows):
    saved = {r['model']: r for r in saved_rows()}
    assert [h.model for h in HEADLINES] == list(saved), "the saved table must hold every headline, slow ones too, in order"
    for r in cli_rows:
        # seeded runs are identical on the same machine; allow a few images for another CPU's rounding
        assert abs(r['accuracy'] - saved[r['model']]['accuracy']) <= 0.0025, (r['model'], r['accuracy'], saved[r['model']])
        assert r['split'] == saved[r['model']]['split']

def test_saved_rows_clear_their_bounds():
    saved = {r['model']: r for r in saved_rows()}
    for h in HEADLINES: assert saved[h.model]['accuracy'] >= h.bound, (h.model, saved[h.model], h.bound)

def test_a_new_slow_row_is_one_line():
    "A lesson-9 row marked slow: skipped by default, run with --all, and its table reads back"
    fake = HEADLINES[:1] + [Headline(9, 'cnn 2 conv layers', 'mnist (10 digits)', 'test',
                                     lambda: dict(accuracy=0.99123, train_seconds=61.5), 0.99, slow=True)]
    assert [r['lesson'] for r in collect_results(headlines=fake)] == [2]
    rows = collect_results(include_slow=True, headlines=fake)
    assert rows[1] == dict(lesson=9, model='cnn 2 conv layers', dataset='mnist (10 digits)', split='test',
                           accuracy=0.9912, train_seconds=61.5)
    assert parse_table(format_table(rows)) == rows

def test_saved_table_reader_can_fail(tmp_path):
    "A notebook whose table was not saved (or was garbled) fails with a message, not an empty pass"
    nb = json.loads((ROOT/'nbs'/'11_results.ipynb').read_text())
    for c in nb['cells']:
        for o in c.get('outputs', []):
            if o.get('name') == 'stdout': o['text'] = [t.replace('train s', 'train') for t in o['text']]
    bad = tmp_path/'bad.ipynb'; bad.write_text(json.dumps(nb))
    with pytest.raises(ValueError, match='no results table'): saved_rows(bad)

def test_quick_rows_exist():
    "The names this test retrains are real rows (a renamed model would otherwise shrink the test silently)"
    assert [h.key for h in FAST] == QUICK_KEYS and not any(h.slow for h in FAST)
