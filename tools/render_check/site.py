"""The browser half of the check, on the website people read: the `_docs/` site that `nbdev-docs` built, served on
127.0.0.1 and opened page by page in headless Chromium. For each page it waits for the saved widgets, mermaid
diagrams and math to draw, uses the live explorables as a reader would (`explorables`), audits it with axe-core
(WCAG 2 A and AA: serious and critical violations fail), fails on JavaScript errors and files that failed to load,
and saves a full-page screenshot. The scripts Quarto's pages load from CDNs are answered with local copies
(`tools/install_render_deps.sh` fetched them), so no page touches the network."""
from __future__ import annotations
import functools, http.server, re, threading
from pathlib import Path
from .explorables import check_explorables
from .nb import label, widget_expectations, widget_state, widget_views

# CDN address -> file under render_check/js/ (a function of the address's match, for MathJax's many files)
CDN = [(re.compile(r'https://cdn\.jsdelivr\.net/npm/requirejs@[^/]+/require(\.min)?\.js'), lambda m: 'requirejs/require.js'),
       (re.compile(r'https://cdn\.jsdelivr\.net/npm/jquery@[^/]+/dist/jquery\.min\.js'), lambda m: 'jquery/dist/jquery.min.js'),
       (re.compile(r'https://cdn\.jsdelivr\.net/npm/@jupyter-widgets/html-manager@[^/]+/dist/(.+)'), lambda m: f'html-manager/dist/{m[1]}'),
       (re.compile(r'https://cdn\.jsdelivr\.net/npm/mathjax@3/(es5/[^?#]+)'), lambda m: f'mathjax/{m[1]}'),
       (re.compile(r'https://cdnjs\.cloudflare\.com/polyfill/'), lambda m: None),   # a polyfill modern Chromium doesn't need
       (re.compile(r'https://fonts\.googleapis\.com/css2?\?'), lambda m: None)]      # the theme's web font: system fonts instead
SEVERE = ('serious', 'critical')
INTEGRITY = re.compile(rb'\s(?:integrity|crossorigin)="[^"]*"')

PAGE_JS = r"""(() => ({
  views: Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')).map(s => {
    let id = null; try { id = JSON.parse(s.textContent).model_id; } catch (e) {}
    const p = s.previousElementSibling, sub = p && p.classList.contains('widget-subarea') ? p : null;
    const n = sel => sub ? sub.querySelectorAll(sel).length : 0;
    return {id, rendered: !!sub, widgets: n('.jupyter-widgets'), sliders: n('.widget-slider'), imgs: n('img'),
            height: sub ? Math.round(sub.getBoundingClientRect().height) : 0};
  }),
  mermaid: document.querySelectorAll('pre.mermaid').length,
  mermaid_drawn: document.querySelectorAll('pre.mermaid svg, .mermaid-js svg, div.cell-output-display svg[id^="mermaid"]').length,
  mermaid_errors: Array.from(document.querySelectorAll('pre.mermaid .error-text, svg[aria-roledescription="error"]')).map(e => e.textContent.slice(0, 200)),
}))()"""
MATHJAX_JS = """() => new Promise(done => { const t = setTimeout(() => done(false), 10000);
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) { clearTimeout(t); return done(false); }
  MathJax.startup.promise.then(() => { clearTimeout(t); done(true); }); })"""
AXE_JS = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 400)})))"""

def _drawn(info): return all(v['rendered'] and v['widgets'] for v in info['views']) and info['mermaid_drawn'] >= info['mermaid']

def local_js(js_dir):
    "A function from a CDN address to the bytes of its local copy ('' for an unneeded polyfill), or None"
    js_dir = Path(js_dir)
    def find(url):
        for rx, f in CDN:
            m = rx.match(url)
            if m:
                rel = f(m)
                return b'' if rel is None else (js_dir/rel).read_bytes() if (js_dir/rel).is_file() else None
        return None
    return find

class Server:
    "The site in `docs`, served on 127.0.0.1 in a thread: `with Server(docs) as s: s.url('sgd.html')`"
    def __init__(self, docs):
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a): pass
            def copyfile(self, src, dst):
                # a page names its CDN scripts with Subresource Integrity hashes of the CDN's bytes (jsDelivr's
                # minified builds), which the local copies can't match: serve the pages without them
                if self.path.split('?')[0].endswith(('.html', '/')):
                    dst.write(INTEGRITY.sub(b'', src.read())); return
                super().copyfile(src, dst)
            def send_header(self, k, v):
                if k.lower() != 'content-length' or not self.path.split('?')[0].endswith(('.html', '/')): super().send_header(k, v)
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(docs)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
    def url(self, page=''): return f'http://127.0.0.1:{self.httpd.server_port}/{page}'
    def close(self): self.httpd.shutdown(); self.httpd.server_close()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()

def axe(page, axe_js) -> list[dict]:
    "axe-core's WCAG 2 A/AA violations on the open page: [{id, impact, help, nodes}]"
    page.pw.add_script_tag(path=str(axe_js))
    return page.evaluate(AXE_JS)

def check_site_page(browser, url:str, shot_path, axe_js=None, nb=None, report=None, agreement=None,
                    audit:dict|None=None, drawn:dict|None=None) -> list[str]:
    """Open one page of the site: its failures. `nb` is the notebook it was built from (its widget views are
    compared with the DOM); `audit` collects {rule: number of serious/critical nodes}, `drawn` the numbers of
    mermaid diagrams and widget views drawn."""
    with browser.open(url) as page:
        info = page.poll(PAGE_JS, _drawn, timeout=20, still=3)
        fails = []
        if drawn is not None:
            drawn['mermaid'] = drawn.get('mermaid', 0) + min(info['mermaid_drawn'], info['mermaid'])
            drawn['widget views'] = drawn.get('widget views', 0) + sum(bool(v['rendered'] and v['widgets']) for v in info['views'])
        if info['mermaid_drawn'] < info['mermaid']: fails.append(f'{info["mermaid"] - info["mermaid_drawn"]} mermaid diagram(s) not drawn')
        fails += [f'mermaid diagram failed to render: {e}' for e in info['mermaid_errors']]
        if nb is not None: fails += widget_failures(nb, info['views'])
        shot_path = Path(shot_path)
        fails += check_explorables(page, shot_path.stem, shot_path.parent, report, agreement=agreement)
        page.evaluate(MATHJAX_JS)
        if axe_js:
            for v in axe(page, axe_js):
                if v['impact'] not in SEVERE: continue
                if audit is not None: audit[v['id']] = audit.get(v['id'], 0) + len(v['nodes'])
                fails.append(f'accessibility ({v["impact"]}) {v["id"]}: {v["help"]}: {len(v["nodes"])} element(s), '
                             f'e.g. {", ".join(v["nodes"][:3])}')
        page.evaluate('window.scrollTo(0, 0)')   # the fixed navbar and sidebars where they are when the page opens
        page.wait(0.3)
        page.screenshot(shot_path)
        return fails + page.problems

def widget_failures(nb, views:list[dict]) -> list[str]:
    "Compare the widget views found in the DOM with what the saved state says they contain"
    fails, state, found = [], widget_state(nb), {}
    for v in views: found.setdefault(v['id'], []).append(v)
    for i, mid in widget_views(nb):
        lab, exp = label(i, nb['cells'][i]), widget_expectations(state, mid)
        if not found.get(mid):
            fails.append(f'{lab}: widget {mid} did not render (the page has no widget view for it: is the widget '
                         'state saved in the notebook?)'); continue
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
