#!/usr/bin/env python
"""Check the website that `nbdev-docs` built into _docs/ before it is published.

.ci/run and the deploy workflow run it on every build; it stops the publish when the build left something out.
It fails unless

- `_docs/index.html` exists;
- every page exists: one for each notebook in nbs/ (except those whose name starts with `_` or `.`, which
  Quarto skips) and for each page the sidebar (nbs/sidebar.yml) links to, named as nbdev names it
  (`nbdev.config.nbpath2html`: 00_core.ipynb -> core.html, or the notebook's own `output-file`), and every
  sidebar link names a notebook that exists;
- every internal link (`href`/`src` in every page, to a file in the site or to an `#anchor` in a page) resolves;
- the search index (`search.json`) holds every page;
- every page whose notebook has ```mermaid diagrams in its markdown carries as many mermaid diagrams (Quarto's
  `<pre class="mermaid ...">`) and loads mermaid.js to draw them;
- every page whose notebook displays ipywidgets carries the saved widget state
  (`application/vnd.jupyter.widget-state+json`) and a view (`<script type="...widget-view+json">` naming
  its model) for each widget the notebook shows.

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

OUTPUT_FILE = re.compile(r'^\s*(?:#\|\s*)?output-file:\s*["\']?([^"\'\s]+)', re.M)

def page_of(src:str, nbs:Path|None=None) -> str:
    "The page nbdev builds from notebook `src` (relative to nbs/): its front matter's `output-file`, else nbdev's name"
    if nbs is not None and src.endswith('.ipynb') and (nbs/src).exists():
        cells = json.loads((nbs/src).read_text(encoding='utf-8')).get('cells', [])
        m = cells and OUTPUT_FILE.search(''.join(cells[0].get('source', '')))
        if m: return str(Path(src).parent/m.group(1))
    from nbdev.config import nbpath2html
    return str(nbpath2html(src))

def site_pages(nbs) -> dict[str, str]:
    "{page: notebook} for every notebook Quarto renders, as relative paths (`index.html`: `index.ipynb`)"
    nbs = Path(nbs)
    return {page_of(s, nbs): s for s in source_pages(nbs) if s.endswith('.ipynb')}

LINK = re.compile(r'<(?:a|link|img|script|source|iframe)\b[^>]*?\s(?:href|src)="([^"]*)"', re.I)
ID = re.compile(r'\sid="([^"]+)"')

def link_failures(docs:Path, pages) -> tuple[list[str], int]:
    "(failures, number of internal links checked) over the `href`/`src` of every page in `pages`"
    import html as H
    from urllib.parse import unquote, urlsplit
    fails, n, ids = [], 0, {}
    def ids_of(f):
        if f not in ids: ids[f] = set(ID.findall(f.read_text(encoding='utf-8', errors='replace')))
        return ids[f]
    for page in pages:
        f = docs/page
        if not f.exists(): continue
        for raw in LINK.findall(f.read_text(encoding='utf-8', errors='replace')):
            u = urlsplit(H.unescape(raw))
            if u.scheme or u.netloc or not (u.path or u.fragment): continue   # http(s):, mailto:, data:, //cdn
            n += 1
            target = (f.parent/unquote(u.path)).resolve() if u.path else f
            if target.is_dir(): target = target/'index.html'
            if not target.exists(): fails.append(f'{page}: link to {raw} ({target.relative_to(docs.resolve()) if target.is_relative_to(docs.resolve()) else target}) does not resolve'); continue
            if u.fragment and target.suffix == '.html' and unquote(u.fragment) not in ids_of(target):
                fails.append(f'{page}: link to {raw}: {target.name} has no element with id "{u.fragment}"')
    return fails, n

def search_failures(docs:Path, pages) -> list[str]:
    "The search index must hold every page"
    f = docs/'search.json'
    if not f.exists(): return [f'{f} is missing: the site has no search index']
    held = {e.get('href', '').split('#')[0] for e in json.loads(f.read_text(encoding='utf-8'))}
    return [f'search.json holds nothing from {p}' for p in pages if p not in held]

def expectations(nb:dict) -> dict:
    "What the page built from a notebook must carry: its number of mermaid diagrams, its widget views' model ids"
    cells = nb.get('cells', [])
    mermaid = sum(len(MERMAID_FENCE.findall(''.join(c.get('source', '')))) for c in cells if c['cell_type'] == 'markdown')
    views = [o['data'][WIDGET_VIEW].get('model_id') for c in cells if c['cell_type'] == 'code'
             for o in c.get('outputs', []) if WIDGET_VIEW in o.get('data', {})]
    return dict(mermaid=mermaid, widget_views=views)

def check_site(docs, nbs, stats:dict|None=None) -> tuple[list[str], list[str]]:
    "(failures, pages checked) for the site in `docs` built from the notebooks in `nbs`; `stats` gets the link count"
    docs, nbs = Path(docs), Path(nbs)
    if not (docs/'index.html').exists():
        return [f'{docs/"index.html"} is missing: did nbdev-docs run, and write to {docs}?'], []
    fails, srcs = [], source_pages(nbs)
    for h in sidebar_links(nbs):
        if not (nbs/h).exists(): fails.append(f'the sidebar (nbs/sidebar.yml) links to {h}, which is not in {nbs}')
        elif h.endswith('.ipynb') and h not in srcs: srcs.append(h)
    for src in srcs:
        page = docs/page_of(src, nbs)
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
    pages = [page_of(s, nbs) for s in srcs]
    lfails, n_links = link_failures(docs, pages)
    if stats is not None: stats['links'] = n_links
    return fails + lfails + search_failures(docs, pages), pages

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--docs', default=str(ROOT/'_docs'), help='the built site (default _docs)')
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='the notebooks it was built from (default nbs)')
    args = ap.parse_args(argv)
    stats = {}
    fails, pages = check_site(args.docs, args.nbs, stats)
    if fails:
        print(f'site check FAILED ({len(fails)} problem(s) in {args.docs}):')
        for f in fails: print(f'  - {f}')
        return 1
    print(f'site check: {args.docs}/index.html and all {len(pages)} pages present, with their mermaid diagrams '
          f'and widget state; {stats.get("links", 0)} internal links resolve; search.json holds every page')
    return 0

if __name__ == '__main__': sys.exit(main())
