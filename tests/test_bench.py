"""The pure parts of tools/bench.py: the summary, the table and the run order. No timing is asserted here."""
import io, json
from pathlib import Path
import pytest
from tools.bench import summarize, format_rows, interleave, parse_args

def test_summarize_ratios_and_stats():
    rows = summarize({'plain': [2.0, 1.0, 3.0], 'ours': [2.2, 2.4, 1.9]}, {'plain': [0.98, 0.98, 0.99], 'ours': [0.97, 0.99, 0.98]})
    by = {r['variant']: r for r in rows}
    assert by['plain']['median_s'] == 2.0 and by['plain']['min_s'] == 1.0 and by['plain']['ratio'] == 1.0
    assert by['ours']['median_s'] == 2.2 and by['ours']['min_s'] == 1.9
    assert by['ours']['ratio'] == pytest.approx(1.1)
    assert by['ours']['accuracy'] == pytest.approx(0.98)

def test_summarize_paired_ratio():
    "A drifting load: the medians' ratio says 1.25, the rounds side by side say 1.05"
    rows = summarize({'plain': [1.0, 3.0, 2.0], 'ours': [1.05, 3.15, 2.5]}, {'plain': [0.9] * 3, 'ours': [0.9] * 3})
    by = {r['variant']: r for r in rows}
    assert by['ours']['ratio'] == pytest.approx(1.25) and by['ours']['paired_ratio'] == pytest.approx(1.05)
    assert by['plain']['paired_ratio'] == 1.0
    with pytest.raises(ValueError, match="'ours': 1 timings but 3 for 'plain'"):
        summarize({'plain': [1., 2., 3.], 'ours': [1.]}, {'plain': [0.9] * 3, 'ours': [0.9]})

def test_summarize_cpu_columns():
    rows = summarize({'plain': [1.0, 3.0], 'ours': [2.0, 2.0]}, {'plain': [0.9, 0.9], 'ours': [0.9, 0.9]},
                     cpu={'plain': [2.0, 2.0], 'ours': [2.1, 2.3]})
    by = {r['variant']: r for r in rows}
    assert by['ours']['median_cpu_s'] == pytest.approx(2.2) and by['ours']['cpu_ratio'] == pytest.approx(1.1)
    assert by['plain']['cpu_ratio'] == 1.0 and by['ours']['ratio'] == 1.0
    with pytest.raises(ValueError, match="timings and CPU times name different variants"):
        summarize({'plain': [1.]}, {'plain': [0.9]}, cpu={'ours': [1.]})

def test_summarize_errors():
    with pytest.raises(ValueError, match="no timings for the baseline 'plain'"): summarize({'ours': [1.]}, {'ours': [0.9]})
    with pytest.raises(ValueError, match="different variants"): summarize({'plain': [1.]}, {'ours': [0.9]})
    with pytest.raises(ValueError, match="2 timings but 1 accuracies"): summarize({'plain': [1., 2.]}, {'plain': [0.9]})
    with pytest.raises(ValueError, match="no timings for 'plain'"): summarize({'plain': []}, {'plain': []})

def test_format_rows():
    text = format_rows([dict(variant='plain', s=1.23456), dict(variant='a longer name', s=10.0)], {'s': '.2f'})
    lines = text.splitlines()
    assert lines[0].split() == ['variant', 's'] and set(lines[1]) <= {'-', ' '}
    assert lines[2].startswith('plain ') and lines[2].endswith(' 1.23')
    assert lines[3] == 'a longer name  10.00'
    assert len({len(l) for l in lines}) == 1          # every line padded to the same width
    assert format_rows([]) == '(no rows)'

def test_interleave():
    assert interleave(['a', 'b', 'c'], 2) == ['a', 'b', 'c', 'b', 'c', 'a']
    order = interleave(['a', 'b'], 5)
    assert order.count('a') == order.count('b') == 5
    with pytest.raises(ValueError, match="repeats must be at least 1"): interleave(['a'], 0)

def test_quick_mode():
    a = parse_args(['--quick'])
    assert (a.quick, a.repeats, a.seeds) == (True, 1, 2)
    assert (parse_args([]).repeats, parse_args([]).seeds, parse_args([]).threads) == (5, 5, 2)

def test_mlp_train_flops():
    from tools.bench import mlp_train_flops
    # one item, one epoch, 784-512-10: first layer forward + weight gradient, second layer three products
    assert mlp_train_flops(1, 1) == 2 * (2*784*512 + 3*512*10)
    assert mlp_train_flops(50_000, 3) == pytest.approx(3 * 50_000 * mlp_train_flops(1, 1))
    assert mlp_train_flops(1, 1, (784, 10)) == 2 * 2 * 7840      # a linear model: no hidden layer
    with pytest.raises(ValueError, match="needs an input and an output width"): mlp_train_flops(1, 1, (784,))

def test_floor_row():
    from tools.bench import floor_row
    r = floor_row('plain', 2.0, 1e12, {'fp32': 5e11, 'bf16': 2e12})
    assert (r['fp32_floor_s'], r['x_fp32_floor']) == (2.0, 1.0)
    assert (r['bf16_floor_s'], r['x_bf16_floor']) == (0.5, 4.0)
    assert r['gflop'] == 1000.
    with pytest.raises(ValueError, match="the bf16 rate must be positive"): floor_row('x', 1., 1., {'bf16': 0.})

def test_save_report(tmp_path):
    from tools.bench import Tee, save_report
    out = io.StringIO(); t = Tee(out)
    t.write('a\n'); t.write('b')
    assert out.getvalue() == t.text() == 'a\nb'
    p = save_report(t.text(), tmp_path/'r.txt')
    assert p.read_text() == 'a\nb' and [f.name for f in tmp_path.iterdir()] == ['r.txt']   # no temporary file left

ROOT = Path(__file__).resolve().parents[1]

def test_saved_report_is_complete():
    "The report the results page shows has every section, from one finished run"
    text = (ROOT/'tools'/'bench_output.txt').read_text()
    for part in ('Headline recipe, 5 interleaved repeats', 'ours (MNISTLearner)', 'plain, inputs stored in bf16', 'fastai Learner',
                 'Compute floor', 'Headline over seeds 0-4', 'One epoch of the headline recipe', 'load average at the end'):
        assert part in text, f"tools/bench_output.txt lacks {part!r}: rerun python tools/bench.py --save tools/bench_output.txt"

def test_results_page_shows_the_saved_report():
    "nbs/11_results.ipynb's saved output is the report file as it is now (re-execute the page after a new bench run)"
    nb = json.loads((ROOT/'nbs'/'11_results.ipynb').read_text())
    cells = [c for c in nb['cells'] if c['cell_type'] == 'code' and 'bench_output.txt' in ''.join(c['source'])]
    assert len(cells) == 1
    shown = ''.join(''.join(o.get('text', '')) for o in cells[0]['outputs'] if o.get('name') == 'stdout')
    assert shown.strip() == (ROOT/'tools'/'bench_output.txt').read_text().strip()
