"""The browser half of the check: open a converted notebook page, wait for its widgets, mermaid diagrams and
math to render, collect the page's problems, take a full-page screenshot, and compare the widget views in the
DOM with what the saved widget state says they contain."""
from __future__ import annotations
from pathlib import Path
from .explorables import check_explorables
from .nb import label, widget_expectations, widget_state, widget_views

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

def _rendered(info):
    return all(v['rendered'] and v['widgets'] for v in info['views']) and info['mermaid_pending'] == 0

def check_page(browser, url:str, shot_path, load_timeout:float=30, report:list|None=None,
               agreement:list|None=None) -> tuple[list[str], list[dict]]:
    """Load a notebook page in `browser`: (failures, what the DOM holds for each widget view). The page's live
    explorables are used and compared with Python (`explorables`); their screenshots go beside `shot_path`."""
    with browser.open(url, timeout=load_timeout) as page:
        # widgets and mermaid diagrams render after load: wait until every one has, or until the page has been
        # still for 2 s (a view that fails to build leaves the DOM unchanged)
        info = page.poll(PAGE_JS, _rendered, timeout=20, still=2)
        fails = []
        if info['mermaid_pending']: fails.append(f'{info["mermaid_pending"]} mermaid diagram(s) did not render')
        fails += [f'mermaid diagram failed to render: {e}' for e in info['mermaid_errors']]
        shot_path = Path(shot_path)
        fails += check_explorables(page, shot_path.stem, shot_path.parent, report, agreement=agreement)
        page.evaluate(MATHJAX_JS)   # let MathJax typeset before the screenshot
        page.wait(0.3)
        page.screenshot(shot_path)
        return fails + page.problems, info['views']

def widget_failures(nb, views:list[dict]) -> list[str]:
    "Compare the widget views found in the DOM with what the saved state says they contain"
    fails, state, found = [], widget_state(nb), {}
    for v in views: found.setdefault(v['id'], []).append(v)
    for i, mid in widget_views(nb):
        lab, exp = label(i, nb['cells'][i]), widget_expectations(state, mid)
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
