"The check over a list of notebooks, and its command line."
from __future__ import annotations
import argparse, json, time
from pathlib import Path
from .browser import Browser, find_chromium
from .convert import assets, to_html
from .explorables import pad_test_page
from .nb import widget_views
from .page import check_page, widget_failures
from .rules import static_checks

ROOT = Path(__file__).resolve().parents[2]

def default_notebooks(nbs=ROOT/'nbs') -> list[Path]:
    "The lessons (`nbs/[0-9][0-9]_*.ipynb`) and the course home (`nbs/index.ipynb`)"
    return sorted(nbs.glob('[0-9][0-9]_*.ipynb')) + ([nbs/'index.ipynb'] if (nbs/'index.ipynb').exists() else [])

def check(paths, out=ROOT/'render_check', js_dir=None, browser:bool=True, timeout:int=120, quiet:bool=False,
          pad_page:bool=False) -> dict:
    """Check every notebook in `paths`; returns {notebook path: [failures]} (empty list = passed). With `pad_page`,
    also a page holding a DigitPadExplorer with a seeded test model (`explorables.pad_test_page`), so the pad's
    drawing, preparation and forward pass are checked whether or not a lesson shows one."""
    out = Path(out)
    a = assets(js_dir or ROOT/'render_check'/'js', required=browser)
    exe = find_chromium() if browser else None
    if browser and not exe:
        raise SystemExit('check_render: chromium not found (`bash tools/install_render_deps.sh`, or set '
                         'CHROMIUM=...); use --no-browser to skip the browser checks')
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    br = Browser(exe) if browser else None
    results, report, agreement = {}, [], []
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
                    bfails, views = check_page(br, html.resolve().as_uri(), out/'screenshots'/(p.stem + '.png'),
                                               report=report, agreement=agreement)
                    fails += bfails + widget_failures(nb, views)
                except Exception as e:
                    fails.append(f'browser check failed: {str(e).splitlines()[0] if str(e) else repr(e)}')
            results[p] = fails
            say(f'{"FAIL" if fails else "ok  "} {p} ({"browser " if br else ""}{time.time() - t0:.1f}s)')
            for f in fails: say(f'     - {f}')
            for n in notes: say(f'     note: {n}')
        if br and pad_page:
            t0, name = time.time(), Path('digit-pad-test-page')
            page_path = pad_test_page(out/'html'/'digit-pad-test-page.html')
            try: results[name], _ = check_page(br, page_path.resolve().as_uri(), out/'screenshots'/'digit-pad-test-page.png',
                                              report=report, agreement=agreement)
            except Exception as e: results[name] = [f'browser check failed: {str(e).splitlines()[0] if str(e) else repr(e)}']
            say(f'{"FAIL" if results[name] else "ok  "} {name} (a DigitPadExplorer with a seeded test model; {time.time() - t0:.1f}s)')
            for f in results[name]: say(f'     - {f}')
        if report: say('explorables used: ' + '; '.join(report))
        if agreement: say(f'explorables: largest |JS - PyTorch| probability difference {max(agreement):.2e} over {len(agreement)} inputs')
    finally:
        if br: br.close()
    return results

def main(argv=None) -> int:
    from . import __doc__ as doc
    ap = argparse.ArgumentParser(prog='python tools/check_render.py', description=doc.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to check (default: nbs/[0-9][0-9]_*.ipynb and nbs/index.ipynb)')
    ap.add_argument('--out', default=str(ROOT/'render_check'), help='folder for html/ and screenshots/ (git-ignored)')
    ap.add_argument('--js', default=None, help='folder with the local JS assets (default render_check/js)')
    ap.add_argument('--no-browser', action='store_true', help='static checks and nbconvert only')
    ap.add_argument('--no-pad-page', action='store_true', help='skip the digit pad test page (a seeded model)')
    ap.add_argument('--timeout', type=int, default=120, help='seconds allowed for nbconvert per notebook')
    args = ap.parse_args(argv)
    paths = args.notebooks or default_notebooks()
    if not paths: print('check_render: no notebooks to check'); return 1
    t0 = time.time()
    res = check(paths, args.out, args.js, not args.no_browser, args.timeout, pad_page=not args.no_pad_page)
    bad = {p: f for p, f in res.items() if f}
    print(f'\nrender check: {len(res) - len(bad)} of {len(res)} notebooks passed in {time.time() - t0:.0f}s'
          + ('' if args.no_browser else f'; screenshots in {Path(args.out)/"screenshots"}'))
    if bad:
        print('FAILED:')
        for p, fs in bad.items():
            print(f'  {p}:')
            for f in fs: print(f'    - {f}')
    return 1 if bad else 0
