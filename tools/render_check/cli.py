"The check's command line: the notebooks' static checks, then the built site in the browser."
from __future__ import annotations
import argparse, json, time
from pathlib import Path
from .browser import Browser, find_chromium
from .explorables import pad_test_page
from .rules import static_checks
from .site import Server, check_site_page, local_js

ROOT = Path(__file__).resolve().parents[2]

def default_notebooks(nbs=ROOT/'nbs') -> list[Path]:
    "The lessons (`nbs/[0-9][0-9]_*.ipynb`) and the course home (`nbs/index.ipynb`)"
    return sorted(nbs.glob('[0-9][0-9]_*.ipynb')) + ([nbs/'index.ipynb'] if (nbs/'index.ipynb').exists() else [])

def check(paths, quiet:bool=False) -> dict:
    "The static checks (`rules`) of every notebook in `paths`: {notebook path: [failures]} (empty list = passed)"
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    results = {}
    for p in map(Path, paths):
        try: fails, notes = static_checks(json.loads(p.read_text(encoding='utf-8')))
        except Exception as e: fails, notes = [f'cannot read notebook: {e}'], []
        results[p] = fails
        say(f'{"FAIL" if fails else "ok  "} {p}')
        for f in fails: say(f'     - {f}')
        for n in notes: say(f'     note: {n}')
    return results

def _site_pages(nbs):
    try: from tools.check_site import site_pages
    except ImportError: from check_site import site_pages   # run as tools/check_render.py: tools/ is on sys.path
    return site_pages(nbs)

def check_site(docs, nbs=ROOT/'nbs', out=ROOT/'render_check', js_dir=None, pages=None, pad_page:bool=True,
               quiet:bool=False, stats:dict|None=None) -> dict:
    """Every page of the site in `docs` (or those named in `pages`) in the browser (`site.check_site_page`):
    {page: [failures]}. With `pad_page`, also a page with two DigitPadExplorers on a seeded model
    (`explorables.pad_test_page`). `stats` gets the figures: explorables used, JS-PyTorch agreement, axe counts."""
    docs, nbs, out = Path(docs), Path(nbs), Path(out)
    js = Path(js_dir or ROOT/'render_check'/'js')
    axe_js = js/'axe-core'/'axe.min.js'
    if not axe_js.exists(): raise SystemExit(f'check_render: {axe_js} missing: run `bash tools/install_render_deps.sh`')
    exe = find_chromium()
    if not exe: raise SystemExit('check_render: chromium not found (`bash tools/install_render_deps.sh`, or set CHROMIUM=...)')
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    names = _site_pages(nbs)
    pages = pages or sorted(p for p in names if (docs/p).exists())
    stats = stats if stats is not None else {}
    report, agreement, audit = stats.setdefault('report', []), stats.setdefault('agreement', []), stats.setdefault('axe', {})
    drawn = stats.setdefault('drawn', {})
    results = {}
    with Server(docs) as server, Browser(exe, local=local_js(js)) as br:
        for page in pages:
            t0, nb_path = time.time(), nbs/names[page] if page in names else None
            nb = json.loads(nb_path.read_text(encoding='utf-8')) if nb_path and nb_path.exists() else None
            try: fails = check_site_page(br, server.url(page), out/'screenshots'/(Path(page).stem + '.png'), axe_js, nb,
                                         report, agreement, audit, drawn)
            except Exception as e: fails = [f'browser check failed: {str(e).splitlines()[0] if str(e) else repr(e)}']
            results[page] = fails
            say(f'{"FAIL" if fails else "ok  "} {page} ({time.time() - t0:.1f}s)')
            for f in fails: say(f'     - {f}')
        if pad_page:
            t0, name = time.time(), 'digit-pad-test-page'
            path = pad_test_page(out/'html'/f'{name}.html')
            try: results[name] = check_site_page(br, path.resolve().as_uri(), out/'screenshots'/f'{name}.png', axe_js,
                                                 None, report, agreement, audit)
            except Exception as e: results[name] = [f'browser check failed: {str(e).splitlines()[0] if str(e) else repr(e)}']
            say(f'{"FAIL" if results[name] else "ok  "} {name} (a DigitPadExplorer with a seeded test model; {time.time() - t0:.1f}s)')
            for f in results[name]: say(f'     - {f}')
    say(f'drawn: {drawn.get("mermaid", 0)} mermaid diagram(s), {drawn.get("widget views", 0)} saved widget view(s)')
    if report: say('explorables used: ' + '; '.join(report))
    if agreement: say(f'explorables: largest |JS - PyTorch| probability difference {max(agreement):.2e} over {len(agreement)} inputs')
    say(f'axe-core (WCAG 2 A/AA), serious or critical: {sum(audit.values())} '
        + (f'({", ".join(f"{k} {v}" for k, v in sorted(audit.items()))})' if audit else '') + f' over {len(results)} pages')
    return results

def _summary(what, res) -> int:
    bad = {p: f for p, f in res.items() if f}
    print(f'\n{what}: {len(res) - len(bad)} of {len(res)} passed')
    for p, fs in bad.items():
        print(f'  {p}:')
        for f in fs: print(f'    - {f}')
    return len(bad)

def main(argv=None) -> int:
    from . import __doc__ as doc
    ap = argparse.ArgumentParser(prog='python tools/check_render.py', description=doc.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to check (default: nbs/[0-9][0-9]_*.ipynb and nbs/index.ipynb)')
    ap.add_argument('--site', default=None, help='the built site (e.g. _docs) to check in the browser too')
    ap.add_argument('--pages', nargs='*', default=None, help='only these pages of the site (e.g. sgd.html)')
    ap.add_argument('--out', default=str(ROOT/'render_check'), help='folder for screenshots/ (git-ignored)')
    ap.add_argument('--js', default=None, help='folder with the local JS assets (default render_check/js)')
    ap.add_argument('--no-pad-page', action='store_true', help='skip the digit pad test page (a seeded model)')
    args = ap.parse_args(argv)
    t0 = time.time()
    bad = _summary('notebooks (saved outputs)', check(args.notebooks or default_notebooks()))
    if args.site:
        bad += _summary(f'site pages in the browser ({args.site}; screenshots in {Path(args.out)/"screenshots"})',
                        check_site(args.site, out=args.out, js_dir=args.js, pages=args.pages, pad_page=not args.no_pad_page))
    print(f'render check {"FAILED" if bad else "passed"} in {time.time() - t0:.0f}s')
    return 1 if bad else 0
