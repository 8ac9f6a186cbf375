#!/usr/bin/env python
"""Render check: would each lesson's saved outputs make a good page on the docs site?

Quarto builds the site from the outputs saved in the notebooks and can't run here, so this is the next best
check. For every lesson notebook (`nbs/[0-9][0-9]_*.ipynb` and `nbs/index.ipynb`, or the notebooks named on
the command line) it

1. checks the saved JSON (rules below);
2. converts the notebook to HTML with `jupyter nbconvert --to html` (under `timeout`), with require.js, the
   ipywidgets HTML manager and MathJax loaded from local copies (`tools/install_render_deps.sh` fetches them
   from the npm registry into `render_check/js/`), never from a CDN;
3. opens the page in headless Debian Chromium (driven over the DevTools protocol with `websocket-client`),
   with every http(s) request blocked, and fails on JavaScript errors, failed or network loads, and widget
   views whose controls are missing from the DOM after load;
4. writes a full-page screenshot to `render_check/screenshots/<notebook>.png` (git-ignored).

Notes (printed, not failures): warnings on stderr, and plain-text outputs longer than about 60 lines on the
page (e.g. a list of 6,000 paths). It exits 1 and prints every failure, notebook by notebook, if anything is wrong.

Static rules (cell numbers in messages count every cell from 1, as Jupyter shows them top to bottom):

- no saved outputs: a notebook with code cells but no output at all (committed unexecuted).
- error: an `error` output, or the text "Traceback (most recent call last)" in any output, in a cell or
  inside a widget's saved Output.
- figure without image: a code cell that, at top level (not inside a `def`/`class` body), calls a plotting
  function but has no `image/*` output. Plotting functions: any `plt.<f>(...)` with f in PLT_DRAW; any
  `<obj>.<f>(...)` or `<f>(...)` with f in DRAW (imshow, plot, subplots, hist, scatter, bar, show_image...);
  and any function whose name starts with `show_` or `plot_` except `show_doc`. Cells that call
  `plt.close`/`plt.ioff`, cells with a widget view (their figure lives in the widget state), and cells
  marked `#| eval: false` are exempt, as is any cell containing the comment `render-check: no-figure`.
- widget without state: an output of type `application/vnd.jupyter.widget-view+json` whose model id, or
  any model it refers to (`IPY_MODEL_...`), is missing from `metadata.widgets[...widget-state+json].state`.
- stale outputs (outputs older than the code). nbdev-clean sets every execution count to None, so the
  execution-count order can be used only on uncleaned notebooks (then counts must rise from 1 in cell order).
  On cleaned notebooks two rules that hold for any notebook executed top to bottom by nbconvert/nbclient:
  * a cell whose last statement is a bare value that is not a call (`x`, `x.shape`, `a, b`, `x[0]`, `1+1`,
    not ending in `;`) always displays an `execute_result`; having none means the cell was added or edited
    after the run;
  * a cell with an `execute_result` whose last statement is not an expression (an assignment, a `def`,
    ...) can't have made it: the code changed after the run.
  Cell magics (`%%...`) and `#| eval: false` cells are exempt.

Browser rules: any `Runtime.exceptionThrown`, `console.error`, or error log entry (a file that failed to
load); any http(s) request except for images in the prose (the Colab badge; the site loads those too); each widget view must get its `div.widget-subarea` with at least one
`.jupyter-widgets` element in it, at least as many `.widget-slider` elements as there are slider models in
the view's saved widget tree, and at least as many `<img>` as there are saved images in its Output widgets;
every ```mermaid diagram in the markdown must render (no syntax error).

Usage:  python tools/check_render.py [NOTEBOOK ...] [--no-browser] [--out render_check]
"""
from __future__ import annotations
import argparse, ast, base64, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'
WIDGET_STATE = 'application/vnd.jupyter.widget-state+json'
TRACEBACK = 'Traceback (most recent call last)'
PLT_DRAW = {'show', 'imshow', 'matshow', 'plot', 'subplots', 'subplot', 'figure', 'hist', 'bar', 'barh', 'scatter',
            'pcolormesh', 'contour', 'contourf', 'stem', 'step', 'errorbar', 'fill_between', 'axhline', 'axvline',
            'spy', 'pie', 'boxplot', 'violinplot', 'semilogy', 'semilogx', 'loglog', 'hexbin', 'quiver'}
DRAW = {'imshow', 'matshow', 'plot', 'subplots', 'hist', 'scatter', 'bar', 'barh', 'pcolormesh', 'contourf',
        'show_image', 'show_images', 'show_batch', 'show_results', 'lr_find', 'plot_top_losses',
        'plot_confusion_matrix', 'plot_loss', 'plot_metrics', 'plot_sched'}
NOT_DRAW = {'show_doc', 'show_install', 'show_versions'}
LONG_OUTPUT_LINES = 60  # a plain-text output longer than this is reported as a note (not a failure)
SLIDER_RE = re.compile(r'Slider(Model)?$')
CHROMIUM_NAMES = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-extensions', '--hide-scrollbars',
                '--mute-audio', '--allow-file-access-from-files', '--remote-debugging-port=0']

# ---------------------------------------------------------------------------------------------- static checks

def _src(cell): return ''.join(cell.get('source', ''))

def _directives(src):
    "nbdev `#| key: value` directives at the top of a cell, as a dict"
    d = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*)$', line)
        if m: d[m.group(1)] = m.group(2).strip()
        elif line.strip(): break
    return d

def _skip_exec(src):
    d = _directives(src)
    return d.get('eval', '').lower() in ('false', 'no', '0')

def _parse(src):
    "The cell as a Python AST (IPython magics turned into calls), or None if it doesn't parse"
    if src.lstrip().startswith('%%'): return None
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        src = TransformerManager().transform_cell(src)
    except Exception: pass
    try: return ast.parse(src)
    except SyntaxError: return None

def _call_name(node):
    f = node.func
    if isinstance(f, ast.Name): return None, f.id
    if isinstance(f, ast.Attribute):
        base = f.value.id if isinstance(f.value, ast.Name) else None
        return base, f.attr
    return None, None

def _top_level_calls(tree):
    "Calls made when the cell runs, i.e. not inside a def/class/lambda body"
    out, todo = [], list(tree.body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            # decorators and default values do run
            todo += getattr(n, 'decorator_list', []) + [d for d in getattr(getattr(n, 'args', None), 'defaults', []) or []]
            continue
        if isinstance(n, ast.Call): out.append(n)
        todo += list(ast.iter_child_nodes(n))
    return out

def is_figure_cell(src):
    "Does this cell draw a figure when it runs? (the rule is in the module docstring)"
    if 'render-check: no-figure' in src: return False
    tree = _parse(src)
    if tree is None: return False
    draws = False
    for c in _top_level_calls(tree):
        base, name = _call_name(c)
        if name is None: continue
        if base == 'plt' and name in ('close', 'ioff'): return False
        if name in NOT_DRAW: continue
        if base == 'plt' and name in PLT_DRAW: draws = True
        elif name in DRAW or name.startswith(('show_', 'plot_')): draws = True
    return draws

def _last_stmt(src):
    tree = _parse(src)
    if tree is None or not tree.body: return None
    return tree.body[-1]

def must_display(src):
    "True if the cell ends in a bare non-call value, which IPython always displays"
    last = _last_stmt(src)
    if not isinstance(last, ast.Expr): return False
    v = last.value
    if isinstance(v, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)): return False
    if isinstance(v, ast.Constant) and v.value is None: return False
    if isinstance(v, ast.Constant) and isinstance(v.value, str): return False  # a lone docstring-like string
    code = [l for l in src.rstrip().splitlines() if l.strip() and not l.strip().startswith('#')]
    return bool(code) and not re.sub(r'#.*$', '', code[-1]).rstrip().endswith(';')

def can_display(src):
    "False if the cell's last statement is not an expression, so it cannot produce an execute_result"
    if src.lstrip().startswith('%%'): return True
    last = _last_stmt(src)
    return last is None or isinstance(last, ast.Expr)

def _out_text(o):
    "All text in an output, for the traceback search"
    parts = []
    if 'text' in o: parts.append(''.join(o['text']) if isinstance(o['text'], list) else o['text'])
    for k, v in o.get('data', {}).items():
        if k.startswith('text/'): parts.append(''.join(v) if isinstance(v, list) else str(v))
    if o.get('output_type') == 'error': parts += o.get('traceback', [])
    return '\n'.join(parts)

def _ansi_strip(s): return re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', s)

def _label(i, cell):
    first = next((l for l in _src(cell).splitlines() if l.strip() and not l.lstrip().startswith('#|')), '')
    first = first.strip()
    return f'cell {i+1} ({first[:60]}{"..." if len(first) > 60 else ""})'

def widget_state(nb):
    return ((nb.get('metadata') or {}).get('widgets') or {}).get(WIDGET_STATE, {}).get('state', {}) or {}

def _refs(v):
    "Model ids a widget state refers to (`IPY_MODEL_<id>` strings, at any depth)"
    if isinstance(v, str): return [v[10:]] if v.startswith('IPY_MODEL_') else []
    if isinstance(v, list): return [r for x in v for r in _refs(x)]
    if isinstance(v, dict): return [r for x in v.values() for r in _refs(x)]
    return []

def widget_tree(state, model_id):
    "(ids of every model reachable from model_id, ids referred to but missing from the state)"
    seen, missing, todo = [], [], [model_id]
    while todo:
        m = todo.pop()
        if m in seen or m in missing: continue
        if m not in state: missing.append(m); continue
        seen.append(m)
        todo += _refs(state[m].get('state', {}))
    return seen, missing

def widget_expectations(state, model_id):
    "What the browser must find for one view: number of slider models and saved images in its tree"
    seen, _ = widget_tree(state, model_id)
    sliders = sum(bool(SLIDER_RE.search(state[m].get('model_name', ''))) for m in seen)
    images = sum(1 for m in seen if state[m].get('model_name') == 'OutputModel'
                 for o in state[m].get('state', {}).get('outputs', []) if any(k.startswith('image/') for k in o.get('data', {})))
    return dict(sliders=sliders, images=images)

def widget_views(nb):
    "(cell index, model id) for every widget view output, in page order"
    return [(i, o['data'][WIDGET_VIEW].get('model_id')) for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code'
            for o in c.get('outputs', []) if WIDGET_VIEW in o.get('data', {})]

def static_checks(nb):
    "List of (failures, notes) from the saved notebook JSON"
    fails, notes = [], []
    cells = nb.get('cells', [])
    code = [(i, c) for i, c in enumerate(cells) if c['cell_type'] == 'code' and _src(c).strip()]
    if code and not any(c.get('outputs') for _, c in code):
        fails.append(f'no saved outputs: none of its {len(code)} code cells has an output '
                     f'(committed unexecuted? run it, e.g. /work/nbsrc/build.sh NAME, and commit it executed)')
        return fails, notes
    state = widget_state(nb)
    counts = [(i, c.get('execution_count')) for i, c in code if c.get('execution_count') is not None]
    if counts:  # not cleaned by nbdev-clean: the counts tell the run order
        ns = [n for _, n in counts]
        if ns[0] != 1 or any(b <= a for a, b in zip(ns, ns[1:])):
            fails.append(f'stale outputs: execution counts {ns[:12]}{"..." if len(ns) > 12 else ""} do not rise '
                         'from 1 in cell order (cells run out of order or re-run); restart and run all')
    for i, c in code:
        src, outs, lab = _src(c), c.get('outputs', []), _label(i, c)
        for o in outs:
            if o.get('output_type') == 'error':
                fails.append(f'{lab}: error output {o.get("ename")}: {_ansi_strip(str(o.get("evalue")))[:200]}')
            elif TRACEBACK in _ansi_strip(_out_text(o)):
                fails.append(f'{lab}: traceback text in a {o.get("output_type")} output')
            elif o.get('name') == 'stderr' and re.search(r'\w*Warning\b', _out_text(o)):
                notes.append(f'{lab}: a warning on stderr: {_out_text(o).strip().splitlines()[0][:150]}')
            shown = [k for k in o.get('data', {}) if not k.startswith('text/plain')]
            if o.get('output_type') != 'error' and not shown:   # shown on the page as plain text
                t = _out_text(o)
                lines = sum(1 + len(l) // 110 for l in t.splitlines())
                if lines > LONG_OUTPUT_LINES:
                    notes.append(f'{lab}: a long text output ({len(t):,} characters, about {lines} lines on the page); '
                                 'show a few items or a summary instead')
        views = [o['data'][WIDGET_VIEW] for o in outs if WIDGET_VIEW in o.get('data', {})]
        for v in views:
            mid = v.get('model_id')
            if not state:
                fails.append(f'{lab}: widget {mid} has no saved widget state (notebook metadata.widgets is missing; '
                             'execute with nbclient/nbconvert, which store it, and keep "widgets" when cleaning)')
                continue
            seen, missing = widget_tree(state, mid)
            if missing:
                fails.append(f'{lab}: widget {mid} has no saved widget state for model(s) {", ".join(missing[:5])} '
                             '(re-execute the notebook so the state is saved)')
            for m in seen:
                for o in state[m].get('state', {}).get('outputs', []) or []:
                    if o.get('output_type') == 'error' or TRACEBACK in _ansi_strip(_out_text(o)):
                        fails.append(f'{lab}: error inside widget output {m}: {o.get("ename", "")}: '
                                     f'{_ansi_strip(str(o.get("evalue", "")))[:200]}')
        if _skip_exec(src): continue
        has_img = any(k.startswith('image/') for o in outs for k in o.get('data', {}))
        if not views and not has_img and is_figure_cell(src):
            fails.append(f'{lab}: figure cell without an image output (it calls a plotting function; '
                         'was it run? did it raise?)')
        has_result = any(o.get('output_type') == 'execute_result' for o in outs)
        if not has_result and must_display(src):
            fails.append(f'{lab}: stale outputs: the cell ends in a bare value but has no result saved '
                         '(added or edited after the notebook was run)')
        if has_result and not can_display(src):
            fails.append(f'{lab}: stale outputs: a result is saved but the code can no longer produce one '
                         '(edited after the notebook was run)')
    return fails, notes

# ---------------------------------------------------------------------------------------------- nbconvert

def assets(js_dir, required=True):
    "Local copies of the JS a page loads (without the browser they are only named in the HTML, so optional)"
    js = Path(js_dir).resolve()
    a = dict(require=js/'requirejs'/'require.js', widgets=js/'html-manager'/'dist'/'embed-amd.js',
             mathjax=js/'mathjax'/'MathJax.js', mermaid=js/'mermaid'/'dist'/'mermaid.esm.min.mjs')
    missing = [str(p) for p in a.values() if not p.exists()]
    if missing and required: raise SystemExit(f'check_render: local JS assets missing ({", ".join(missing)}); '
                                 f'run tools/install_render_deps.sh first')
    return a

# nbconvert's mermaid URL is not a configurable option, so a one-block template swaps in the local copy
TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- from 'mermaidjs.html.j2' import mermaid_js -%}
{%- block html_head_js_mermaidjs -%}
{{ mermaid_js('MERMAID_URL', '') }}
{%- endblock html_head_js_mermaidjs -%}
"""

def _nbconvert(paths, html_dir, a, timeout):
    tpl = html_dir/'_check_render.html.j2'
    tpl.write_text(TEMPLATE.replace('MERMAID_URL', a['mermaid'].as_uri()))
    cmd = ['timeout', '--kill-after=10', str(timeout), sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'html',
           '--output-dir', str(html_dir), '--log-level=ERROR', '--template', 'lab', f'--template-file={tpl}',
           f'--HTMLExporter.require_js_url={a["require"].as_uri()}',
           f'--HTMLExporter.widget_renderer_url={a["widgets"].as_uri()}',
           f'--HTMLExporter.mathjax_url={a["mathjax"].as_uri()}?config=TeX-AMS_CHTML-full,Safe',
           *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)

def _html_result(nb_path, html_dir, r=None, timeout=None):
    out = html_dir/(Path(nb_path).stem + '.html')
    if r is not None and r.returncode in (124, 137): return None, f'nbconvert timed out after {timeout}s'
    if (r is not None and r.returncode != 0) or not out.exists():
        return None, f'nbconvert failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-600:]}'
    html = out.read_text(encoding='utf-8')
    cdn = sorted(set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html) +
                     re.findall(r'import\("(https?://[^"]+)"\)', html)))
    if cdn: return out, f'page loads from the network: {", ".join(cdn[:3])}'
    return out, None

def to_html(paths, html_dir, a, timeout=120):
    """Convert notebooks with nbconvert; returns {path: (html path or None, error message or None)}.
    One nbconvert process for all (each start costs seconds); if that fails, one per notebook to say which."""
    html_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in paths]
    for p in paths: (html_dir/(p.stem + '.html')).unlink(missing_ok=True)
    if len({p.stem for p in paths}) == len(paths) and len(paths) > 1:
        r = _nbconvert(paths, html_dir, a, timeout * len(paths))
        if r.returncode == 0: return {p: _html_result(p, html_dir) for p in paths}
    return {p: _html_result(p, html_dir, _nbconvert([p], html_dir, a, timeout), timeout) for p in paths}

# ---------------------------------------------------------------------------------------------- browser

def find_chromium():
    "Debian's chromium; or, where there is none (GitHub's Ubuntu runners), a preinstalled Chromium/Chrome"
    for p in (os.environ.get('CHROMIUM'), '/usr/bin/chromium', *map(shutil.which, CHROMIUM_NAMES)):
        if p and os.path.exists(p): return p
    return None

class Browser:
    "Headless Chromium driven over the DevTools protocol (one browser, a fresh tab per page)"
    def __init__(self, exe, width=1100):
        import websocket  # websocket-client
        self.ws_mod, self.width = websocket, width
        self.profile = tempfile.mkdtemp(prefix='render_check_chromium_')
        self.proc = subprocess.Popen([exe, *CHROME_FLAGS, f'--user-data-dir={self.profile}', f'--window-size={width},900',
                                      'about:blank'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        port_file, t0 = Path(self.profile)/'DevToolsActivePort', time.time()
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.time() - t0 > 30:
                self.close(); raise RuntimeError(f'chromium did not start ({exe})')
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def _http(self, path, method='GET'):
        req = urllib.request.Request(f'http://127.0.0.1:{self.port}{path}', method=method)
        with urllib.request.urlopen(req, timeout=10) as r: return json.loads(r.read() or b'null')

    def check_page(self, url, shot_path, widget_ids, load_timeout=30):
        "Load url; returns (failures, widget DOM info per view, seconds)"
        t0 = time.time()
        tab = self._http('/json/new?about:blank', 'PUT')
        ws = self.ws_mod.create_connection(tab['webSocketDebuggerUrl'], suppress_origin=True, timeout=load_timeout)
        self._id, self._events = 0, []
        fails = []
        try:
            for m in ('Page.enable', 'Runtime.enable', 'Log.enable', 'Network.enable'): self._cmd(ws, m)
            self._cmd(ws, 'Network.setBlockedURLs', urls=['http://*', 'https://*', 'ws://*', 'wss://*'])
            self._cmd(ws, 'Emulation.setDeviceMetricsOverride', width=self.width, height=900, deviceScaleFactor=1, mobile=False)
            self._cmd(ws, 'Page.navigate', url=url)
            self._wait_event(ws, 'Page.loadEventFired', load_timeout)
            # widgets and mermaid diagrams render after load: wait until every one has (or give up; a view that
            # fails to build leaves the DOM unchanged, so stop once it has been still for 2 s)
            def done(i): return all(v['rendered'] and v['widgets'] for v in i['views']) and i['mermaid_pending'] == 0
            deadline = time.time() + 20
            info, still_since = self._eval(ws, PAGE_JS), time.time()
            while time.time() < deadline and not done(info):
                time.sleep(0.25)
                new = self._eval(ws, PAGE_JS)
                if new != info: info, still_since = new, time.time()
                elif time.time() - still_since > 2: break
            if info['mermaid_pending']:
                fails.append(f'{info["mermaid_pending"]} mermaid diagram(s) did not render')
            fails += [f'mermaid diagram failed to render: {e}' for e in info['mermaid_errors']]
            info = info['views']
            # let MathJax typeset before the screenshot
            self._eval(ws, MATHJAX_JS, await_promise=True)
            time.sleep(0.3)
            self._drain(ws)
            fails += self._js_errors()
            h = self._eval(ws, 'Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight))')
            h = max(200, min(int(h), 60000))
            self._cmd(ws, 'Emulation.setDeviceMetricsOverride', width=self.width, height=h, deviceScaleFactor=1, mobile=False)
            time.sleep(0.2)
            shot = self._cmd(ws, 'Page.captureScreenshot', format='png', captureBeyondViewport=True,
                             clip=dict(x=0, y=0, width=self.width, height=h, scale=1))
            shot_path.parent.mkdir(parents=True, exist_ok=True)
            shot_path.write_bytes(base64.b64decode(shot['data']))
            self._drain(ws)
            fails += [f for f in self._js_errors() if f not in fails]
        finally:
            ws.close()
            try: self._http(f'/json/close/{tab["id"]}')
            except Exception: pass
        return fails, info, time.time() - t0

    def _send(self, ws, method, params):
        self._id += 1
        ws.send(json.dumps(dict(id=self._id, method=method, params=params)))
        return self._id

    def _cmd(self, ws, method, **params):
        mid = self._send(ws, method, params)
        while True:
            msg = json.loads(ws.recv())
            if msg.get('id') == mid:
                if 'error' in msg: raise RuntimeError(f'{method}: {msg["error"]}')
                return msg.get('result', {})
            if 'method' in msg: self._events.append(msg)

    def _wait_event(self, ws, name, timeout):
        if any(e['method'] == name for e in self._events): return
        end = time.time() + timeout
        while time.time() < end:
            ws.settimeout(max(0.1, end - time.time()))
            try: msg = json.loads(ws.recv())
            except self.ws_mod.WebSocketTimeoutException: break
            if 'method' in msg:
                self._events.append(msg)
                if msg['method'] == name: return
        raise RuntimeError(f'page did not finish loading within {timeout}s')

    def _drain(self, ws):
        ws.settimeout(0.05)
        try:
            while True:
                msg = json.loads(ws.recv())
                if 'method' in msg: self._events.append(msg)
        except self.ws_mod.WebSocketTimeoutException: pass
        finally: ws.settimeout(30)

    def _eval(self, ws, expr, await_promise=False):
        r = self._cmd(ws, 'Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=await_promise)
        if 'exceptionDetails' in r: raise RuntimeError(f'evaluating page script failed: {r["exceptionDetails"]}')
        return r['result'].get('value')

    def _js_errors(self):
        out = []
        web_images = {e['params']['request']['url'] for e in self._events
                      if e['method'] == 'Network.requestWillBeSent' and e['params'].get('type') == 'Image'}
        for e in self._events:
            m, p = e['method'], e.get('params', {})
            if m == 'Runtime.exceptionThrown':
                d = p.get('exceptionDetails', {})
                desc = (d.get('exception') or {}).get('description') or d.get('text', '')
                out.append(f'JavaScript error: {desc.splitlines()[0][:300] if desc else d}')
            elif m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
                args = ' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', []))
                out.append(f'JavaScript console.error: {args.splitlines()[0][:300] if args else ""}')
            elif m == 'Log.entryAdded' and p.get('entry', {}).get('level') == 'error':
                en = p['entry']
                if en.get('url') in web_images: continue
                out.append(f'browser error: {en.get("text", "")[:200]} {en.get("url", "")[:200]}'.rstrip())
            elif m == 'Network.requestWillBeSent' and re.match(r'(https?|wss?)://', p.get('request', {}).get('url', '')):
                if p.get('type') == 'Image': continue  # an image in the prose (a badge): the site loads it too
                out.append(f'page requested {p.get("type", "a resource")} from the network (blocked): {p["request"]["url"][:200]}')
        return list(dict.fromkeys(out))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try: self.proc.wait(10)
            except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

PAGE_JS = r"""(() => ({
  views: Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')).map(s => {
    let id = null; try { id = JSON.parse(s.textContent).model_id; } catch (e) {}
    const p = s.previousElementSibling, sub = p && p.classList.contains('widget-subarea') ? p : null;
    const n = sel => sub ? sub.querySelectorAll(sel).length : 0;
    return {id, rendered: !!sub, widgets: n('.jupyter-widgets'), sliders: n('.widget-slider'), imgs: n('img'),
            height: sub ? Math.round(sub.getBoundingClientRect().height) : 0};
  }),
  mermaid_pending: document.querySelectorAll('.jp-Mermaid:not(.jp-RenderedMermaid)').length,
  mermaid_errors: Array.from(document.querySelectorAll('.jp-Mermaid.jp-mod-warning')).map(
    e => ((e.querySelector('details > pre') || {}).innerText || 'syntax error').split('\n')[0].slice(0, 200)),
}))()"""

MATHJAX_JS = r"""new Promise(done => {
  if (!(window.MathJax && MathJax.Hub && MathJax.Hub.Queue)) return done(false);
  const t = setTimeout(() => done(false), 10000);
  MathJax.Hub.Queue(() => { clearTimeout(t); done(true); });
})"""

def widget_failures(nb, info):
    "Compare the widget views found in the DOM with what the saved state says they contain"
    fails, state = [], widget_state(nb)
    found = {}
    for v in info: found.setdefault(v['id'], []).append(v)
    for i, mid in widget_views(nb):
        lab, exp = _label(i, nb['cells'][i]), widget_expectations(state, mid)
        if not found.get(mid):
            fails.append(f'{lab}: widget {mid} did not render (the page has no widget view for it: nbconvert leaves '
                         'views out when the notebook has no saved widget state)'); continue
        v = found[mid].pop(0)
        if not v['rendered'] or not v['widgets']:
            fails.append(f'{lab}: widget {mid} did not render (no widget elements in the page after load)'); continue
        if v['sliders'] < exp['sliders']:
            fails.append(f'{lab}: widget {mid}: {v["sliders"]} slider(s) in the page, {exp["sliders"]} in its saved state')
        if v['imgs'] < exp['images']:
            fails.append(f'{lab}: widget {mid}: {v["imgs"]} image(s) in the page, {exp["images"]} saved in its output')
        if v['height'] < 10:
            fails.append(f'{lab}: widget {mid} rendered with no height')
    return fails

# ---------------------------------------------------------------------------------------------- driver

def default_notebooks(nbs=ROOT/'nbs'):
    return sorted(nbs.glob('[0-9][0-9]_*.ipynb')) + ([nbs/'index.ipynb'] if (nbs/'index.ipynb').exists() else [])

def check(paths, out=ROOT/'render_check', js_dir=None, browser=True, timeout=120, quiet=False):
    "Check every notebook in `paths`; returns {notebook path: [failures]} (empty list = passed)"
    out = Path(out)
    a = assets(js_dir or ROOT/'render_check'/'js', required=browser)
    exe = find_chromium() if browser else None
    if browser and not exe:
        raise SystemExit('check_render: chromium not found (apt-get install chromium, or set CHROMIUM=...); '
                         'use --no-browser to skip the browser checks')
    br = Browser(exe) if browser else None
    results = {}
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    try:
        t0 = time.time()
        paths = [Path(p) for p in paths]
        texts = {p: p.read_bytes() for p in paths}   # what the static checks see must be what nbconvert saw
        htmls = to_html(paths, out/'html', a, timeout)
        say(f'nbconvert: {len(paths)} notebook(s) in {time.time() - t0:.1f}s')
        for p in paths:
            t0 = time.time()
            try: nb = json.loads(texts[p].decode('utf-8'))
            except Exception as e:
                results[p] = [f'cannot read notebook: {e}']; say(f'FAIL {p}'); continue
            fails, notes = static_checks(nb)
            html, err = htmls[p]
            if err: fails.append(err)
            if p.read_bytes() != texts[p]:
                results[p] = fails + ['the notebook changed while it was being checked; run the check again']
                say(f'FAIL {p}: changed during the check'); continue
            if br and html:
                try:
                    bfails, info, _ = br.check_page(html.resolve().as_uri(), out/'screenshots'/(p.stem + '.png'),
                                                    [m for _, m in widget_views(nb)])
                    fails += bfails + widget_failures(nb, info)
                except Exception as e:
                    fails.append(f'browser check failed: {e}')
            results[p] = fails
            say(f'{"FAIL" if fails else "ok  "} {p} ({"browser " if br else ""}{time.time() - t0:.1f}s)')
            for f in fails: say(f'     - {f}')
            for n in notes: say(f'     note: {n}')
    finally:
        if br: br.close()
    return results

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to check (default: nbs/[0-9][0-9]_*.ipynb and nbs/index.ipynb)')
    ap.add_argument('--out', default=str(ROOT/'render_check'), help='folder for html/ and screenshots/ (git-ignored)')
    ap.add_argument('--js', default=None, help='folder with the local JS assets (default render_check/js)')
    ap.add_argument('--no-browser', action='store_true', help='static checks and nbconvert only')
    ap.add_argument('--timeout', type=int, default=120, help='seconds allowed for nbconvert per notebook')
    args = ap.parse_args(argv)
    paths = args.notebooks or default_notebooks()
    if not paths: print('check_render: no notebooks to check'); return 1
    t0 = time.time()
    res = check(paths, args.out, args.js, not args.no_browser, args.timeout)
    bad = {p: f for p, f in res.items() if f}
    print(f'\nrender check: {len(res) - len(bad)} of {len(res)} notebooks passed in {time.time() - t0:.0f}s'
          + ('' if args.no_browser else f'; screenshots in {Path(args.out)/"screenshots"}'))
    if bad:
        print('FAILED:')
        for p, fs in bad.items():
            print(f'  {p}:')
            for f in fs: print(f'    - {f}')
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
