#!/usr/bin/env python
"""Check the website `nbdev-docs` built into _docs/ before it is published: `python tools/check_site.py [--docs _docs]`.

It fails unless _docs/index.html exists; a page exists, named as nbdev names it, for every notebook Quarto renders
and every one the sidebar links to (and the sidebar links only to notebooks that exist); every internal link and
#anchor resolves; search.json holds every page; and each page carries its notebook's mermaid diagrams (and
mermaid.js) and its widgets' saved state and views. (tests/test_site.py opens the pages in Chromium.)"""
from __future__ import annotations
import argparse, html, json, re, sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW, WIDGET_STATE = 'application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json'
MERMAID_PRE = re.compile(r'<pre\b[^>]*\bclass="[^"]*\bmermaid\b', re.I)
MERMAID_JS = re.compile(r'<script\b[^>]*\bsrc="[^"]*mermaid[^"]*\.js"', re.I)
VIEW_SCRIPT = re.compile(r'<script\b[^>]*type="application/vnd\.jupyter\.widget-view\+json"[^>]*>(.*?)</script>', re.S)
LINK = re.compile(r'<(?:a|link|img|script|source|iframe)\b[^>]*?\s(?:href|src)="([^"]*)"', re.I)

def sidebar_links(nbs) -> list[str]:
    "The local pages the sidebar links to (its `href:` entries that are not https://...), relative to nbs/"
    f = Path(nbs)/'sidebar.yml'
    hrefs = re.findall(r'^\s*(?:-\s*)?href:\s*["\']?([^"\'\s#]+)', f.read_text(), re.M) if f.exists() else []
    return [h for h in hrefs if not re.match(r'\w+:', h)]

def source_pages(nbs) -> list[str]:
    "The notebooks Quarto renders: nbs/**/*.ipynb but names starting with `_` or `.` at any level"
    return sorted(str(p.relative_to(nbs)) for p in Path(nbs).rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs).parts))

def page_of(src, nbs=None) -> str:
    "The page nbdev builds from notebook `src` (relative to nbs/): its front matter's `output-file`, else nbdev's name"
    if nbs is not None and (Path(nbs)/src).is_file():
        cells = json.loads((Path(nbs)/src).read_text(encoding='utf-8')).get('cells', [])
        if cells and (m := re.search(r'^\s*(?:#\|\s*)?output-file:\s*["\']?([^"\'\s]+)', ''.join(cells[0].get('source', '')), re.M)):
            return str(Path(src).parent/m[1])
    from nbdev.config import nbpath2html
    return str(nbpath2html(src))

def site_pages(nbs) -> dict[str, str]:
    "{page: notebook} for every notebook Quarto renders (`index.html`: `index.ipynb`)"
    return {page_of(s, nbs): s for s in source_pages(nbs)}

def expectations(nb) -> dict:
    "What the page of a notebook must carry: its number of mermaid diagrams, its widget views' model ids"
    md = ''.join(''.join(c.get('source', '')) + '\n' for c in nb.get('cells', []) if c['cell_type'] == 'markdown')
    return dict(mermaid=len(re.findall(r'^\s*```+\s*\{?mermaid\}?\s*$', md, re.M)),
                widget_views=[o['data'][WIDGET_VIEW].get('model_id') for c in nb.get('cells', []) if c['cell_type'] == 'code'
                              for o in c.get('outputs', []) if WIDGET_VIEW in o.get('data', {})])

def link_failures(docs, pages) -> tuple[list[str], int]:
    "(failures, number of internal links checked) over the href/src of every page in `pages`"
    fails, n, ids, docs = [], 0, {}, Path(docs).resolve()
    for page in pages:
        if not (f := docs/page).exists(): continue
        for raw in LINK.findall(f.read_text(encoding='utf-8', errors='replace')):
            if (u := urlsplit(html.unescape(raw))).scheme or u.netloc or not (u.path or u.fragment): continue   # https:, data:, //cdn
            n += 1
            t = (f.parent/unquote(u.path)).resolve() if u.path else f
            t = t/'index.html' if t.is_dir() else t
            if not t.exists():
                fails.append(f'{page}: link to {raw} ({t.relative_to(docs) if t.is_relative_to(docs) else t}) does not resolve'); continue
            if u.fragment and t.suffix == '.html':
                if t not in ids: ids[t] = set(re.findall(r'\sid="([^"]+)"', t.read_text(encoding='utf-8', errors='replace')))
                if unquote(u.fragment) not in ids[t]: fails.append(f'{page}: link to {raw}: {t.name} has no element with id "{u.fragment}"')
    return fails, n

def check_site(docs, nbs, stats=None) -> tuple[list[str], list[str]]:
    "(failures, pages checked) for the site in `docs` built from the notebooks in `nbs`; `stats` gets the link count"
    docs, nbs = Path(docs), Path(nbs)
    if not (docs/'index.html').exists(): return [f'{docs/"index.html"} is missing: did nbdev-docs run, and write to {docs}?'], []
    fails, srcs = [], source_pages(nbs)
    for h in sidebar_links(nbs):
        if not (nbs/h).exists(): fails.append(f'the sidebar (nbs/sidebar.yml) links to {h}, which is not in {nbs}')
        elif h.endswith('.ipynb') and h not in srcs: srcs.append(h)
    for src in srcs:
        if not (page := docs/page_of(src, nbs)).exists(): fails.append(f'{page} is missing (the page for {nbs/src})'); continue
        if not src.endswith('.ipynb'): continue
        text, exp = page.read_text(encoding='utf-8', errors='replace'), expectations(json.loads((nbs/src).read_text()))
        if exp['mermaid'] and (n := len(MERMAID_PRE.findall(text))) < exp['mermaid']:
            fails.append(f'{page}: {n} mermaid diagram(s) in the page, {exp["mermaid"]} in {nbs/src} (did the doc_procs hook '
                         'turn ```mermaid into ```{mermaid}?)')
        elif exp['mermaid'] and not MERMAID_JS.search(text): fails.append(f'{page}: has mermaid diagrams but loads no mermaid.js to draw them')
        if exp['widget_views'] and WIDGET_STATE not in text:
            fails.append(f'{page}: no saved widget state ({WIDGET_STATE}), so its {len(exp["widget_views"])} widget(s) will not '
                         f'show (is metadata.widgets saved in {nbs/src}?)')
        elif lost := [m for m in exp['widget_views'] if m not in {m for b in VIEW_SCRIPT.findall(text) for m in re.findall(r'"model_id"\s*:\s*"([^"]+)"', b)}]:
            fails.append(f'{page}: {len(lost)} of its {len(exp["widget_views"])} widget views are missing ({WIDGET_VIEW} for '
                         f'model {", ".join(lost[:3])})')
    pages = [page_of(s, nbs) for s in srcs]
    lfails, n_links = link_failures(docs, pages)
    if stats is not None: stats['links'] = n_links
    search = docs/'search.json'
    held = {e.get('href', '').split('#')[0] for e in json.loads(search.read_text(encoding='utf-8'))} if search.exists() else None
    sfails = [f'{search} is missing: the site has no search index'] if held is None else [f'search.json holds nothing from {p}' for p in pages if p not in held]
    return fails + lfails + sfails, pages

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--docs', default=str(ROOT/'_docs'), help='the built site (default _docs)')
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='the notebooks it was built from (default nbs)')
    args, stats = ap.parse_args(argv), {}
    fails, pages = check_site(args.docs, args.nbs, stats)
    for line in ([f'site check FAILED ({len(fails)} problem(s) in {args.docs}):'] + [f'  - {f}' for f in fails] if fails else
                 [f'site check: {args.docs}/index.html and all {len(pages)} pages present, with their mermaid diagrams and widget '
                  f'state; {stats["links"]} internal links resolve; search.json holds every page']): print(line)
    return 1 if fails else 0

if __name__ == '__main__': sys.exit(main())
