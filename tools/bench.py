"""Benchmark lesson 8's headline recipe: our `MNISTLearner` against a plain PyTorch loop, fastai's `Learner` and a
`DataLoader(TensorDataset)` loop, in one run with interleaved repeats; the headline over five seeds; and one epoch
with and without a busy neighbour process. Timings are reported, never asserted. `python tools/bench.py` takes a few
minutes on 2 cores (`--quick`, a smoke test, less): run it on a quiet machine; the load averages it prints at the start
and the end show a noisy run."""
import argparse, os, statistics, subprocess, sys, time
from functools import partial
from pathlib import Path

ROOT, med = Path(__file__).resolve().parents[1], statistics.median

def summarize(times, accs, baseline='plain', cpu=None) -> list:
    """A row per variant (`times`, `accs`, `cpu`: variant -> wall seconds, accuracies, CPU seconds per repeat): median, min,
    ratio to `baseline`'s median, and `paired_ratio`, the median of the ratios round by round (steadier under a drifting load)"""
    base = times[baseline]
    rows = [dict(variant=k, median_s=med(ts), min_s=min(ts), accuracy=statistics.fmean(accs[k]),
                 ratio=med(ts) / med(base), paired_ratio=med(t / b for t, b in zip(ts, base))) for k, ts in times.items()]
    for r in rows if cpu else []: r.update(median_cpu_s=med(cpu[r['variant']]), cpu_ratio=med(cpu[r['variant']]) / med(cpu[baseline]))
    return rows

def format_rows(rows, floats=None) -> str:
    "A plain-text table with a header line, columns padded to their widest cell; floats as `floats[key]`, else '.3f'"
    if not rows: return '(no rows)'
    keys, floats = list(rows[0]), floats or {}
    cells = [[format(r[k], floats.get(k, '.3f')) if isinstance(r[k], float) else str(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    line = lambda vals: '  '.join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(vals, widths)))
    return '\n'.join([line(keys), line(['-'*w for w in widths]), *map(line, cells)])

def interleave(variants, repeats) -> list:
    "The run order: every variant once per round, rotating the start so that none always runs first"
    return [variants[(r + i) % len(variants)] for r in range(repeats) for i in range(len(variants))]

def mlp_train_flops(n_items, epochs, sizes=(784, 512, 10)) -> float:
    "FLOPs of training an MLP: each layer's product once forward and twice backward, but the first layer's input needs no gradient"
    return 2. * n_items * epochs * (2 * sizes[0] * sizes[1] + 3 * sum(a * b for a, b in zip(sizes[1:], sizes[2:])))

def floor_row(name, seconds, flops, rates) -> dict:
    "How far `seconds` is above the time the matrix products alone take at each measured rate (dtype -> FLOP/s)"
    row = dict(run=name, seconds=seconds, gflop=flops / 1e9)
    for k, r in rates.items(): row.update({f'{k}_floor_s': flops / r, f'x_{k}_floor': seconds * r / flops})
    return row

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true', help='one repeat, two seeds, a short neighbour test: a smoke test')
    p.add_argument('--repeats', type=int, default=5, help='interleaved repeats of each variant (default 5)')
    p.add_argument('--seeds', type=int, default=5, help='seeds 0..n-1 for the headline (default 5)')
    p.add_argument('--threads', type=int, default=2, help='torch CPU threads (default 2)')
    p.add_argument('--skip-fastai', action='store_true', help="leave out fastai's Learner")
    p.add_argument('--save', metavar='PATH', help='once the run completes, also write the report to PATH (tools/bench_output.txt)')
    a = p.parse_args(argv)
    if a.quick: a.repeats, a.seeds = 1, 2
    return a

class clock(list):
    "Times its block: afterwards it holds [wall seconds, CPU seconds of this process]"
    def __enter__(self): self.t = (time.perf_counter(), time.process_time()); return self
    def __exit__(self, *exc): self[:] = [time.perf_counter() - self.t[0], time.process_time() - self.t[1]]

def matmul_rate(dtype, n_hidden, bs, repeats=30) -> float:
    "FLOP/s of one training step's matrix products for a 784-`n_hidden`-10 MLP in `dtype`, the fastest of `repeats`"
    import torch
    shapes = [(bs, 784, n_hidden), (784, bs, n_hidden), (bs, n_hidden, 10), (bs, 10, n_hidden), (n_hidden, bs, 10)]
    pairs, best = [(torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)) for m, k, n in shapes], float('inf')
    for _ in range(repeats + 3):
        t0 = time.perf_counter()
        for a, b in pairs: a @ b
        best = min(best, time.perf_counter() - t0)
    return sum(2 * m * k * n for m, k, n in shapes) / best

NEIGHBOUR = "import torch\ntorch.set_num_threads(2)\na = torch.randn(1024, 1024)\nwhile True: a @ a"

def main(argv=None):
    args, report = parse_args(argv), []
    say = lambda *a: (print(*a, flush=True), report.append(' '.join(map(str, a))))
    from mnist_course.learner import MNISTLearner, mnist_splits, mlp, index_batches, fast_bf16   # before torch: OMP_WAIT_POLICY
    from mnist_course.tuning import train_best_mlp
    import torch, torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset
    torch.set_num_threads(args.threads)
    say(f"tools/bench.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load average at start {os.getloadavg()}")
    trn_x, trn_y, val_x, val_y, tst_x, tst_y = mnist_splits()
    bf16 = fast_bf16('cpu')
    H, EPOCHS, LR, BS, SEED = 512, 3, 0.3, 256, 42   # the headline recipe, as train_best_mlp runs it
    say(f"recipe: 784-{H}-10, {EPOCHS} epochs, SGD momentum 0.9, one-cycle to lr {LR}, bs {BS}, bf16={bf16}")
    autocast = lambda: torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16)
    def test_acc(model):
        model.eval()
        with torch.no_grad(), autocast(): return float((model(tst_x).float().argmax(1) == tst_y).float().mean())
    learner = lambda: MNISTLearner(mlp(H, seed=SEED), (trn_x, trn_y, val_x, val_y), opt_func=partial(torch.optim.SGD, momentum=0.9),
                                   bs=BS, seed=SEED, bf16=bf16, device='cpu')
    def ours():
        learn = learner()
        with clock() as c: learn.fit(EPOCHS, LR, one_cycle=True, progress=False, validate=False)
        return c + [test_acc(learn.model)]
    def plain_loop(batches_of):
        model = mlp(H, seed=SEED)
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=EPOCHS * ((len(trn_x) + BS - 1) // BS), pct_start=0.25)
        g = torch.Generator().manual_seed(SEED)
        model.train()
        with clock() as c:
            for _ in range(EPOCHS):
                for xb, yb in batches_of(g):
                    with autocast(): out = model(xb)
                    F.cross_entropy(out.float(), yb).backward(); opt.step(); opt.zero_grad(); sched.step()
        return c + [test_acc(model)]
    index_batches_of = lambda g, x=trn_x: ((x[i], trn_y[i]) for i in index_batches(len(x), BS, True, g))
    tensor_dataset_of = lambda g: DataLoader(TensorDataset(trn_x, trn_y), batch_size=BS, shuffle=True, generator=g)
    def fastai_learner():
        from fastai.data.core import DataLoaders
        from fastai.callback.schedule import Learner   # the Learner with fit_one_cycle
        from fastai.optimizer import SGD
        dls = DataLoaders.from_dsets(list(zip(trn_x, trn_y)), list(zip(val_x[:BS], val_y[:BS])), bs=BS, device='cpu')
        class Autocast(torch.nn.Module):   # the forward pass in bf16 as in the other variants; fastai runs the rest
            def __init__(self, m): super().__init__(); self.m = m
            def forward(self, x):
                with autocast(): return self.m(x).float()
        learn = Learner(dls, Autocast(mlp(H, seed=SEED)), loss_func=F.cross_entropy, opt_func=partial(SGD, mom=0.9))
        with clock() as c, learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(EPOCHS, LR)
        return c + [test_acc(learn.model)]
    # MNISTLearner rounds the training inputs to bf16 once (autocast would round every batch): the same, by hand
    trn_x16 = trn_x.bfloat16() if bf16 else trn_x
    variants = {'ours (MNISTLearner)': ours, 'plain': partial(plain_loop, index_batches_of),
                'plain, inputs stored in bf16': partial(plain_loop, partial(index_batches_of, x=trn_x16)),
                'DataLoader(TensorDataset)': partial(plain_loop, tensor_dataset_of)}
    if not args.skip_fastai: variants['fastai Learner'] = fastai_learner
    variants['plain']()   # warm-up, not counted: the first bf16 products of a process pay for setting up their kernels
    times, cpus, accs = ({k: [] for k in variants} for _ in range(3))
    for k in interleave(list(variants), args.repeats):
        s, c, a = variants[k]()
        times[k].append(s); cpus[k].append(c); accs[k].append(a)
        print(f"  {k}: {s:.3f} s ({c:.3f} s of CPU), test accuracy {a:.4f}", file=sys.stderr, flush=True)
    say(f"\nHeadline recipe, {args.repeats} interleaved repeats (test accuracy; ratio = median / plain loop's median; "
        f"paired_ratio = median over the rounds of each run / the plain loop's run in the same round; "
        f"cpu = this process's CPU seconds, all threads):")
    say(format_rows(summarize(times, accs, cpu=cpus), {'accuracy': '.4f', 'ratio': '.2f', 'paired_ratio': '.2f', 'cpu_ratio': '.2f'}))
    rates = {'fp32': matmul_rate(torch.float32, H, BS), 'bf16': matmul_rate(torch.bfloat16, H, BS)}
    flops = mlp_train_flops(len(trn_x), EPOCHS, (784, H, 10))
    say(f"\nCompute floor: the recipe's matrix products are {flops/1e9:.0f} GFLOP; this CPU's rate for them, measured now "
        f"(best of 30): fp32 {rates['fp32']/1e9:.0f} GFLOP/s, bf16 {rates['bf16']/1e9:.0f} GFLOP/s. x_..._floor = median time / (GFLOP / rate):")
    say(format_rows([floor_row(k, med(times[k]), flops, rates) for k in variants], {'gflop': '.0f', 'x_fp32_floor': '.2f', 'x_bf16_floor': '.2f'}))
    say(f"\nHeadline over seeds 0-{args.seeds-1} (train_best_mlp: trained on 50,000, measured on the test set):")
    seed_rows = [dict(seed=s, test_accuracy=r['accuracy'], train_seconds=r['train_seconds'])
                 for s in range(args.seeds) for r in [train_best_mlp(seed=s, progress=False)]]
    say(format_rows(seed_rows, {'test_accuracy': '.4f'}))
    say(f"mean test accuracy {statistics.fmean(r['test_accuracy'] for r in seed_rows):.4f}, min {min(r['test_accuracy'] for r in seed_rows):.4f}, "
        f"median train seconds {med(r['train_seconds'] for r in seed_rows):.3f}")
    def one_epoch():
        (learn := learner()).fit(1, LR, one_cycle=True, progress=False, validate=False)
        return learn.train_seconds
    n = 1 if args.quick else 3
    quiet = med(one_epoch() for _ in range(n))
    neighbour = subprocess.Popen([sys.executable, '-c', NEIGHBOUR])   # another process doing 2-thread matrix products
    try: time.sleep(1.0); busy = med(one_epoch() for _ in range(n))
    finally: neighbour.terminate(); neighbour.wait(timeout=10)
    say(f"\nOne epoch of the headline recipe (median of {n}): quiet {quiet:.3f} s; with a busy 2-thread neighbour {busy:.3f} s ({busy/quiet:.1f}x)")
    say(f"load average at the end {os.getloadavg()}")
    if args.save:   # through a temporary file, so that an interrupted write leaves no half report
        (tmp := Path(args.save).with_name(f'.{Path(args.save).name}.tmp')).write_text('\n'.join(report) + '\n')
        print(f"report saved to {tmp.replace(args.save)}")

if __name__ == '__main__': main()
