#!/usr/bin/env python
"""JupyterLab check: use lessons 3 and 4 (and 7 once it has the draw-a-digit pad) as a learner does, in JupyterLab.

    python tools/check_jupyterlab.py [--out render_check/jupyterlab] [--timeout 600] [--keep]

It copies the lessons into a temporary folder (JupyterLab saves what it runs, and the lessons must not change),
starts `jupyter lab` on 127.0.0.1 with a random token (its kernels import this checkout's `mnist_course` through
PYTHONPATH), and drives headless Chromium through Playwright (Debian's /usr/bin/chromium, as the render check
does; every request to anything but 127.0.0.1 is blocked). For each lesson it runs *Restart Kernel and Run All
Cells*, waits for the kernel, saves, and fails on any cell with an error output. Then:

- lesson 3: drags a kernel slider (`@interact`) and checks that the plot image changes; drags the in-browser
  explorer's slider and checks that its MAE text changes;
- lesson 4: clicks the kernel stepper's "10 steps" and checks that its figure changes; clicks the in-browser
  stepper's "10 steps" and checks that its loss text changes;
- lesson 7 (only if it shows a DigitPadExplorer): draws on the pad and checks that a prediction appears.

Screenshots of each lesson after the interaction go to `--out`. The server is stopped by its PID (and its
process group) whatever happens. Exit status 1 and a list of failures if anything is wrong.
"""
from __future__ import annotations
import argparse, json, os, re, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from render_check.browser import LAUNCH_ARGS, find_chromium   # noqa: E402

LESSONS = ['03_fitting_a_function.ipynb', '04_sgd.ipynb', '07_full_mnist.ipynb']

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

class Lab:
    "A `jupyter lab` server on 127.0.0.1 serving `root`, started in its own process group and stopped by PID"
    def __init__(self, root:Path, log:Path, timeout:float=90):
        self.port, self.token = free_port(), secrets.token_hex(16)
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')])),
               'MPLBACKEND': 'module://matplotlib_inline.backend_inline'}
        cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--ServerApp.port={self.port}',
               '--ServerApp.ip=127.0.0.1', f'--IdentityProvider.token={self.token}', f'--ServerApp.root_dir={root}',
               '--LabApp.expose_app_in_browser=True', 
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
    def page_url(self, nb): return f'{self.url}/lab/tree/{nb}?token={self.token}&reset'

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

def run_all(page, timeout:float) -> str|None:
    "Restart the kernel and run every cell; wait until the kernel is idle with no cell pending. None, or what went wrong"
    page.wait_for_function('() => window.jupyterapp && window.jupyterapp.shell.currentWidget && '
                           'window.jupyterapp.shell.currentWidget.sessionContext && '
                           'window.jupyterapp.shell.currentWidget.sessionContext.session && '
                           'window.jupyterapp.shell.currentWidget.sessionContext.session.kernel && '
                           "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=120_000)   # restarting a kernel that is still starting can leave it stuck
    page.wait_for_timeout(1000)
    page.evaluate(RUN_ALL_JS)
    page.locator('.jp-Dialog .jp-mod-accept').click(timeout=20_000)    # "Restart kernel?"
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

def img_src(loc) -> str|None:
    imgs = loc.locator('img')
    return imgs.last.get_attribute('src') if imgs.count() else None

def wait_change(page, get, old, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        new = get()
        if new is not None and new != old: return new
        page.wait_for_timeout(250)
    return get()

def drag(page, handle, dx):
    handle.scroll_into_view_if_needed()
    b = handle.bounding_box()
    x, y = b['x'] + b['width'] / 2, b['y'] + b['height'] / 2
    page.mouse.move(x, y); page.mouse.down(); page.mouse.move(x + dx, y, steps=10); page.mouse.up()

def lesson3(page) -> list[str]:
    fails, cell = [], cell_locator(page, 'def plot_quad(a, b, c)')
    cell.scroll_into_view_if_needed()
    before = img_src(cell)
    if before is None: return ['lesson 3, @interact plot_quad: no plot image after Run All']
    drag(page, cell.locator('.noUi-handle, .widget-slider input, .slider-container').first, 50)
    if wait_change(page, lambda: img_src(cell), before) == before:
        fails.append('lesson 3, @interact plot_quad: dragging slider a did not change the plot image')
    ex = page.locator('.mc-explorable[data-kind=quadfit]').first
    if not ex.count(): return fails + ['lesson 3, QuadraticFitExplorer: not in the page after Run All']
    ex.scroll_into_view_if_needed()
    mae = lambda: ex.locator('.mc-mae').text_content()
    m0 = mae()
    if not m0: return fails + ['lesson 3, QuadraticFitExplorer: its script did not run in JupyterLab (no MAE shown)']
    drag(page, ex.locator('input[name=a]'), 40)
    if wait_change(page, mae, m0, 5) == m0: fails.append('lesson 3, QuadraticFitExplorer: dragging a did not change the MAE text')
    return fails

def lesson4(page) -> list[str]:
    fails, cell = [], cell_locator(page, 'stepper = SGDStepper(')
    cell.scroll_into_view_if_needed()
    before = img_src(cell)
    if before is None: return ['lesson 4, SGDStepper: no figure after Run All']
    cell.locator('button', has_text='10 steps').first.click()
    if wait_change(page, lambda: img_src(cell), before) == before:
        fails.append('lesson 4, SGDStepper: "10 steps" did not change the figure')
    ex = page.locator('.mc-explorable[data-kind=lrstepper]').first
    if not ex.count(): return fails + ['lesson 4, LRStepperExplorer: not in the page after Run All']
    ex.scroll_into_view_if_needed()
    loss = lambda: ex.locator('.mc-loss').text_content()
    l0 = loss()
    if not l0: return fails + ['lesson 4, LRStepperExplorer: its script did not run in JupyterLab (no loss shown)']
    ex.locator('button[name=ten]').click()
    if wait_change(page, loss, l0, 5) == l0: fails.append('lesson 4, LRStepperExplorer: "10 steps" did not change the loss text')
    return fails

def lesson7(page) -> list[str]:
    ex = page.locator('.mc-explorable[data-kind=digitpad]').first
    if not ex.count(): return ['lesson 7, DigitPadExplorer: not in the page after Run All']
    pad = ex.locator('canvas.mc-pad')
    pad.scroll_into_view_if_needed()
    b = pad.bounding_box()
    page.mouse.move(b['x'] + 150, b['y'] + 40); page.mouse.down()
    page.mouse.move(b['x'] + 140, b['y'] + 240, steps=10); page.mouse.up()
    text = wait_change(page, lambda: ex.locator('.mc-pred').text_content(), 'draw a digit in the box', 5)
    return [] if re.match(r'prediction: \d', text or '') else [f'lesson 7, DigitPadExplorer: no prediction after drawing ({text!r})']

CHECKS = {'03_fitting_a_function.ipynb': lesson3, '04_sgd.ipynb': lesson4, '07_full_mnist.ipynb': lesson7}

def say(*a): print(*a, flush=True)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=str(ROOT/'render_check'/'jupyterlab'), help='screenshots and the server log')
    ap.add_argument('--timeout', type=float, default=600, help='seconds allowed for each Run All')
    ap.add_argument('--lessons', nargs='*', default=None, help='notebook names (default: 3 and 4, and 7 if it has the pad)')
    args = ap.parse_args(argv)
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    names = args.lessons or [n for n in LESSONS if n != '07_full_mnist.ipynb' or
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
                for n in names:
                    t0 = time.time()
                    ctx = br.new_context(viewport=dict(width=1300, height=1000))
                    ctx.route(re.compile(r'^(https?|wss?)://(?!127\.0\.0\.1[:/])'), lambda r: r.abort('blockedbyclient'))
                    page = ctx.new_page()
                    errors = []
                    page.on('pageerror', lambda e: errors.append(f'JavaScript error: {e.message.splitlines()[0][:200]}'))
                    try:
                        page.goto(lab.page_url(n), timeout=90_000)
                        err = run_all(page, args.timeout)
                        fs = [err] if err else saved_errors(page, tmp/n)
                        if not err: fs += CHECKS[n](page)
                        fs += errors
                    except Exception as e:
                        fs = [f'{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ""}']
                    try: page.screenshot(path=str(out/f'{Path(n).stem}.png'), full_page=False)
                    except Exception: pass
                    ctx.close()
                    fails += [f'{n}: {f}' for f in fs]
                    print(f'{"FAIL" if fs else "ok  "} {n} ({time.time() - t0:.0f}s)', flush=True)
                    for f in fs: print(f'     - {f}')
            finally: br.close()
    finally:
        if lab: lab.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'\njupyterlab check: {len(names)} lesson(s), {len(fails)} failure(s) in {time.time() - t_all:.0f}s; screenshots in {out}')
    return 1 if fails else 0

if __name__ == '__main__': sys.exit(main())
