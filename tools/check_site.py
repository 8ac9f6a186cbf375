#!/usr/bin/env python
"""Check the website that `nbdev-docs` built into _docs/ before it is published.

Quarto can't run on our own machines, so the deploy workflow is the only place the site is built; this
check stops the publish when the build left something out. It fails unless

- `_docs/index.html` exists;
- every page exists: one for each notebook in nbs/ (except those whose name starts with `_` or `.`, which
  Quarto skips) and for each page the sidebar (nbs/sidebar.yml) links to, and every sidebar link names a
  notebook that exists;
- every page whose notebook has ```mermaid diagrams in its markdown carries as many mermaid diagrams (Quarto's
  `<pre class="mermaid ...">`) and loads mermaid.js to draw them;
- every page whose notebook displays ipywidgets carries the saved widget state
  (`application/vnd.jupyter.widget-state+json`) and a view (`<script type="...widget-view+json">` naming
  its model) for each widget the notebook shows.

Standard library only, so it runs before (or without) installing anything.
Usage: python tools/check_site.py [--docs _docs] [--nbs nbs]
"""
from __future__ import annotations
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'
WIDGET_STATE = 'application/vnd.jupyter.widget-state+json'
MERMAID_FENCE = re.compile(r'^\s*```+\s*\{?mermaid\}?\s*$', re.M)
MERMAID_PRE = re.compile(r'<pre\b[^>]*\bclass="[^"]*\bmermaid\b', re.I)
VIEW_SCRIPT = re.compile(r'<script\b[^>]*type="application/vnd\.jupyter\.widget-view\+json"[^>]*>(.*?)</script>', re.S)
MODEL_ID = re.compile(r'"model_id"\s*:\s*"([^"]+)"')
MERMAID_JS = re.compile(r'<script\b[^>]*\bsrc="[^"]*mermaid[^"]*\.js"', re.I)

def sidebar_links(nbs:Path) -> list[str]:
    "Local pages the sidebar links to (`href:` entries in sidebar.yml), as paths relative to nbs/"
    f = nbs/'sidebar.yml'
    if not f.exists(): return []
    hrefs = re.findall(r'^\s*(?:-\s*)?href:\s*["\']?([^"\'\s#]+)', f.read_text(), re.M)
    return [h for h in hrefs if not re.match(r'\w+:', h)]   # not https://...

def source_pages(nbs:Path) -> list[str]:
    "Notebooks Quarto renders: nbs/**/*.ipynb, skipping names that start with `_` or `.` at any level"
    return sorted(str(p.relative_to(nbs)) for p in nbs.rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs).parts))

def page_of(src:str) -> str: return str(Path(src).with_suffix('.html'))

def expectations(nb:dict) -> dict:
    "What the page built from a notebook must carry: its number of mermaid diagrams, its widget views' model ids"
    cells = nb.get('cells', [])
    mermaid = sum(len(MERMAID_FENCE.findall(''.join(c.get('source', '')))) for c in cells if c['cell_type'] == 'markdown')
    views = [o['data'][WIDGET_VIEW].get('model_id') for c in cells if c['cell_type'] == 'code'
             for o in c.get('outputs', []) if WIDGET_VIEW in o.get('data', {})]
    return dict(mermaid=mermaid, widget_views=views)

def check_site(docs, nbs) -> tuple[list[str], list[str]]:
    "(failures, pages checked) for the site in `docs` built from the notebooks in `nbs`"
    docs, nbs = Path(docs), Path(nbs)
    if not (docs/'index.html').exists():
        return [f'{docs/"index.html"} is missing: did nbdev-docs run, and write to {docs}?'], []
    fails, srcs = [], source_pages(nbs)
    for h in sidebar_links(nbs):
        if not (nbs/h).exists(): fails.append(f'the sidebar (nbs/sidebar.yml) links to {h}, which is not in {nbs}')
        elif h.endswith('.ipynb') and h not in srcs: srcs.append(h)
    for src in srcs:
        page = docs/page_of(src)
        if not page.exists():
            fails.append(f'{page} is missing (the page for {nbs/src})'); continue
        if not src.endswith('.ipynb'): continue
        html, exp = page.read_text(encoding='utf-8', errors='replace'), expectations(json.loads((nbs/src).read_text()))
        if exp['mermaid']:
            n = len(MERMAID_PRE.findall(html))
            if n < exp['mermaid']:
                fails.append(f'{page}: {n} mermaid diagram(s) in the page, {exp["mermaid"]} in {nbs/src} '
                             '(did the doc_procs hook turn ```mermaid into ```{mermaid}?)')
            elif not MERMAID_JS.search(html):
                fails.append(f'{page}: has mermaid diagrams but loads no mermaid.js to draw them')
        if exp['widget_views']:
            if WIDGET_STATE not in html:
                fails.append(f'{page}: no saved widget state ({WIDGET_STATE}), so its {len(exp["widget_views"])} '
                             f'widget(s) will not show (is metadata.widgets saved in {nbs/src}?)')
            else:
                shown = {m for body in VIEW_SCRIPT.findall(html) for m in MODEL_ID.findall(body)}
                lost = [m for m in exp['widget_views'] if m not in shown]
                if lost: fails.append(f'{page}: {len(lost)} of its {len(exp["widget_views"])} widget views are missing '
                                      f'({WIDGET_VIEW} for model {", ".join(lost[:3])})')
    return fails, [page_of(s) for s in srcs]

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--docs', default=str(ROOT/'_docs'), help='the built site (default _docs)')
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='the notebooks it was built from (default nbs)')
    args = ap.parse_args(argv)
    fails, pages = check_site(args.docs, args.nbs)
    if fails:
        print(f'site check FAILED ({len(fails)} problem(s) in {args.docs}):')
        for f in fails: print(f'  - {f}')
        return 1
    print(f'site check: {args.docs}/index.html and all {len(pages)} pages present, with their mermaid diagrams '
          'and widget state')
    return 0

if __name__ == '__main__': sys.exit(main())
