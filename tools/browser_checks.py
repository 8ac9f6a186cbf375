"""Render check, browser half: `check_page` opens a page of the site in headless Chromium (a Playwright page) and fails
on JavaScript errors, files that failed to load, requests to the network (blocked; the CDN scripts are answered with
the copies tools/install_render_deps.sh fetched), mermaid diagrams or saved widgets not drawn, explorables whose numbers
disagree with PyTorch's (`check_explorables` moves every slider, presses every button, draws on the pad), and serious
or critical axe-core violations (WCAG 2 A and AA); it saves a full-page screenshot. tests/test_site.py runs it on
_docs/; tests/test_render_check.py and tests/test_explorables_check.py break pages to see each check fail."""
from __future__ import annotations
import functools, http.server, json, math, mimetypes, re, threading
from contextlib import contextmanager
from pathlib import Path
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tools.render_check import ROOT, label, widget_expectations, widget_state, widget_views

JS = ROOT/'render_check'/'js'
NETWORK = re.compile(r'^(https?|wss?)://(?!127\.0\.0\.1[:/])')
CDN = [(r'https://cdn\.jsdelivr\.net/npm/requirejs@[^/]+/require(\.min)?\.js', 'requirejs/require.js'),
       (r'https://cdn\.jsdelivr\.net/npm/jquery@[^/]+/dist/jquery\.min\.js', 'jquery/dist/jquery.min.js'),
       (r'https://cdn\.jsdelivr\.net/npm/@jupyter-widgets/html-manager@[^/]+/dist/(.+)', r'html-manager/dist/\1'),
       (r'https://cdn\.jsdelivr\.net/npm/mathjax@3/(es5/[^?#]+)', r'mathjax/\1'),
       (r'https://cdnjs\.cloudflare\.com/polyfill/', ''),   # a polyfill modern Chromium doesn't need
       (r'https://fonts\.googleapis\.com/css2?\?', '')]     # the theme's web font: system fonts instead

def local_copy(url):
    "The bytes to answer a CDN address with (b'' for what is not needed), or None to block it"
    for rx, rel in CDN:
        if m := re.match(rx, url):
            f = JS/m.expand(rel)
            return b'' if not rel else f.read_bytes() if f.is_file() else None

def watch(page) -> list[str]:
    "Block the page's requests to the network (answering CDN addresses locally); returns the list its problems go into"
    problems, blocked = [], set()
    add = lambda m: m in problems or problems.append(m)
    def route(r):
        if (body := local_copy(url := r.request.url)) is not None:
            return r.fulfill(body=body, headers={'Access-Control-Allow-Origin': '*'},
                             content_type=mimetypes.guess_type(url.split('?')[0])[0] or 'application/javascript')
        blocked.add(url)
        if r.request.resource_type != 'image':   # (a badge in the prose: the page is whole without it)
            add(f'page requested {r.request.resource_type} from the network (blocked): {url[:200]}')
        r.abort('blockedbyclient')
    def console(m):
        if m.type not in ('error', 'assert'): return
        if not m.text.startswith('Failed to load resource'): add(f'JavaScript console.error: {m.text.splitlines()[0][:300]}')
        elif (url := (m.location or {}).get('url', '')) not in blocked: add(f'browser error: {m.text[:200]} {url[:200]}')
    page.route(NETWORK, route)
    page.on('console', console)
    page.on('pageerror', lambda e: add(f'JavaScript error: {((e.stack or "").strip() or f"{e.name}: {e.message}").splitlines()[0][:300]}'))
    page.on('websocket', lambda ws: add(f'page opened a websocket (blocked): {ws.url[:200]}'))
    return problems

class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
    def copyfile(self, src, dst):
        # blank out the pages' Subresource Integrity hashes (of the CDN's bytes, not the local copies'), length kept
        data = src.read()
        if self.path.split('?')[0].endswith(('.html', '/')):
            data = re.sub(rb'\s(?:integrity|crossorigin)="[^"]*"', lambda m: b' ' * len(m[0]), data)
        dst.write(data)

@contextmanager
def serve(folder):
    "Serve `folder` on 127.0.0.1 in a thread: `with serve('_docs') as url: page.goto(url + 'sgd.html')`"
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Handler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{httpd.server_port}/'
    finally: httpd.shutdown(); httpd.server_close()

PAGE_JS = r"""() => ({
  views: Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')).map(s => {
    let id = null; try { id = JSON.parse(s.textContent).model_id; } catch (e) {}
    const p = s.previousElementSibling, sub = p && p.classList.contains('widget-subarea') ? p : null;
    const n = sel => sub ? sub.querySelectorAll(sel).length : 0;
    return {id, widgets: n('.jupyter-widgets'), sliders: n('.widget-slider'), imgs: n('img'),
            height: sub ? Math.round(sub.getBoundingClientRect().height) : 0};
  }),
  mermaid: document.querySelectorAll('pre.mermaid').length,
  drawn: document.querySelectorAll('pre.mermaid svg, .mermaid-js svg, div.cell-output-display svg[id^="mermaid"]').length,
  errors: Array.from(document.querySelectorAll('pre.mermaid .error-text, svg[aria-roledescription="error"]')).map(e => e.textContent.slice(0, 200)),
})"""
MATHJAX_JS = """() => new Promise(done => { setTimeout(() => done(false), 10000);
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return done(false);
  MathJax.startup.promise.then(() => done(true)); })"""
AXE_JS = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))"""

def check_page(page, url, shot, nb=None, stats=None) -> list[str]:
    "Open `url` and check it as above: the saved widget views of `nb`, its notebook, drawn; `stats` collects the figures"
    problems, stats = watch(page), stats if stats is not None else {}
    page.goto(url)
    try: page.wait_for_function(f'(i => i.views.every(v => v.widgets) && i.drawn >= i.mermaid)(({PAGE_JS})())', timeout=10_000)
    except PlaywrightTimeout: pass   # (what is not drawn by then fails below)
    info = page.evaluate(PAGE_JS)
    fails = [f'{info["mermaid"] - info["drawn"]} mermaid diagram(s) not drawn'] if info['drawn'] < info['mermaid'] else []
    fails += [f'mermaid diagram failed to render: {e}' for e in info['errors']]
    stats['mermaid'] = stats.get('mermaid', 0) + info['drawn']   # (mermaid replaces each pre.mermaid it draws)
    stats['widget views'] = stats.get('widget views', 0) + sum(bool(v['widgets']) for v in info['views'])
    if nb is not None: fails += widget_failures(nb, info['views'])
    shot = Path(shot)
    fails += check_explorables(page, shot.stem, shot.parent, stats)
    page.evaluate(MATHJAX_JS)
    page.add_script_tag(path=str(JS/'axe-core'/'axe.min.js'))
    for v in page.evaluate(AXE_JS):
        if v['impact'] in ('serious', 'critical'):
            stats.setdefault('axe', {})[v['id']] = stats.get('axe', {}).get(v['id'], 0) + len(v['nodes'])
            fails.append(f'accessibility ({v["impact"]}) {v["id"]}: {v["help"]}: {len(v["nodes"])} element(s), e.g. {", ".join(v["nodes"][:3])}')
    page.evaluate('window.scrollTo(0, 0)')   # the fixed navbar and sidebars where a reader first sees them
    page.wait_for_timeout(300)
    page.screenshot(path=str(shot), full_page=True)
    return fails + problems

def widget_failures(nb, views) -> list[str]:
    "The widget views drawn in the page against what the notebook's saved state says each holds"
    fails, state, found = [], widget_state(nb), {}
    for v in views: found.setdefault(v['id'], []).append(v)
    for i, mid in widget_views(nb):
        lab, exp = f'{label(i, nb["cells"][i])}: widget {mid}', widget_expectations(state, mid)
        v = (found.get(mid) or [None]).pop(0)
        if not v or not v['widgets']: fails.append(f'{lab} did not render (no widget elements in the page after load)')
        elif v['sliders'] < exp['sliders']: fails.append(f'{lab}: {v["sliders"]} slider(s) in the page, {exp["sliders"]} in its saved state')
        elif v['imgs'] < exp['images']: fails.append(f'{lab}: {v["imgs"]} image(s) in the page, {exp["images"]} saved in its output')
        elif v['height'] < 10: fails.append(f'{lab} rendered with no height')
    return fails

# ---- the explorables (mnist_course.explorables): each is a <div class="mc-explorable" data-kind=...> holding its data
# as JSON; after each change its script leaves what it computed in root.mcState (the pad its ink in root.mcInk)
STATE_JS = """id => { const r = document.getElementById(id); return r.mcState === undefined ? null :
  JSON.parse(JSON.stringify(r.mcState, (k, v) => typeof v === 'number' && !isFinite(v) ? String(v) : v)); }"""

def close(a, b, rtol=1e-4, atol=1e-6):
    if a is None or b is None: return False
    a, b = float(a), float(b)   # (the page's Infinity and NaN arrive as strings)
    return abs(a - b) <= atol + rtol * abs(b) if math.isfinite(a) and math.isfinite(b) else not (math.isfinite(a) or math.isfinite(b))

def box(page, sel):
    loc = page.locator(sel).first
    loc.scroll_into_view_if_needed()
    return loc.bounding_box()

def stroke(page, sel, pts, steps=8):
    "Press the mouse at the first point and move through the rest: pixels from the element's top-left"
    b, m = box(page, sel), page.mouse
    m.move(b['x'] + pts[0][0], b['y'] + pts[0][1]); m.down()
    for x, y in pts[1:]: m.move(b['x'] + x, b['y'] + y, steps=steps)
    m.up()

def drag(page, sel, dx):
    b = box(page, sel)
    stroke(page, sel, [(b['width'] / 2, b['height'] / 2), (b['width'] / 2 + dx, b['height'] / 2)], steps=10)

class X:
    "One explorable on the page, by its element id"
    def __init__(self, page, rid): self.page, self.id = page, rid
    def sel(self, s): return f'#{self.id} {s}'
    def state(self): return self.page.evaluate(STATE_JS, self.id)
    def text(self, s): return loc.text_content() if (loc := self.page.locator(self.sel(s)).first).count() else None
    def attr(self, s, a): return self.page.locator(self.sel(s)).first.get_attribute(a)
    def data(self): return json.loads(self.text('script.mc-data'))

def check_quadfit(x: X, stats):
    import torch
    from mnist_course.fitting import mae, mk_quad
    D, fails = x.data(), []
    xs, ys = (torch.tensor(D[k], dtype=torch.float32)[:, None] for k in 'xy')
    curve_x = torch.linspace(D['lo'], D['hi'], D['npts'])[:, None]   # as plot_function draws the curve
    for name, dx in (('a', 45), ('b', -35), ('c', 25)):
        before, curve_before = x.state(), x.attr('polyline.mc-curve', 'points')
        drag(x.page, x.sel(f'input[name={name}]'), dx)
        st, text, at = x.state(), x.text('.mc-mae'), f'after moving {name}'
        if st[name] == before[name]: fails.append(f'dragging slider {name} did not change its value ({before[name]})'); continue
        if (abc := [st[k] for k in 'abc']) != (shown := [float(x.page.input_value(x.sel(f'input[name={k}]'))) for k in 'abc']):
            fails.append(f'{at}: the script used a, b, c = {abc} but the sliders show {shown}'); continue
        q, at = mk_quad(*abc), f'{at} to a={abc[0]}, b={abc[1]}, c={abc[2]}'
        py, py64 = mae(q(xs), ys).item(), mae(q(xs.double()), ys.double()).item()   # lesson 3's quad_mae
        if not close(st['mae'], py, rtol=1e-5): fails.append(f'{at}: the page computed MAE {st["mae"]:.6f}, Python\'s quad_mae gives {py:.6f}')
        if text not in (f'{py:.2f}', f'{py64:.2f}'): fails.append(f'{at}: the MAE text is {text!r}, Python gives {py:.2f}')
        curve = q(curve_x).flatten().tolist()
        if len(st['curve_y']) != len(curve) or not all(close(u, v, 1e-5, 1e-5) for u, v in zip(st['curve_y'], curve)):
            fails.append(f'{at}: the drawn curve differs from Python\'s quad')
        if (now := x.attr('polyline.mc-curve', 'points')) == curve_before or len((now or '').split()) != D['npts']:
            fails.append(f'{at}: the curve in the plot was not redrawn')
        if f'MAE {text}' not in (x.text('.mc-title') or ''): fails.append(f'{at}: the plot title does not show the MAE {text}')
    stats.setdefault('used', []).append('quadfit: 3 slider moves compared with quad_mae')
    return fails

def python_losses(D, lrs):
    "The losses lesson 4's train_steps gives from the page's starting point, at the rates the page stepped at"
    import itertools, torch
    from mnist_course.sgd import mse, quadratic, train_steps
    t, y = (torch.tensor(D[k], dtype=torch.float32) for k in 'xy')
    p = torch.tensor(D['params'], dtype=torch.float32).requires_grad_()
    lossf, losses = lambda p: mse(quadratic(t, p), y), []
    for r, run in itertools.groupby(lrs):
        losses += train_steps(p, lossf, r, len(list(run)))
        if not math.isfinite(losses[-1]): return losses
    with torch.no_grad(): return losses + [lossf(p).item()]

def check_lrstepper(x: X, stats):
    D, fails = x.data(), []
    fmt = lambda l: f'{l:,.0f}' if math.isfinite(l) and abs(l) < 1e7 else f'{l:.3g}'   # the page's loss text
    def press(name, what):
        x.page.click(x.sel(f'button[name={name}]'))
        st = x.state()
        js, py = [float(v) for v in st['losses']], python_losses(D, st['lrs'])
        if len(js) != len(py): fails.append(f'{what}: the page has {len(js)} losses, Python\'s train_steps {len(py)}')
        elif bad := [i for i, (a, b) in enumerate(zip(js, py)) if not close(a, b, rtol=1e-3)]:
            fails.append(f'{what}: the loss after step {bad[0]} is {js[bad[0]]:.6g} on the page, {py[bad[0]]:.6g} from Python\'s train_steps')
        if (text := x.text('.mc-loss')) != fmt(js[-1]): fails.append(f'{what}: the loss text is {text!r}, the loss {js[-1]!r} formats as {fmt(js[-1])!r}')
        return st
    if len(press('ten', '10 steps at the starting rate')['losses']) != 11: fails.append('"10 steps" did not take 10 steps')
    lr0, out0 = x.state()['lr'], x.text('output[name=lr]')
    drag(x.page, x.sel('input[name=lr]'), 30)
    if x.state()['lr'] == lr0: fails.append('dragging the learning-rate slider did not change the rate')
    elif x.text('output[name=lr]') == out0: fails.append('a new learning rate did not redraw its readout')
    press('one', 'then 1 step at a new rate')
    press('ten', 'then 10 more steps at the new rate')
    if 'then 11 steps at' not in (title := x.text('svg.mc-plot .mc-title')): fails.append(f'the title does not give the steps per rate: {title!r}')
    x.page.fill(x.sel('input[name=lr]'), '-4')                     # 1e-4: diverges
    for _ in range(10):
        if (st := press('ten', 'steps at lr=1e-4'))['diverged']: break
    if not st['diverged']: fails.append('at lr=1e-4 the loss never overflowed')
    elif x.text('.mc-status') != 'diverged: press reset':
        fails.append(f'the loss is {st["losses"][-1]} but the page says {x.text(".mc-status")!r}, not "diverged: press reset"')
    n = len(st['losses'])
    x.page.evaluate('s => document.querySelector(s).click()', x.sel('button[name=ten]'))   # disabled: must do nothing
    if len(x.state()['losses']) != n: fails.append('"10 steps" still stepped after the loss diverged')
    x.page.click(x.sel('button[name=reset]'))
    if len((st := x.state())['losses']) != 1 or st['diverged'] or x.text('.mc-status'):
        fails.append(f'reset did not go back to the start: {len(st["losses"])} losses, status {x.text(".mc-status")!r}')
    else:
        x.page.fill(x.sel('input[name=lr]'), '-5')                 # and a good run for the screenshot
        press('ten', 'after reset, 10 steps at lr=1e-5')
    stats.setdefault('used', []).append(f'lrstepper: {n - 1} steps at 3 rates compared with train_steps')
    return fails

# strokes in pad pixels (the pad is 280x280): an upright "1", and a "7" with a bar and a slanted stem
STROKES = {1: [(150, 40), (146, 120), (140, 240)], 7: [(70, 60), (150, 58), (210, 62), (180, 130), (150, 190), (130, 245)]}

def pad_model(D):
    "A DigitPadExplorer with the weights the page holds, decoded from its data: PyTorch's probabilities for them"
    import numpy as np, torch
    from mnist_course.explorables import DigitPadExplorer, from_b64
    dec = lambda s, dt: torch.tensor(from_b64(s, dt).astype(np.float32))
    layers = [(dec(l['w'], 'int16').view(*l['shape']) * dec(l['scale'], 'float32')[:, None], dec(l['b'], 'float32'))
              if D['dtype'] == 'int16' else (dec(l['w'], D['dtype']).view(*l['shape']), dec(l['b'], D['dtype'])) for l in D['layers']]
    return DigitPadExplorer(layers, D['mean'], D['std'])

def check_digitpad(x: X, stats):
    import numpy as np
    from mnist_course.explorables import from_b64, prepare_drawing
    D, fails, agree = x.data(), [], stats.setdefault('agreement', [])
    model = pad_model(D)
    def compare(what, prepared):
        want, st = model.probs(prepared).double().numpy(), x.state()
        agree.append(diff := float(np.abs(np.array(st['probs'] or [np.nan] * 10) - want).max()))
        if not diff <= 1e-4: fails.append(f'{what}: the page\'s probabilities differ from PyTorch\'s by {diff:.3g} (allowed 1e-4)')
        elif st['pred'] != int(want.argmax()): fails.append(f'{what}: the page predicts {st["pred"]}, PyTorch {int(want.argmax())}')
        if not (x.text('.mc-pred') or '').startswith(f'prediction: {st["pred"]} '): fails.append(f'{what}: the page says {x.text(".mc-pred")!r}')
    for digit, pts in STROKES.items():
        x.page.click(x.sel('button[name=clear]'))
        if x.state()['pred'] is not None: fails.append('"clear" left a prediction')
        stroke(x.page, x.sel('canvas.mc-pad'), pts)
        x.page.wait_for_timeout(100)
        ink = np.array(x.page.evaluate('id => Array.from(document.getElementById(id).mcInk)', x.id)).reshape(280, 280)
        if ink.max() <= 0: fails.append(f'drawing a "{digit}" left no ink on the pad'); continue
        prep = np.array(x.state()['prepared']).reshape(28, 28)
        if (d := np.abs(prep - prepare_drawing(ink)).max()) > 1e-6:
            fails.append(f'drawn "{digit}": the page prepared a different 28x28 input than prepare_drawing (largest difference {d:.3g})')
        compare(f'drawn "{digit}"', prep)
    n = min(len(D['examples']), 3)
    for i in range(n):
        x.page.select_option(x.sel('select.mc-pick'), str(i))
        img = from_b64(D['examples'][i]['img'], 'uint8').astype(np.float64) / 255
        if x.state()['source'] != 'example' or np.abs(np.array(x.state()['prepared']) - img).max() > 1e-9:
            fails.append(f'test image {i + 1}: the page did not show it as the model\'s input'); continue
        compare(f'test image {i + 1}', img)
    stats.setdefault('used', []).append(f'digitpad: 2 drawings and {n} test images compared with PyTorch')
    return fails

CHECKS = {'quadfit': ('QuadraticFitExplorer', check_quadfit), 'lrstepper': ('LRStepperExplorer', check_lrstepper),
          'digitpad': ('DigitPadExplorer', check_digitpad)}

def check_explorables(page, where, shots, stats=None) -> list[str]:
    "Use every explorable on the open page: failures name `where` (the page) and the explorable; a screenshot of each"
    fails, counts, stats = [], {}, stats if stats is not None else {}
    for rid, kind in page.evaluate("Array.from(document.querySelectorAll('.mc-explorable')).map(e => [e.id, e.dataset.kind])"):
        counts[kind] = n = counts.get(kind, 0) + 1
        name, check = CHECKS.get(kind, (kind, None))
        try: fs = [f'unknown explorable kind {kind!r}'] if not check else (
                   ['its script did not run (no state after load)'] if X(page, rid).state() is None else check(X(page, rid), stats))
        except Exception as e: fs = [f'check failed: {type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ""}']
        fails += [f'{where}: {name} #{n}: {f}' for f in fs]
        page.locator(f'#{rid}').screenshot(path=str(Path(shots)/f'{where}-{kind}-{n}.png'))
    return fails

def pad_test_page(path, seed=0, hidden=64) -> Path:
    "Two DigitPadExplorers on a seeded MLP, weights as float32 and as int16 (as lesson 8 stores them), two test images"
    import numpy as np, torch
    from torch import nn
    from mnist_course.explorables import DigitPadExplorer, prepare_drawing
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    with torch.no_grad():
        for m in net[::2]: m.weight.mul_(3)      # spread the probabilities, so that agreeing means something
    one = np.zeros((280, 280)); one[30:240, 130:152] = 1.
    ex = [(prepare_drawing(one), 1, 'a test "1"'), (np.eye(28)[::-1].clip(0, 1), 7, 'a diagonal stroke')]
    pads = ''.join(DigitPadExplorer(net, 0.1307, 0.3081, examples=ex, dtype=d).html() for d in ('float32', 'int16'))
    Path(path).write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>digit pad test page</title>'
                          f'</head><body><main>{pads}</main></body></html>', encoding='utf-8')
    return Path(path)
