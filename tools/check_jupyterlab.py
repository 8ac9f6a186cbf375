#!/usr/bin/env python
"""JupyterLab check: use lessons 3, 4 and 8 as a learner does, in JupyterLab.

    python tools/check_jupyterlab.py [--out render_check/jupyterlab] [--shots render_check/screenshots]
                                     [--timeout 600] [--lessons 03_fitting_a_function.ipynb ...]

It copies the lessons into a temporary folder (JupyterLab saves what it runs, and the lessons must not change),
starts `jupyter lab` on 127.0.0.1 with a random token (its kernels import this checkout's `mnist_course` through
PYTHONPATH), and drives headless Chromium through Playwright (Debian's /usr/bin/chromium, as the render check
does; every request to anything but 127.0.0.1 is blocked). JupyterLab gets fresh user settings (its defaults, so a
developer's own settings change nothing; only the "get Jupyter news?" toast is switched off, as it would cover the
widgets). For each lesson it runs *Restart Kernel and Run All Cells*, waits for the kernel, saves, and fails on any
cell with an error output (the lessons run at once, each in its own window and workspace; the checks below go
through them in order as each finishes). Then, with the mouse:

- lesson 3: drags a kernel slider (`@interact`) and checks that the plot image changes; drags the in-browser
  explorer's slider and checks that its MAE text changes;
- lesson 4: clicks the kernel stepper's "10 steps" and checks that its figure changes; clicks the in-browser
  stepper's "10 steps" and checks that its loss text changes;
- lesson 8 (only if it shows a DigitPadExplorer): picks a test image from the pad's menu and checks the verdict,
  then draws a stroke on the pad and checks that a prediction appears, with ten probability bars that add up to 1,
  the tallest one red and the predicted digit's, and the prepared 28x28 image inked.

JupyterLab lays out a long notebook lazily (its default "windowing": cells out of view are laid out only as they
come into view), so one scroll towards a widget far down lands short, as the cells it passes grow to their real
height. `on_screen` therefore scrolls until the widget stays put inside the window and the point where the mouse
will press is on the widget itself, as a learner scrolls until they see it.

Screenshots: each widget after its interaction goes to `--shots` (jupyterlab_03_quadfit.png, ...); the window of
each lesson and the server log go to `--out`. The server is stopped by its PID (and its process group) whatever
happens. Exit status 1 and a list of failures if anything is wrong.
"""
from __future__ import annotations
import argparse, json, os, re, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from render_check.browser import LAUNCH_ARGS, find_chromium   # noqa: E402

LESSONS = ['03_fitting_a_function.ipynb', '04_sgd.ipynb', '08_tuning.ipynb']

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

class Lab:
    "A `jupyter lab` server on 127.0.0.1 serving `root`, started in its own process group and stopped by PID"
    def __init__(self, root:Path, log:Path, timeout:float=90):
        self.port, self.token = free_port(), secrets.token_hex(16)
        settings = root/'.lab_settings'   # JupyterLab's defaults, not this user's settings; hidden from the file browser
        notif = settings/'user-settings'/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings'
        notif.parent.mkdir(parents=True, exist_ok=True)
        notif.write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')])),
               'MPLBACKEND': 'module://matplotlib_inline.backend_inline'}
        cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--ServerApp.port={self.port}',
               '--ServerApp.ip=127.0.0.1', f'--IdentityProvider.token={self.token}', f'--ServerApp.root_dir={root}',
               '--LabApp.expose_app_in_browser=True', f'--LabApp.user_settings_dir={settings/"user-settings"}',
               f'--LabApp.workspaces_dir={settings/"workspaces"}',
               # the legacy kernel websocket protocol: with the v1 protocol, a binary message from the page (a widget's
               # state) can fail to decode on the server ("unpack requires a buffer"), which drops the connection
               '--ZMQChannelsWebsocketConnection.kernel_ws_protocol=', '--ServerApp.open_browser=False',
               *(['--allow-root'] if hasattr(os, 'geteuid') and os.geteuid() == 0 else []),   # containers and CI run as root
               '--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', '--LabApp.news_url=']
        self.log = open(log, 'w')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env, cwd=root, start_new_session=True)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None: raise RuntimeError(f'jupyter lab exited with {self.proc.returncode}; see {log}')
            try:
                with urllib.request.urlopen(f'{self.url}/api/status?token={self.token}', timeout=2) as r:
                    if r.status == 200: return
            except OSError: time.sleep(0.5)
        self.stop(); raise RuntimeError(f'jupyter lab did not answer within {timeout}s; see {log}')

    @property
    def url(self): return f'http://127.0.0.1:{self.port}'
    def page_url(self, nb, workspace:str='default'):
        "The lab opening `nb` in its own `workspace` (reset), so windows open side by side don't share a layout"
        return f'{self.url}/lab/workspaces/{workspace}/tree/{nb}?token={self.token}&reset'

    def stop(self):
        "Stop the server (and the kernels it started) by its PID and process group"
        if self.proc.poll() is None:
            try: os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError: pass
            try: self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL); self.proc.wait(5)
        self.log.close()

RUN_ALL_JS = """() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); return true; }"""
STATE_JS = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.sessionContext) return null;
  const k = nb.sessionContext.session && nb.sessionContext.session.kernel;
  const prompts = Array.from(nb.node.querySelectorAll('.jp-InputPrompt')).map(e => e.textContent.trim());
  return {status: k ? k.status : 'none', busy: prompts.filter(t => t.includes('*')).length,
          run: prompts.filter(t => /\\[\\d+\\]/.test(t)).length};
}"""

def cell_locator(page, text:str):
    "The notebook cell whose code contains `text`"
    return page.locator('.jp-Notebook .jp-Cell', has=page.locator('.jp-InputArea', has_text=text)).first

def start_run_all(page):
    "Once the notebook's kernel is idle, start Restart Kernel and Run All Cells (and accept the restart dialog)"
    page.wait_for_function('() => window.jupyterapp && window.jupyterapp.shell.currentWidget && '
                           'window.jupyterapp.shell.currentWidget.sessionContext && '
                           'window.jupyterapp.shell.currentWidget.sessionContext.session && '
                           'window.jupyterapp.shell.currentWidget.sessionContext.session.kernel && '
                           "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=120_000)   # restarting a kernel that is still starting can leave it stuck
    page.wait_for_timeout(1000)
    page.evaluate(RUN_ALL_JS)
    page.locator('.jp-Dialog .jp-mod-accept').click(timeout=20_000)    # "Restart kernel?"

def wait_run_all(page, timeout:float) -> str|None:
    "Wait until the kernel is idle with no cell pending after `start_run_all`. None, or what went wrong"
    end, still, last = time.time() + timeout, None, None
    page.wait_for_timeout(2000)
    while time.time() < end:
        st = page.evaluate(STATE_JS)
        if st and st['status'] == 'idle' and st['busy'] == 0 and st['run'] > 0:
            if still and time.time() - still > 3: return None
            still = still or time.time()
        else: still = None
        last = st
        page.wait_for_timeout(500)
    return f'Restart Kernel and Run All did not finish within {timeout:.0f}s (last state {last})'

def saved_errors(page, path:Path) -> list[str]:
    "Save the notebook from JupyterLab and list the cells with an error output"
    before = path.stat().st_mtime
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    for _ in range(40):
        if path.stat().st_mtime != before: break
        page.wait_for_timeout(250)
    nb = json.loads(path.read_text())
    errs = []
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error':
                first = next((l for l in ''.join(c['source']).splitlines() if l.strip()), '')
                errs.append(f'cell {i+1} ({first[:50]}): {o.get("ename")}: {o.get("evalue", "")[:200]}')
    return errs

# How long to wait for what a widget shows to change: a kernel widget runs Python, an explorable only its page's
# script (tests/test_check_jupyterlab.py shortens both)
KERNEL_WAIT, PAGE_WAIT = 30.0, 5.0

def img_src(loc) -> str|None:
    imgs = loc.locator('img')
    return imgs.last.get_attribute('src') if imgs.count() else None

def wait_change(page, get, old, timeout):
    end = time.time() + timeout
    while time.time() < end:
        new = get()
        if new is not None and new != old: return new
        page.wait_for_timeout(250)
    return get()

HIT_JS = "(e, [x, y]) => { const h = document.elementFromPoint(x, y); return !!h && (h === e || e.contains(h)); }"

def on_screen(page, loc, tries:int=40) -> dict|None:
    """Scroll `loc` into the window until its box stays put inside the window and the point at its centre is on it
    (not on something over it); its box, or None if it never got there. In JupyterLab's windowed notebook one scroll
    is not enough: the cells it passes are laid out as they come into view, and push `loc` further down."""
    prev, vp = None, page.viewport_size
    for _ in range(tries):
        try: loc.scroll_into_view_if_needed(timeout=5_000)
        except Exception: pass                       # (re-attached while JupyterLab lays cells out: try again)
        page.wait_for_timeout(150)
        b = loc.bounding_box()
        if (b and b == prev and b['width'] > 0 and 0 <= b['x'] and b['x'] + b['width'] <= vp['width']
                and 0 <= b['y'] and b['y'] + b['height'] <= vp['height']
                and loc.evaluate(HIT_JS, list(centre(b)))): return b
        prev = b
    return None

def centre(b:dict) -> tuple: return b['x'] + b['width'] / 2, b['y'] + b['height'] / 2

def drag(page, handle, dx) -> bool:
    "Press the mouse on `handle` (scrolled into view) and drag it `dx` pixels to the right; False if it never came into view"
    b = on_screen(page, handle)
    if not b: return False
    x, y = centre(b)
    page.mouse.move(x, y); page.mouse.down(); page.mouse.move(x + dx, y, steps=10); page.mouse.up()
    return True

def shot(loc, shots, name:str, what:str) -> list[str]:
    "Save a screenshot of one widget as `shots`/jupyterlab_`name`.png; a failure if it can't"
    if shots is None: return []
    try: loc.screenshot(path=str(Path(shots)/f'jupyterlab_{name}.png'), timeout=20_000); return []
    except Exception as e: return [f'{what}: could not save its screenshot jupyterlab_{name}.png ({type(e).__name__})']

def kernel_widget(page, shots, what:str, source:str, control:str, act, act_name:str, result:str, shot_name:str) -> list[str]:
    "Use a kernel-backed widget in the cell whose code holds `source`: `act(page, control)` must change its image"
    cell = cell_locator(page, source)
    if not cell.count(): return [f'{what}: its cell is not in the page']
    before = img_src(cell)
    if before is None: return [f'{what}: no {result} after Run All']
    fails = []
    if not act(page, cell.locator(control).first): fails.append(f'{what}: {act_name} never came into view')
    elif wait_change(page, lambda: img_src(cell), before, KERNEL_WAIT) == before:
        fails.append(f'{what}: {act_name} did not change the {result}')
    return fails + shot(cell, shots, shot_name, what)

def page_widget(page, shots, what:str, kind:str, text_sel:str, text_name:str, control:str, act, act_name:str,
                shot_name:str) -> list[str]:
    "Use an in-browser explorable of `kind`: `act(page, control)` must change the text in `text_sel`"
    ex = page.locator(f'.mc-explorable[data-kind={kind}]').first
    if not ex.count(): return [f'{what}: not in the page after Run All']
    text = lambda: ex.locator(text_sel).text_content()
    t0 = text()
    if not t0: return [f'{what}: its script did not run in JupyterLab (no {text_name} shown)']
    fails = []
    if not act(page, ex.locator(control)): fails.append(f'{what}: {act_name} never came into view')
    elif wait_change(page, text, t0, PAGE_WAIT) == t0: fails.append(f'{what}: {act_name} did not change the {text_name} text')
    return fails + shot(ex, shots, shot_name, what)

def click(page, loc) -> bool:
    "Click `loc` with the mouse once it is in view; False if it never came into view"
    b = on_screen(page, loc)
    if b: page.mouse.click(*centre(b))
    return b is not None

def lesson3(page, shots=None) -> list[str]:
    return (kernel_widget(page, shots, 'lesson 3, @interact plot_quad', 'def plot_quad(a, b, c)',
                          '.noUi-handle, .widget-slider input, .slider-container', lambda pg, l: drag(pg, l, 50),
                          'dragging slider a', 'plot image', '03_interact') +
            page_widget(page, shots, 'lesson 3, QuadraticFitExplorer', 'quadfit', '.mc-mae', 'MAE', 'input[name=a]',
                        lambda pg, l: drag(pg, l, 40), 'dragging a', '03_quadfit'))

def lesson4(page, shots=None) -> list[str]:
    return (kernel_widget(page, shots, 'lesson 4, SGDStepper', 'stepper = SGDStepper(', 'button:has-text("10 steps")', click,
                          '"10 steps"', 'figure', '04_sgdstepper') +
            page_widget(page, shots, 'lesson 4, LRStepperExplorer', 'lrstepper', '.mc-loss', 'loss', 'button[name=ten]', click,
                        '"10 steps"', '04_lrstepper'))

# The pad's chart as a learner sees it: the bars' heights over the plot's height are the probabilities
CHART_JS = """r => {
  const svg = r.querySelector('svg.mc-bars'), frame = svg && svg.querySelector('rect:not(.mc-bar)');
  const bars = svg ? Array.from(svg.querySelectorAll('rect.mc-bar')) : [], t = svg && svg.querySelector('.mc-title');
  const prep = r.querySelector('canvas.mc-prepared'), px = prep.getContext('2d').getImageData(0, 0, prep.width, prep.height).data;
  let ink = 0; for (let i = 0; i < px.length; i += 4) if (px[i] < 250) ink++;
  return {title: t ? t.textContent : null, probs: bars.map(b => +b.getAttribute('height') / +frame.getAttribute('height')),
          red: bars.map(b => b.getAttribute('fill') === '#d62728'), ink};
}"""

def chart_fails(ex, text:str, what:str) -> list[str]:
    "What is wrong with the pad's chart and prepared image, given its prediction text `text`"
    m = re.match(r'prediction: (\d) \((\d+\.\d)%\)', text or '')
    if not m: return [f'{what}: no prediction after drawing ({text!r})']
    c, pred, pct = ex.evaluate(CHART_JS), int(m[1]), float(m[2])
    if c['title'] != 'what the model thinks' or len(c['probs']) != 10:
        return [f'{what}: the probability chart did not update ({len(c["probs"])} bars, title {c["title"]!r})']
    fails, p = [], c['probs']
    if abs(sum(p) - 1) > 0.01: fails.append(f'{what}: the ten probability bars add up to {sum(p):.3f}, not 1')
    if p.index(max(p)) != pred or [d for d, r in enumerate(c['red']) if r] != [pred]:
        fails.append(f'{what}: the prediction says {pred} but the tallest (red) bar is another digit ({p})')
    if abs(p[pred] - pct / 100) > 0.01: fails.append(f'{what}: the prediction says {pct}% but its bar shows {100 * p[pred]:.1f}%')
    if c['ink'] == 0: fails.append(f'{what}: "what the model sees" stayed blank')
    return fails

def lesson8(page, shots=None) -> list[str]:
    what, ex = 'lesson 8, DigitPadExplorer', page.locator('.mc-explorable[data-kind=digitpad]').first
    if not ex.count(): return [f'{what}: not in the page after Run All']
    pred = lambda: ex.locator('.mc-pred').text_content()
    t0 = pred()
    if not t0: return [f'{what}: its script did not run in JupyterLab (no "draw a digit" text)']
    fails, pick = [], ex.locator('select.mc-pick')
    if pick.locator('option').count() > 1 and on_screen(page, pick):      # a test image from the menu
        pick.select_option(index=1)
        t1 = wait_change(page, pred, t0, PAGE_WAIT)
        if not re.fullmatch(r'prediction: \d \(\d+\.\d%\), (right|wrong: it is a \d)', t1 or ''):
            fails.append(f'{what}: picking a test image gave no prediction with its verdict ({t1!r})')
        t0 = t1
    b = on_screen(page, ex.locator('canvas.mc-pad'))
    if not b: return fails + [f'{what}: the pad never came into view to draw on']
    page.mouse.move(b['x'] + 0.55 * b['width'], b['y'] + 0.15 * b['height']); page.mouse.down()   # a "1", top to bottom
    page.mouse.move(b['x'] + 0.5 * b['width'], b['y'] + 0.85 * b['height'], steps=12); page.mouse.up()
    text = wait_change(page, pred, t0, PAGE_WAIT)
    if text == t0 or not re.fullmatch(r'prediction: \d \(\d+\.\d%\)', text or ''):   # (a drawing has no verdict)
        fails.append(f'{what}: no prediction after drawing ({text!r})')
    else: fails += chart_fails(ex, text, what)
    return fails + shot(ex, shots, '08_digitpad', what)

CHECKS = {'03_fitting_a_function.ipynb': lesson3, '04_sgd.ipynb': lesson4, '08_tuning.ipynb': lesson8}

def say(*a): print(*a, flush=True)

def _fail_text(e:Exception) -> str: return f'{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ""}'

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=str(ROOT/'render_check'/'jupyterlab'), help="each lesson's window and the server log")
    ap.add_argument('--shots', default=str(ROOT/'render_check'/'screenshots'), help='each widget after its interaction')
    ap.add_argument('--timeout', type=float, default=600, help='seconds allowed for each Run All')
    ap.add_argument('--lessons', nargs='*', default=None, help='notebook names (default: 3, 4 and 7; 7 only if it shows the pad)')
    args = ap.parse_args(argv)
    out, shots = Path(args.out), Path(args.shots)
    out.mkdir(parents=True, exist_ok=True); shots.mkdir(parents=True, exist_ok=True)
    names = args.lessons or [n for n in LESSONS if n != '08_tuning.ipynb' or
                             'DigitPadExplorer(' in (ROOT/'nbs'/n).read_text()]
    exe = find_chromium()
    if not exe: print('check_jupyterlab: no chromium (bash tools/install_render_deps.sh)'); return 1
    from playwright.sync_api import sync_playwright
    tmp, fails, t_all = Path(tempfile.mkdtemp(prefix='mc_lab_')), [], time.time()
    for n in names: shutil.copy(ROOT/'nbs'/n, tmp/n)
    lab = None
    try:
        lab = Lab(tmp, out/'jupyterlab.log')
        print(f'jupyter lab: pid {lab.proc.pid} on {lab.url} ({time.time() - t_all:.0f}s)', flush=True)
        with sync_playwright() as p:
            br = p.chromium.launch(executable_path=exe, headless=True, args=LAUNCH_ARGS)
            try:
                # every lesson's Run All starts at once, each in its own window and workspace: lessons 3 and 4 run
                # and are checked while lesson 8 trains, as a learner may keep several notebooks open
                opened = []
                for i, n in enumerate(names):
                    ctx = br.new_context(viewport=dict(width=1300, height=1000))
                    ctx.route(re.compile(r'^(https?|wss?)://(?!127\.0\.0\.1[:/])'), lambda r: r.abort('blockedbyclient'))
                    page, errors, started = ctx.new_page(), [], None
                    page.on('pageerror', lambda e, errors=errors: errors.append(f'JavaScript error: {e.message.splitlines()[0][:200]}'))
                    try:
                        page.goto(lab.page_url(n, workspace=f'lesson{i}'), timeout=90_000)
                        start_run_all(page)
                    except Exception as e: started = _fail_text(e)
                    opened.append((n, ctx, page, errors, started))
                for n, ctx, page, errors, started in opened:
                    t0 = time.time()
                    try:
                        err = started or wait_run_all(page, args.timeout)
                        fs = [err] if err else saved_errors(page, tmp/n)
                        if not err: fs += CHECKS[n](page, shots)
                        fs += errors
                    except Exception as e:
                        fs = [_fail_text(e)]
                    try: page.screenshot(path=str(out/f'{Path(n).stem}.png'), full_page=False)
                    except Exception: pass
                    ctx.close()
                    fails += [f'{n}: {f}' for f in fs]
                    print(f'{"FAIL" if fs else "ok  "} {n} ({time.time() - t_all:.0f}s from the start, {time.time() - t0:.0f}s after the one before)', flush=True)
                    for f in fs: print(f'     - {f}')
            finally: br.close()
    finally:
        if lab: lab.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'\njupyterlab check: {len(names)} lesson(s), {len(fails)} failure(s) in {time.time() - t_all:.0f}s; widget screenshots in {shots}, windows and server log in {out}')
    return 1 if fails else 0

if __name__ == '__main__': sys.exit(main())
