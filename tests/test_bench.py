"""tools/bench.py's pure parts (the summary, the table, the run order, the FLOP counts), and the saved report the results
page shows. No timing is asserted here."""
import json
import pytest
from tools.bench import ROOT, summarize, format_rows, interleave, parse_args, mlp_train_flops, floor_row

def test_summarize():
    rows = summarize({'plain': [1.0, 3.0, 2.0], 'ours': [1.05, 3.15, 2.5]}, {'plain': [0.98] * 3, 'ours': [0.97, 0.99, 0.98]},
                     cpu={'plain': [2.0] * 3, 'ours': [2.1, 2.2, 2.3]})
    plain, ours = rows[0], rows[1]
    assert (plain['median_s'], plain['min_s'], plain['ratio'], plain['paired_ratio'], plain['cpu_ratio']) == (2.0, 1.0, 1.0, 1.0, 1.0)
    assert ours['accuracy'] == pytest.approx(0.98) and ours['cpu_ratio'] == pytest.approx(1.1)
    # a drifting load: the medians' ratio says 1.25, the rounds side by side 1.05
    assert ours['ratio'] == pytest.approx(1.25) and ours['paired_ratio'] == pytest.approx(1.05)

def test_format_rows():
    lines = format_rows([dict(variant='plain', s=1.23456), dict(variant='a longer name', s=10.0)], {'s': '.2f'}).splitlines()
    assert lines[0].split() == ['variant', 's'] and set(lines[1]) <= {'-', ' '}
    assert lines[2].startswith('plain ') and lines[2].endswith(' 1.23') and lines[3] == 'a longer name  10.00'
    assert len({len(l) for l in lines}) == 1 and format_rows([]) == '(no rows)'

def test_interleave_and_args():
    assert interleave(['a', 'b', 'c'], 2) == ['a', 'b', 'c', 'b', 'c', 'a']
    a = parse_args(['--quick'])
    assert (a.repeats, a.seeds) == (1, 2) and (parse_args([]).repeats, parse_args([]).seeds, parse_args([]).threads) == (5, 5, 2)

def test_flops_and_floor():
    assert mlp_train_flops(1, 1) == 2 * (2*784*512 + 3*512*10)   # first layer forward + weight gradient, second three products
    assert mlp_train_flops(1, 1, (784, 10)) == 2 * 2 * 7840       # a linear model
    r = floor_row('plain', 2.0, 1e12, {'fp32': 5e11, 'bf16': 2e12})
    assert (r['fp32_floor_s'], r['x_fp32_floor'], r['bf16_floor_s'], r['x_bf16_floor'], r['gflop']) == (2.0, 1.0, 0.5, 4.0, 1000.)

def test_saved_report_is_complete_and_shown():
    "The report has every section of one finished run, and nbs/11_results.ipynb shows it as it is now"
    text = (ROOT/'tools'/'bench_output.txt').read_text()
    for part in ('Headline recipe, 5 interleaved repeats', 'ours (MNISTLearner)', 'plain, inputs stored in bf16', 'fastai Learner',
                 'Compute floor', 'Headline over seeds 0-4', 'One epoch of the headline recipe', 'load average at the end'):
        assert part in text, f"tools/bench_output.txt lacks {part!r}: rerun python tools/bench.py --save tools/bench_output.txt"
    cell, = [c for c in json.loads((ROOT/'nbs'/'11_results.ipynb').read_text())['cells']
             if c['cell_type'] == 'code' and 'bench_output.txt' in ''.join(c['source'])]
    assert ''.join(''.join(o.get('text', '')) for o in cell['outputs'] if o.get('name') == 'stdout').strip() == text.strip()
