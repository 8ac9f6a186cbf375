"""Benchmark lesson 7's headline recipe: our `MNISTLearner` against a plain PyTorch loop, fastai's `Learner` and a
`DataLoader(TensorDataset)` loop, in one run with interleaved repeats; the headline over five seeds; and one epoch
with and without a busy neighbour process. Timings are reported as figures, never asserted.

    MNIST_COURSE_DATA=/work/shared/data python tools/bench.py            # the full run (a few minutes on 2 cores)
    python tools/bench.py --quick                                         # one repeat, two seeds: a smoke test

Run it on a quiet machine: it prints the load average at the start and the end, so that a noisy run shows itself."""
import argparse, os, statistics, subprocess, sys, time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))

# ---------------------------------------------------------------- pure parts (tests/test_bench.py)

def summarize(times:dict, # variant -> list of wall-clock seconds, one per repeat
              accs:dict, # variant -> list of accuracies, one per repeat
              baseline:str='plain', # the variant the ratios are relative to
              cpu:dict|None=None # variant -> list of CPU seconds of this process (less disturbed by a busy machine)
             ) -> list:
    "One row per variant: median and min seconds, mean accuracy, the median's ratio to `baseline`'s, the median of the ratios round by round (and the same for CPU time)"
    if baseline not in times: raise ValueError(f"no timings for the baseline {baseline!r}; got {sorted(times)}.")
    for name, other in (('accuracies', accs), ('CPU times', cpu)):
        if other is not None and set(times) != set(other):
            raise ValueError(f"timings and {name} name different variants: {sorted(times)} vs {sorted(other)}.")
    for k, ts in times.items():
        if not ts: raise ValueError(f"no timings for {k!r}.")
        if len(ts) != len(accs[k]): raise ValueError(f"{k!r}: {len(ts)} timings but {len(accs[k])} accuracies.")
        if len(ts) != len(times[baseline]): raise ValueError(f"{k!r}: {len(ts)} timings but {len(times[baseline])} for {baseline!r}.")
    med = statistics.median
    base = times[baseline]
    # paired_ratio: each repeat over the baseline's repeat of the same round (they ran side by side), then the median;
    # a load that drifts during the run moves both times of a round alike, so this ratio is steadier than `ratio`
    rows = [dict(variant=k, median_s=med(ts), min_s=min(ts), accuracy=statistics.fmean(accs[k]),
                 ratio=med(ts) / med(base), paired_ratio=med(t / b for t, b in zip(ts, base))) for k, ts in times.items()]
    if cpu is not None:
        for r in rows: r.update(median_cpu_s=med(cpu[r['variant']]), cpu_ratio=med(cpu[r['variant']]) / med(cpu[baseline]))
    return rows

def format_rows(rows:list, # dicts with the same keys
                floats:dict|None=None # key -> format spec, e.g. {'median_s': '.3f'}
               ) -> str:
    "A plain-text table with a header line, columns padded to their widest cell"
    if not rows: return '(no rows)'
    floats = floats or {}
    keys = list(rows[0])
    cells = [[format(r[k], floats[k]) if k in floats else str(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    line = lambda vals: '  '.join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(vals, widths)))
    return '\n'.join([line(keys), line(['-'*w for w in widths]), *map(line, cells)])

def interleave(variants:list, # names of the variants
               repeats:int # rounds
              ) -> list:
    "The run order: every variant once per round, rotating the start so no variant always runs first"
    if repeats < 1: raise ValueError(f"repeats must be at least 1, got {repeats}.")
    n = len(variants)
    return [variants[(r + i) % n] for r in range(repeats) for i in range(n)]

def mlp_train_flops(n_items:int, # training items per epoch
                    epochs:int, # passes over them
                    sizes:tuple=(784, 512, 10) # the widths of the layers, input first
                   ) -> float:
    "Multiply-adds x 2 of training an MLP: each layer's product once forward and twice backward (no gradient for the input)"
    if len(sizes) < 2: raise ValueError(f"sizes needs an input and an output width, got {sizes}.")
    first, rest = sizes[0] * sizes[1], sum(a * b for a, b in zip(sizes[1:], sizes[2:]))
    # the first layer needs no gradient for its input (the images), so its backward pass is one product, not two
    return 2. * n_items * epochs * (2 * first + 3 * rest)

def floor_row(name:str, # what is measured
              seconds:float, # its median time
              flops:float, # its floating-point operations
              rates:dict # dtype name -> measured matrix-product rate in FLOP/s
             ) -> dict:
    "How far `seconds` is above the time the matrix products alone would take at each measured rate"
    row = dict(run=name, seconds=seconds, gflop=flops / 1e9)
    for k, r in rates.items():
        if r <= 0: raise ValueError(f"the {k} rate must be positive, got {r}.")
        row[f'{k}_floor_s'] = flops / r
        row[f'x_{k}_floor'] = seconds / (flops / r)
    return row

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true', help='one repeat, two seeds, a short neighbour test: a smoke test')
    p.add_argument('--repeats', type=int, default=5, help='interleaved repeats of each variant (default 5)')
    p.add_argument('--seeds', type=int, default=5, help='seeds 0..n-1 for the headline (default 5)')
    p.add_argument('--threads', type=int, default=2, help='torch CPU threads (default 2)')
    p.add_argument('--skip-fastai', action='store_true', help="leave out fastai's Learner")
    p.add_argument('--save', metavar='PATH', help='also write the report (standard output) to PATH, e.g. tools/bench_output.txt '
                                                  'for the results page; written only when the run completes')
    a = p.parse_args(argv)
    if a.quick: a.repeats, a.seeds = 1, 2
    return a

# ---------------------------------------------------------------- the runs

class clock(list):
    "A context that times its block: afterwards it holds `[wall seconds, CPU seconds of this process]`"
    def __enter__(self): self.t = (time.perf_counter(), time.process_time()); return self
    def __exit__(self, *exc): self[:] = [time.perf_counter() - self.t[0], time.process_time() - self.t[1]]

def matmul_rate(dtype, n_hidden:int, bs:int, repeats:int=30) -> float:
    "FLOP/s of one training step's matrix products for a 784-`n_hidden`-10 MLP in `dtype`, the fastest of `repeats`"
    import torch
    shapes = [(bs, 784, n_hidden), (784, bs, n_hidden), (bs, n_hidden, 10), (bs, 10, n_hidden), (n_hidden, bs, 10)]
    pairs = [(torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)) for m, k, n in shapes]
    flops = sum(2 * m * k * n for m, k, n in shapes)
    best = float('inf')
    for _ in range(repeats + 3):
        t0 = time.perf_counter()
        for a, b in pairs: a @ b
        best = min(best, time.perf_counter() - t0)
    return flops / best

NEIGHBOUR = """
import torch, time
torch.set_num_threads(2)
a = torch.randn(1024, 1024)
while True: a @ a
"""

class Tee:
    "A stand-in for `sys.stdout` that also keeps what is written, so the report can be saved at the end"
    def __init__(self, out): self.out, self.parts = out, []
    def write(self, s): self.parts.append(s); return self.out.write(s)
    def flush(self): self.out.flush()
    def text(self) -> str: return ''.join(self.parts)

def save_report(text:str, path) -> Path:
    "Write `text` to `path` through a temporary file in the same folder, so an interrupted run leaves no half-written report"
    path = Path(path)
    tmp = path.with_name(f'.{path.name}.tmp')
    tmp.write_text(text); tmp.replace(path)
    return path

def main(argv=None):
    args = parse_args(argv)
    if args.save:
        tee = sys.stdout = Tee(sys.stdout)
        try: _main(args)
        finally: sys.stdout = tee.out
        print(f"report saved to {save_report(tee.text(), args.save)}")
    else: _main(args)

def _main(args):
    import mnist_course   # sets OMP_WAIT_POLICY before torch loads
    import torch, torch.nn.functional as F
    from mnist_course.learner import MNISTLearner, mnist_splits, mlp, index_batches, fast_bf16
    from mnist_course.tuning import train_best_mlp
    torch.set_num_threads(args.threads)
    print(f"tools/bench.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load average at start {os.getloadavg()}", flush=True)
    trn_x, trn_y, val_x, val_y, tst_x, tst_y = mnist_splits()
    bf16 = fast_bf16('cpu')
    # the headline recipe, as train_best_mlp runs it
    H, EPOCHS, LR, BS, SEED = 512, 3, 0.3, 256, 42
    print(f"recipe: 784-{H}-10, {EPOCHS} epochs, SGD momentum 0.9, one-cycle to lr {LR}, bs {BS}, bf16={bf16}", flush=True)
    autocast = lambda: torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16)
    test_acc = lambda model: float((model_preds(model) == tst_y).float().mean())
    def model_preds(model):
        model.eval()
        with torch.no_grad(), autocast(): return model(tst_x).float().argmax(1)

    def ours():
        learn = MNISTLearner(mlp(H, seed=SEED), (trn_x, trn_y, val_x, val_y),
                             opt_func=partial(torch.optim.SGD, momentum=0.9), bs=BS, seed=SEED, bf16=bf16, device='cpu')
        with clock() as c: learn.fit(EPOCHS, LR, one_cycle=True, progress=False, validate=False)
        return c + [test_acc(learn.model)]

    def plain_loop(batches_of):
        model = mlp(H, seed=SEED)
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
        steps = EPOCHS * ((len(trn_x) + BS - 1) // BS)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.25)
        g = torch.Generator().manual_seed(SEED)
        model.train()
        with clock() as c:
            for _ in range(EPOCHS):
                for xb, yb in batches_of(g):
                    with autocast(): out = model(xb)
                    loss = F.cross_entropy(out.float(), yb)
                    loss.backward(); opt.step(); opt.zero_grad(); sched.step()
        return c + [test_acc(model)]

    def index_batches_of(g, x=trn_x):
        for idx in index_batches(len(x), BS, True, g): yield x[idx], trn_y[idx]

    def tensor_dataset_of(g):
        from torch.utils.data import DataLoader, TensorDataset
        return DataLoader(TensorDataset(trn_x, trn_y), batch_size=BS, shuffle=True, generator=g)

    def fastai_learner():
        from fastai.data.core import DataLoaders
        from fastai.learner import Learner
        from fastai.optimizer import SGD
        import fastai.callback.schedule
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
    print(f"\nHeadline recipe, {args.repeats} interleaved repeats (test accuracy; ratio = median / plain loop's median; "
          f"paired_ratio = median over the rounds of each run / the plain loop's run in the same round; "
          f"cpu = this process's CPU seconds, all threads):")
    print(format_rows(summarize(times, accs, cpu=cpus), {'median_s': '.3f', 'min_s': '.3f', 'accuracy': '.4f', 'ratio': '.2f', 'paired_ratio': '.2f',
                                                          'median_cpu_s': '.3f', 'cpu_ratio': '.2f'}), flush=True)

    rates = {'fp32': matmul_rate(torch.float32, H, BS), 'bf16': matmul_rate(torch.bfloat16, H, BS)}
    flops = mlp_train_flops(len(trn_x), EPOCHS, (784, H, 10))
    print(f"\nCompute floor: the recipe's matrix products are {flops/1e9:.0f} GFLOP; this CPU's rate for them, measured now "
          f"(best of 30): fp32 {rates['fp32']/1e9:.0f} GFLOP/s, bf16 {rates['bf16']/1e9:.0f} GFLOP/s. "
          f"x_..._floor = median time / (GFLOP / rate):")
    med = statistics.median
    print(format_rows([floor_row(k, med(times[k]), flops, rates) for k in variants],
                      {'seconds': '.3f', 'gflop': '.0f', 'fp32_floor_s': '.3f', 'x_fp32_floor': '.2f',
                       'bf16_floor_s': '.3f', 'x_bf16_floor': '.2f'}), flush=True)

    print(f"\nHeadline over seeds 0-{args.seeds-1} (train_best_mlp: trained on 50,000, measured on the test set):")
    seed_rows = []
    for s in range(args.seeds):
        r = train_best_mlp(seed=s, progress=False)
        seed_rows.append(dict(seed=s, test_accuracy=r['accuracy'], train_seconds=r['train_seconds']))
    print(format_rows(seed_rows, {'test_accuracy': '.4f', 'train_seconds': '.3f'}))
    print(f"mean test accuracy {statistics.fmean(r['test_accuracy'] for r in seed_rows):.4f}, "
          f"min {min(r['test_accuracy'] for r in seed_rows):.4f}, "
          f"median train seconds {statistics.median(r['train_seconds'] for r in seed_rows):.3f}", flush=True)

    def one_epoch():
        learn = MNISTLearner(mlp(H, seed=SEED), (trn_x, trn_y, val_x, val_y),
                             opt_func=partial(torch.optim.SGD, momentum=0.9), bs=BS, seed=SEED, bf16=bf16, device='cpu')
        learn.fit(1, LR, one_cycle=True, progress=False, validate=False)
        return learn.train_seconds
    n = 1 if args.quick else 3
    quiet = [one_epoch() for _ in range(n)]
    neighbour = subprocess.Popen([sys.executable, '-c', NEIGHBOUR])   # another process doing 2-thread matrix products
    try:
        time.sleep(1.0)
        busy = [one_epoch() for _ in range(n)]
    finally:
        neighbour.terminate(); neighbour.wait(timeout=10)
    q, b = statistics.median(quiet), statistics.median(busy)
    print(f"\nOne epoch of the headline recipe (median of {n}): quiet {q:.3f} s; with a busy 2-thread neighbour {b:.3f} s "
          f"({b/q:.1f}x)")
    print(f"load average at the end {os.getloadavg()}")

if __name__ == '__main__': main()
