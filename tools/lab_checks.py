"""JupyterLab check (tests/test_jupyterlab.py): lessons 3, 4 and 8 run in JupyterLab (Restart Kernel and Run All Cells,
no error outputs in what it saves), and their widgets used with the mouse (`CHECKS`): lesson 3's @interact slider must
change its plot and its QuadraticFitExplorer's slider the MAE; lesson 4's LRStepperExplorer's "10 steps" the loss;
lesson 8's DigitPadExplorer must give a test image from its menu a verdict, and a stroke a prediction whose ten bars
add up to 1, the tallest red and the predicted digit's, beside an inked 28x28 image. JupyterLab lays out a long
notebook lazily, so one scroll towards a widget lands short: `on_screen` scrolls until it stays put under the mouse."""
from __future__ import annotations
import json, os, re, secrets, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ['03_fitting_a_function.ipynb', '04_sgd.ipynb', '08_tuning.ipynb']
KERNEL_WAIT, PAGE_WAIT = 30.0, 5.0   # how long what a widget shows may take to change (tests shorten them)

class Lab:
    """`jupyter lab` on 127.0.0.1 serving `root` (a copy of the lessons: it saves what it runs), a random token, default
    settings but the news toast (it would cover widgets), kernels importing this checkout's mnist_course; stopped by PID"""
    def __init__(self, root, log, timeout=90):
        with socket.socket() as s: s.bind(('127.0.0.1', 0)); self.port = s.getsockname()[1]
        self.token, settings = secrets.token_hex(16), Path(root)/'.lab_settings'
        notif = settings/'user'/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings'
        notif.parent.mkdir(parents=True, exist_ok=True)
        notif.write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')])),
               'MPLBACKEND': 'module://matplotlib_inline.backend_inline'}
        cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={self.port}',
               f'--IdentityProvider.token={self.token}', f'--ServerApp.root_dir={root}', '--LabApp.expose_app_in_browser=True',
               f'--LabApp.user_settings_dir={settings/"user"}', f'--LabApp.workspaces_dir={settings/"workspaces"}',
               # the legacy kernel websocket protocol: with v1, a binary message from a widget can fail to decode on the
               # server ("unpack requires a buffer") and drop the connection
               '--ZMQChannelsWebsocketConnection.kernel_ws_protocol=', '--LabApp.news_url=',
               '--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', *(['--allow-root'] if os.geteuid() == 0 else [])]
        self.log = open(log, 'w')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=root,
                                     start_new_session=True)
        end = time.time() + timeout
        while time.time() < end and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{self.port}/api/status?token={self.token}', timeout=2): return
            except OSError: time.sleep(0.5)
        self.stop(); raise RuntimeError(f'jupyter lab did not start within {timeout}s; see {log}')
    def url(self, nb, workspace='default'):
        "The lab showing `nb` in a workspace of its own, so that windows side by side don't share a layout"
        return f'http://127.0.0.1:{self.port}/lab/workspaces/{workspace}/tree/{nb}?token={self.token}&reset'
    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try: self.proc.wait(15)
            except subprocess.TimeoutExpired: os.killpg(self.proc.pid, signal.SIGKILL); self.proc.wait(5)
        self.log.close()
    def __enter__(self): return self
    def __exit__(self, *a): self.stop()

NB = 'window.jupyterapp.shell.currentWidget'
STATE_JS = f"""() => {{ const nb = {NB}, k = nb && nb.sessionContext.session && nb.sessionContext.session.kernel;
  const prompts = nb ? Array.from(nb.node.querySelectorAll('.jp-InputPrompt')).map(e => e.textContent.trim()) : [];
  return {{status: k ? k.status : 'none', busy: prompts.filter(t => t.includes('*')).length,
          run: prompts.filter(t => /\\[\\d+\\]/.test(t)).length}}; }}"""

def start_run_all(page):
    "Once the kernel is idle (restarting one still starting can leave it stuck), Restart Kernel and Run All Cells"
    page.wait_for_function(f"() => {{ try {{ return {NB}.sessionContext.session.kernel.status === 'idle'; }} catch (e) {{ return false; }} }}",
                           timeout=120_000)
    page.wait_for_timeout(1000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    page.locator('.jp-Dialog .jp-mod-accept').click(timeout=20_000)    # "Restart kernel?"

def wait_run_all(page, timeout) -> str | None:
    "Wait for the kernel to be idle 3 s with no cell pending: None, or what went wrong"
    end, since, st = time.time() + timeout, None, None
    while time.time() < end:
        page.wait_for_timeout(500)
        st = page.evaluate(STATE_JS)
        if st['status'] == 'idle' and st['busy'] == 0 and st['run'] > 0:
            if time.time() - (since := since or time.time()) > 3: return None
        else: since = None
    return f'Restart Kernel and Run All did not finish within {timeout:.0f}s (last state {st})'

def saved_errors(page, path) -> list[str]:
    "Save the notebook from JupyterLab (evaluate awaits the save's promise); the cells with an error output"
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    return [f'cell {i+1} ({"".join(c["source"]).strip().splitlines()[0][:50]}): {o.get("ename")}: {o.get("evalue", "")[:200]}'
            for i, c in enumerate(json.loads(path.read_text())['cells']) for o in c.get('outputs', []) if o.get('output_type') == 'error']

def wait_change(page, get, old, timeout):
    end = time.time() + timeout
    while (new := get()) in (None, old) and time.time() < end: page.wait_for_timeout(250)
    return new

HIT_JS = "(e, [x, y]) => { const h = document.elementFromPoint(x, y); return !!h && (h === e || e.contains(h)); }"

def on_screen(page, loc, tries=40):
    "Scroll `loc` into view until its box stays put inside the window with its centre on it: (x, y) of the centre, or None"
    prev, vp = None, page.viewport_size
    for _ in range(tries):
        try: loc.scroll_into_view_if_needed(timeout=5_000)
        except Exception: pass                  # (re-attached while JupyterLab lays cells out: try again)
        page.wait_for_timeout(150)
        if ((b := loc.bounding_box()) and b == prev and b['width'] > 0 and 0 <= b['x'] and b['x'] + b['width'] <= vp['width']
                and 0 <= b['y'] and b['y'] + b['height'] <= vp['height']
                and loc.evaluate(HIT_JS, c := [b['x'] + b['width'] / 2, b['y'] + b['height'] / 2])): return c
        prev = b

def drag(page, loc, dx=50):
    if c := on_screen(page, loc): page.mouse.move(*c); page.mouse.down(); page.mouse.move(c[0] + dx, c[1], steps=10); page.mouse.up()
    return c is not None

def click(page, loc):
    if c := on_screen(page, loc): page.mouse.click(*c)
    return c is not None

def shot(loc, shots, name, what) -> list[str]:
    try: loc.screenshot(path=str(Path(shots)/f'jupyterlab_{name}.png'), timeout=20_000); return []
    except Exception as e: return [f'{what}: could not save its screenshot jupyterlab_{name}.png ({type(e).__name__})']

def use(page, shots, what, loc, get, control, act, act_name, result, name, timeout) -> list[str]:
    "`act(page, control)` on the widget `loc` must change `get()`, what it shows (`result`)"
    if not loc.count(): return [f'{what}: not in the page after Run All']
    if not (before := get()): return [f'{what}: no {result} after Run All (its script did not run in JupyterLab?)']
    fails = ([f'{what}: {act_name} never came into view'] if not act(page, loc.locator(control).first) else
             [f'{what}: {act_name} did not change the {result}'] if wait_change(page, get, before, timeout) == before else [])
    return fails + shot(loc, shots, name, what)

def lesson3(page, shots):
    cell = page.locator('.jp-Notebook .jp-Cell', has=page.locator('.jp-InputArea', has_text='def plot_quad(a, b, c)')).first
    img = lambda: cell.locator('img').last.get_attribute('src') if cell.locator('img').count() else None
    quad = page.locator('.mc-explorable[data-kind=quadfit]').first
    return (use(page, shots, 'lesson 3, @interact plot_quad', cell, img, '.noUi-handle, .widget-slider input, .slider-container',
                drag, 'dragging slider a', 'plot image', '03_interact', KERNEL_WAIT) +
            use(page, shots, 'lesson 3, QuadraticFitExplorer', quad, lambda: quad.locator('.mc-mae').text_content(),
                'input[name=a]', lambda pg, l: drag(pg, l, 40), 'dragging a', 'MAE text', '03_quadfit', PAGE_WAIT))

def lesson4(page, shots):
    lr = page.locator('.mc-explorable[data-kind=lrstepper]').first
    return use(page, shots, 'lesson 4, LRStepperExplorer', lr, lambda: lr.locator('.mc-loss').text_content(),
               'button[name=ten]', click, '"10 steps"', 'loss text', '04_lrstepper', PAGE_WAIT)

# the pad's chart as a learner sees it: each bar's height over the plot's is its probability
CHART_JS = """r => {
  const svg = r.querySelector('svg.mc-bars'), frame = svg && svg.querySelector('rect:not(.mc-bar)');
  const bars = svg ? Array.from(svg.querySelectorAll('rect.mc-bar')) : [], t = svg && svg.querySelector('.mc-title');
  const prep = r.querySelector('canvas.mc-prepared'), px = prep.getContext('2d').getImageData(0, 0, prep.width, prep.height).data;
  let ink = 0; for (let i = 0; i < px.length; i += 4) if (px[i] < 250) ink++;
  return {title: t ? t.textContent : null, probs: bars.map(b => +b.getAttribute('height') / +frame.getAttribute('height')),
          red: bars.map(b => b.getAttribute('fill') === '#d62728'), ink};
}"""

def chart_fails(pad, text, what) -> list[str]:
    "What is wrong with the pad's chart and prepared image, given its prediction text"
    if not (m := re.fullmatch(r'prediction: (\d) \((\d+\.\d)%\)', text or '')): return [f'{what}: no prediction after drawing ({text!r})']
    c, pred, pct = pad.evaluate(CHART_JS), int(m[1]), float(m[2])
    if c['title'] != 'what the model thinks' or len(p := c['probs']) != 10:
        return [f'{what}: the probability chart did not update ({len(c["probs"])} bars, title {c["title"]!r})']
    return ([f'{what}: the ten probability bars add up to {sum(p):.3f}, not 1'] if abs(sum(p) - 1) > 0.01 else []) + (
        [f'{what}: the prediction says {pred} but the tallest (red) bar is another digit ({p})']
        if p.index(max(p)) != pred or [d for d, r in enumerate(c['red']) if r] != [pred] else []) + (
        [f'{what}: the prediction says {pct}% but its bar shows {100 * p[pred]:.1f}%'] if abs(p[pred] - pct / 100) > 0.01 else []) + (
        [f'{what}: "what the model sees" stayed blank'] if c['ink'] == 0 else [])

def lesson8(page, shots):
    what, pad = 'lesson 8, DigitPadExplorer', page.locator('.mc-explorable[data-kind=digitpad]').first
    if not pad.count(): return [f'{what}: not in the page after Run All']
    pred = lambda: pad.locator('.mc-pred').text_content()
    if not (t0 := pred()): return [f'{what}: its script did not run in JupyterLab (no "draw a digit" text)']
    fails, pick = [], pad.locator('select.mc-pick')
    if pick.locator('option').count() > 1 and on_screen(page, pick):      # a test image from the menu
        pick.select_option(index=1)
        if not re.fullmatch(r'prediction: \d \(\d+\.\d%\), (right|wrong: it is a \d)', t0 := wait_change(page, pred, t0, PAGE_WAIT) or ''):
            fails.append(f'{what}: picking a test image gave no prediction with its verdict ({t0!r})')
    if not on_screen(page, canvas := pad.locator('canvas.mc-pad')): return fails + [f'{what}: the pad never came into view to draw on']
    b = canvas.bounding_box()                                             # a "1", top to bottom
    page.mouse.move(b['x'] + 0.55 * b['width'], b['y'] + 0.15 * b['height']); page.mouse.down()
    page.mouse.move(b['x'] + 0.5 * b['width'], b['y'] + 0.85 * b['height'], steps=12); page.mouse.up()
    text = wait_change(page, pred, t0, PAGE_WAIT)
    fails += [f'{what}: no prediction after drawing ({text!r})'] if text == t0 else chart_fails(pad, text, what)
    return fails + shot(pad, shots, '08_digitpad', what)

CHECKS = dict(zip(LESSONS, [lesson3, lesson4, lesson8]))
