"""The live explorables (`mnist_course.explorables`), used in the page as a reader would: move each slider, press
each button, draw on the pad, and compare what the page shows with what Python computes for the same settings.

Each explorable is a `<div class="mc-explorable" data-kind=...>` holding its data as JSON and its script; after a
change its script leaves what it computed in `root.mcState` (and the pad its ink in `root.mcInk`), which is what
is compared here, together with the text the reader sees. Every failure names the page and the explorable."""
from __future__ import annotations
import math
from pathlib import Path

NAMES = {'quadfit': 'QuadraticFitExplorer', 'lrstepper': 'LRStepperExplorer', 'digitpad': 'DigitPadExplorer'}
FIND_JS = """Array.from(document.querySelectorAll('.mc-explorable')).map(e => [e.id, e.dataset.kind])"""
STATE_JS = """id => { const r = document.getElementById(id); return r.mcState === undefined ? null :
  JSON.parse(JSON.stringify(r.mcState, (k, v) => typeof v === 'number' && !isFinite(v) ? String(v) : v)); }"""
DATA_JS = """id => JSON.parse(document.getElementById(id).querySelector('script.mc-data').textContent)"""
TEXT_JS = """([id, sel]) => { const e = document.getElementById(id).querySelector(sel); return e ? e.textContent : null; }"""
SET_JS = """([id, name, v]) => { const e = document.getElementById(id).querySelector(`input[name=${name}]`);
  e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); return e.value; }"""

class Fail(Exception): "A failed expectation: its message goes into the report"

def _close(a, b, rtol=1e-4, atol=1e-6) -> bool:
    if a is None or b is None: return False
    if not (math.isfinite(a) and math.isfinite(b)): return (math.isnan(a) and math.isnan(b)) or a == b or (not math.isfinite(a) and not math.isfinite(b))
    return abs(a - b) <= atol + rtol * abs(b)

def _num(v):
    "A number from the page's state (where Infinity and NaN arrive as strings)"
    return float('nan') if v is None else float(v)

class _Ctx:
    def __init__(self, page, rid): self.page, self.id = page, rid
    def state(self): return self.page.evaluate(STATE_JS, self.id)
    def data(self): return self.page.evaluate(DATA_JS, self.id)
    def text(self, sel): return self.page.evaluate(TEXT_JS, [self.id, sel])
    def sel(self, s): return f'#{self.id} {s}'
    def set(self, name, v): return self.page.evaluate(SET_JS, [self.id, name, v])
    def started(self):
        st = self.state()
        if st is None: raise Fail('its script did not run (no state after load)')
        return st

# ---- lesson 3: QuadraticFitExplorer -------------------------------------------------------------------------
def check_quadfit(page, rid, report) -> list[str]:
    import torch
    from mnist_course.fitting import mae, mk_quad
    c = _Ctx(page, rid)
    c.started()
    D = c.data()
    x, y = torch.tensor(D['x'], dtype=torch.float32)[:, None], torch.tensor(D['y'], dtype=torch.float32)[:, None]
    xs = torch.linspace(D['lo'], D['hi'], D['npts'])[:, None]   # as plot_function draws the curve
    fails = []
    for name, dx in (('a', 45), ('b', -35), ('c', 25)):
        before = c.state()
        curve_before = page.evaluate("s => document.querySelector(s).getAttribute('points')", c.sel('polyline.mc-curve'))
        page.drag(c.sel(f'input[name={name}]'), dx=dx)
        st, text = c.state(), c.text('.mc-mae')
        if st[name] == before[name]:
            fails.append(f'dragging slider {name} did not change its value ({before[name]})'); continue
        a, b, cc = st['a'], st['b'], st['c']
        want = [float(page.evaluate("s => document.querySelector(s).value", c.sel(f'input[name={k}]'))) for k in 'abc']
        if [a, b, cc] != want:
            fails.append(f'after moving {name}: the script used a, b, c = {a, b, cc} but the sliders show {want}'); continue
        q = mk_quad(a, b, cc)
        py = mae(q(x), y).item()                         # what lesson 3's quad_mae gives for these settings
        py64 = mae(q(x.double()), y.double()).item()
        if not _close(st['mae'], py, rtol=1e-5):
            fails.append(f'after moving {name} to a={a}, b={b}, c={cc}: the page computed MAE {st["mae"]:.6f}, Python\'s quad_mae gives {py:.6f}')
        if text != f'{py:.2f}' and text != f'{py64:.2f}':
            fails.append(f'after moving {name} to a={a}, b={b}, c={cc}: the MAE text is {text!r}, Python gives {py:.2f}')
        curve = q(xs).flatten().tolist()
        bad = [i for i, (u, v) in enumerate(zip(st['curve_y'], curve)) if not _close(u, v, 1e-5, 1e-5)]
        if len(st['curve_y']) != len(curve) or bad:
            fails.append(f'after moving {name}: the drawn curve differs from Python\'s quad at {len(bad)} of {len(curve)} points')
        curve_now = page.evaluate("s => document.querySelector(s).getAttribute('points')", c.sel('polyline.mc-curve'))
        if curve_now == curve_before or len((curve_now or '').split()) != D['npts']:
            fails.append(f'after moving {name}: the curve in the plot was not redrawn')
        if f'MAE {text}' not in (page.evaluate("s => document.querySelector(s).textContent", c.sel('.mc-title')) or ''):
            fails.append(f'after moving {name}: the plot title does not show the MAE {text}')
    report.append(f'quadfit: 3 slider moves compared with quad_mae')
    return fails

# ---- lesson 4: LRStepperExplorer ----------------------------------------------------------------------------
def _python_losses(D, lrs):
    "The loss history Python's train_steps gives for the rates of each step, in order (as the stepper takes them)"
    import torch
    from mnist_course.sgd import mse, quadratic, train_steps
    t, y = torch.tensor(D['x'], dtype=torch.float32), torch.tensor(D['y'], dtype=torch.float32)
    p = torch.tensor(D['params'], dtype=torch.float32).requires_grad_()
    lossf = lambda p: mse(quadratic(t, p), y)
    runs, losses = [], []
    for r in lrs:
        if runs and runs[-1][0] == r: runs[-1][1] += 1
        else: runs.append([r, 1])
    for r, k in runs:
        losses += train_steps(p, lossf, r, k)
        if not math.isfinite(losses[-1]): return losses
    with torch.no_grad(): losses.append(lossf(p).item())
    return losses

def _compare_losses(st, D, what) -> list[str]:
    js = [_num(v) for v in st['losses']]
    py = _python_losses(D, st['lrs'])
    if len(js) != len(py):
        return [f'{what}: the page has {len(js)} losses, Python\'s train_steps {len(py)} (page {js[-3:]}, Python {py[-3:]})']
    bad = [i for i, (a, b) in enumerate(zip(js, py)) if not _close(a, b, rtol=1e-3)]
    if bad:
        i = bad[0]
        return [f'{what}: the loss after step {i} is {js[i]:.6g} on the page, {py[i]:.6g} from Python\'s train_steps']
    return []

def check_lrstepper(page, rid, report) -> list[str]:
    from mnist_course.sgd import _fmt_loss
    c = _Ctx(page, rid)
    st = c.started()
    D, fails = c.data(), []
    def press(name, what):
        page.click(c.sel(f'button[name={name}]'))
        st = c.state()
        fails.extend(_compare_losses(st, D, what))
        text = c.text('.mc-loss')
        if st['losses'] and text != _fmt_loss(_num(st['losses'][-1])):
            fails.append(f'{what}: the loss text is {text!r}, the loss {_num(st["losses"][-1])!r} formats as {_fmt_loss(_num(st["losses"][-1]))!r}')
        return st
    st = press('ten', '10 steps at the starting rate')
    if len(st['losses']) != 11: fails.append(f'"10 steps" took {len(st["losses"]) - 1} steps')
    lr0, out0 = c.state()['lr'], c.text('output[name=lr]')
    page.drag(c.sel('input[name=lr]'), dx=30)
    st = c.state()
    if st['lr'] == lr0: fails.append('dragging the learning-rate slider did not change the rate')
    elif c.text('output[name=lr]') == out0: fails.append('a new learning rate did not redraw its readout')
    st = press('one', 'then 1 step at a new rate')
    st = press('ten', 'then 10 more steps at the new rate')
    title = page.evaluate("s => document.querySelector(s).textContent", c.sel('svg.mc-plot .mc-title'))
    if 'then 11 steps at' not in title: fails.append(f'the title does not give the steps per rate: {title!r}')
    c.set('lr', -4)                                      # 1e-4: diverges
    for _ in range(10):
        st = press('ten', 'steps at lr=1e-4')
        if st['diverged']: break
    if not st['diverged']: fails.append('at lr=1e-4 the loss never overflowed')
    elif c.text('.mc-status') != 'diverged: press reset':
        fails.append(f'the loss is {st["losses"][-1]} but the page says {c.text(".mc-status")!r}, not "diverged: press reset"')
    n = len(st['losses'])
    page.evaluate("s => document.querySelector(s).click()", c.sel('button[name=ten]'))   # a disabled button does nothing
    if len(c.state()['losses']) != n: fails.append('"10 steps" still stepped after the loss diverged')
    page.click(c.sel('button[name=reset]'))
    st = c.state()
    if len(st['losses']) != 1 or st['diverged'] or c.text('.mc-status'):
        fails.append(f'reset did not go back to the start: {len(st["losses"])} losses, status {c.text(".mc-status")!r}')
    else:
        fails.extend(_compare_losses(st, D, 'after reset'))
        c.set('lr', -5)                                  # leave it showing a good run, for the screenshot
        press('ten', 'after reset, 10 steps at lr=1e-5')
    report.append(f'lrstepper: {n - 1} steps at 3 rates compared with train_steps')
    return fails

# ---- lesson 7: DigitPadExplorer -----------------------------------------------------------------------------
# strokes in pad pixels (the pad is 280x280): an upright "1" and a "7" with a bar and a slanted stem
STROKES = {1: [[(150, 40), (146, 120), (140, 240)]],
           7: [[(70, 60), (150, 58), (210, 62), (180, 130), (150, 190), (130, 245)]]}

def _pad_model(D):
    "A DigitPadExplorer with the weights the page holds (decoded from its data), for PyTorch's probabilities"
    import numpy as np, torch
    from mnist_course.explorables import DigitPadExplorer, from_b64
    dt, layers = D['dtype'], []
    for l in D['layers']:
        if dt == 'int16':
            w = torch.tensor(from_b64(l['w'], 'int16').astype(np.float32)).view(*l['shape']) * torch.tensor(from_b64(l['scale']))[:, None]
            b = torch.tensor(from_b64(l['b'], 'float32'))
        else:
            w = torch.tensor(from_b64(l['w'], dt).astype(np.float32)).view(*l['shape'])
            b = torch.tensor(from_b64(l['b'], dt).astype(np.float32))
        layers.append((w, b))
    return DigitPadExplorer(layers, D['mean'], D['std'])   # float32: exactly the weights decoded above

def check_digitpad(page, rid, report, expect_labels:bool=False, agreement:list|None=None) -> list[str]:
    import numpy as np
    from mnist_course.explorables import prepare_drawing
    c = _Ctx(page, rid)
    c.started()
    D, fails = c.data(), []
    model = _pad_model(D)
    for digit, strokes in STROKES.items():
        page.click(c.sel('button[name=clear]'))
        if c.state()['pred'] is not None: fails.append('"clear" left a prediction')
        for s in strokes: page.draw(c.sel('canvas.mc-pad'), s, steps=8)
        page.wait(0.1)
        st = c.state()
        ink = np.array(page.evaluate("id => Array.from(document.getElementById(id).mcInk)", rid)).reshape(280, 280)
        if ink.max() <= 0: fails.append(f'drawing a "{digit}" left no ink on the pad'); continue
        prep_js, prep_py = np.array(st['prepared']).reshape(28, 28), prepare_drawing(ink)
        if np.abs(prep_js - prep_py).max() > 1e-6:
            fails.append(f'drawn "{digit}": the page prepared a different 28x28 input than prepare_drawing '
                         f'(largest difference {np.abs(prep_js - prep_py).max():.3g})')
        want = model.probs(prep_js).double().numpy()
        got = np.array(st['probs'] or [np.nan] * 10)
        diff = float(np.abs(got - want).max())
        if agreement is not None: agreement.append(diff)
        if not diff <= 1e-4:
            fails.append(f'drawn "{digit}": the page\'s probabilities differ from PyTorch\'s by {diff:.3g} (allowed 1e-4)')
        if st['pred'] != int(want.argmax()):
            fails.append(f'drawn "{digit}": the page predicts {st["pred"]}, PyTorch {int(want.argmax())}')
        elif expect_labels and st['pred'] != digit:
            fails.append(f'drawn "{digit}": predicted {st["pred"]}')
        if not (c.text('.mc-pred') or '').startswith(f'prediction: {st["pred"]} '):
            fails.append(f'drawn "{digit}": the page says {c.text(".mc-pred")!r}')
    n_ex = len(D['examples'])
    for i in range(min(n_ex, 3)):
        page.pw.select_option(c.sel('select.mc-pick'), str(i))
        st = c.state()
        from mnist_course.explorables import from_b64
        img = from_b64(D['examples'][i]['img'], 'uint8').astype(np.float64) / 255
        want = model.probs(img).double().numpy()
        if st['source'] != 'example' or np.abs(np.array(st['prepared']) - img).max() > 1e-9:
            fails.append(f'test image {i + 1}: the page did not show it as the model\'s input'); continue
        diff = float(np.abs(np.array(st['probs']) - want).max())
        if agreement is not None: agreement.append(diff)
        if not diff <= 1e-4: fails.append(f'test image {i + 1}: probabilities differ from PyTorch\'s by {diff:.3g}')
    report.append(f'digitpad: 2 drawings and {min(n_ex, 3)} test images compared with PyTorch')
    return fails

CHECKS = {'quadfit': check_quadfit, 'lrstepper': check_lrstepper, 'digitpad': check_digitpad}

def check_explorables(page, where:str, shots:Path|None=None, report:list|None=None, **kw) -> list[str]:
    "Use every explorable on an open page; failures name `where` (the lesson) and the explorable"
    fails, report = [], report if report is not None else []
    found = page.evaluate(FIND_JS)
    counts = {}
    for rid, kind in found:
        counts[kind] = counts.get(kind, 0) + 1
        name = f'{where}: {NAMES.get(kind, kind)} #{counts[kind]}'
        if kind not in CHECKS: fails.append(f'{name}: unknown explorable kind {kind!r}'); continue
        try: fs = CHECKS[kind](page, rid, report, **(kw if kind == 'digitpad' else {}))
        except Fail as e: fs = [str(e)]
        except Exception as e: fs = [f'check failed: {type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ""}']
        fails += [f'{name}: {f}' for f in fs]
        if shots is not None:
            try:
                p = Path(shots)/f'{where}-{kind}-{counts[kind]}.png'; p.parent.mkdir(parents=True, exist_ok=True)
                page.pw.locator(f'#{rid}').screenshot(path=str(p))
            except Exception: pass
    return fails

def pad_test_page(path, seed:int=0, hidden:int=64) -> Path:
    """A page holding two DigitPadExplorers with a seeded MLP (weights as float32, and as int16 with a scale per row,
    as lesson 7 stores them) and two test images, for checking the pad without lesson 7"""
    import numpy as np, torch
    from torch import nn
    from mnist_course.explorables import DigitPadExplorer, prepare_drawing
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Linear): m.weight.mul_(3)      # spread the probabilities, so agreement is a real test
    one = np.zeros((280, 280)); one[30:240, 130:152] = 1.
    ex = [(prepare_drawing(one), 1, 'a test "1"'), (np.eye(28)[::-1].clip(0, 1), 7, 'a diagonal stroke')]
    pads = [DigitPadExplorer(net, 0.1307, 0.3081, examples=ex, dtype=d).html() for d in ('float32', 'int16')]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>digit pad test page</title></head><body><main>'
                          + ''.join(pads) + '</main></body></html>', encoding='utf-8')
    return Path(path)
