"""A small headless-browser driver: Playwright for Python driving an installed Chromium (Debian's
/usr/bin/chromium, or a real Chrome/Chromium elsewhere) through `executable_path`. It never downloads a browser.

    with Browser() as br:
        page = br.open(Path('page.html').resolve().as_uri())
        page.evaluate('document.title')
        page.drag('input[type=range]', dx=40)        # or page.draw('canvas', [(5, 5), (40, 60)])
        page.screenshot('page.png')
        page.problems                                # JavaScript errors, failed loads, network requests

Every http(s)/ws(s) request is blocked (pages must load only local files or 127.0.0.1) and recorded as a problem,
except images (a badge in the prose: a blocked one leaves the page intact) and the addresses `Browser(local=...)`
answers with local copies (the CDN scripts of the site's pages).
"""
from __future__ import annotations
import mimetypes, os, re, shutil, subprocess, time
from functools import lru_cache
from pathlib import Path

CHROMIUM_NAMES = ('chromium', 'google-chrome', 'google-chrome-stable', 'chromium-browser')
LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--disable-extensions', '--hide-scrollbars', '--mute-audio',
               '--allow-file-access-from-files']   # mermaid's ES modules are imported from file:// pages
NETWORK = re.compile(r'^(https?|wss?)://(?!127\.0\.0\.1[:/])')

@lru_cache(maxsize=None)
def is_real_browser(exe:str) -> bool:
    """Does `exe --version` answer like a browser? Ubuntu's `chromium`/`chromium-browser` debs are stubs that only
    ask for the snap, and fail here."""
    try: r = subprocess.run([exe, '--version'], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired): return False
    return r.returncode == 0 and re.search(r'(Chromium|Chrome)\D*\d+\.', r.stdout) is not None

def find_chromium() -> str | None:
    """$CHROMIUM if set; else the first real browser among Debian's /usr/bin/chromium, google-chrome (GitHub's
    Ubuntu runners), chromium-browser; else a Chromium that Playwright itself installed (on GitHub runners only,
    see tools/install_render_deps.sh); else None."""
    if os.environ.get('CHROMIUM'): return os.environ['CHROMIUM']
    for p in dict.fromkeys(['/usr/bin/chromium', *filter(None, map(shutil.which, CHROMIUM_NAMES))]):
        if os.path.exists(p) and is_real_browser(p): return p
    return _playwright_chromium()

def _playwright_chromium():
    "Path of the Chromium that `playwright install chromium` downloaded, if it did"
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p: exe = p.chromium.executable_path
    except Exception: return None
    return exe if exe and os.path.exists(exe) else None

class Page:
    "One open page: evaluate JS, wait, mouse and keyboard, screenshots; `problems` collects what went wrong."
    def __init__(self, pw_page, context=None, local=None):
        self.pw, self._local = pw_page, local            # the Playwright page, for anything not wrapped here
        self._context = context      # closed with the page
        self.console = []            # every console message as (type, text)
        self._problems, self._blocked = [], set()   # blocked: network addresses the page asked for
        pw_page.on('console', self._on_console)
        pw_page.on('pageerror', self._on_pageerror)
        pw_page.on('request', self._on_request)
        pw_page.on('websocket', lambda ws: self._add(f'page opened a websocket (blocked): {ws.url[:200]}'))

    def _add(self, msg):
        if msg not in self._problems: self._problems.append(msg)

    def _on_console(self, m):
        self.console.append((m.type, m.text))
        if m.type not in ('error', 'assert'): return
        url = (m.location or {}).get('url', '')
        if m.text.startswith('Failed to load resource'):   # a file that failed to load (or a blocked request)
            if url not in self._blocked: self._add(f'browser error: {m.text[:200]} {url[:200]}'.rstrip())
        else: self._add(f'JavaScript console.error: {m.text.splitlines()[0][:300] if m.text else ""}')

    def _on_pageerror(self, e):
        desc = (e.stack or '').strip() or f'{e.name}: {e.message}'
        self._add(f'JavaScript error: {desc.splitlines()[0][:300]}')

    def _on_request(self, r):
        if not NETWORK.match(r.url) or (self._local and self._local(r.url) is not None): return
        self._blocked.add(r.url)   # reported here, so its "Failed to load resource" console error is not repeated
        if r.resource_type == 'image': return   # an image in the prose (a badge)
        self._add(f'page requested {r.resource_type} from the network (blocked): {r.url[:200]}')

    @property
    def problems(self) -> list[str]:
        "JavaScript errors, console.error calls, files that failed to load and network requests, so far"
        return list(self._problems)

    def evaluate(self, js:str, arg=None):
        "Value of a JS expression, or of a function called with `arg` (a promise is awaited)"
        return self.pw.evaluate(js, arg)

    def wait(self, seconds:float): self.pw.wait_for_timeout(seconds * 1000)

    def poll(self, js:str, done, timeout:float=20, still:float=2, every:float=0.25):
        """Evaluate `js` until `done(value)`, or the value has not changed for `still` seconds, or `timeout`
        seconds pass; returns the last value (for things that render after load, such as widgets)"""
        value, end, since = self.evaluate(js), time.time() + timeout, time.time()
        while not done(value) and time.time() < end:
            self.wait(every)
            new = self.evaluate(js)
            if new != value: value, since = new, time.time()
            elif time.time() - since > still: break
        return value

    def box(self, selector:str) -> dict:
        "The first match's bounding box in CSS pixels: x, y, width, height (scrolled into view first)"
        loc = self.pw.locator(selector).first
        loc.scroll_into_view_if_needed()
        b = loc.bounding_box()
        if b is None: raise ValueError(f'{selector!r} is not visible on the page')
        return b

    def click(self, selector:str, **kw): self.pw.locator(selector).first.click(**kw)

    def press(self, key:str): self.pw.keyboard.press(key)

    def draw(self, selector:str, points, steps:int=5):
        "Press the mouse at the first point and move through the rest, in pixels from the element's top-left"
        b, m = self.box(selector), self.pw.mouse
        xy = [(b['x'] + x, b['y'] + y) for x, y in points]
        m.move(*xy[0]); m.down()
        for x, y in xy[1:]: m.move(x, y, steps=steps)
        m.up()

    def drag(self, selector:str, dx:float=0, dy:float=0, steps:int=10):
        "Drag the element from its centre by (dx, dy) pixels (a slider's handle, say)"
        b = self.box(selector)
        w, h = b['width'] / 2, b['height'] / 2
        self.draw(selector, [(w, h), (w + dx, h + dy)], steps=steps)

    def screenshot(self, path, full_page:bool=True) -> Path:
        "Save a PNG of the whole page (or the viewport); returns its path"
        path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
        self.pw.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self): (self._context or self.pw).close()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()

class Browser:
    "One headless Chromium for many pages, each opened in a fresh context with the network blocked"
    def __init__(self, executable:str|None=None, width:int=1100, height:int=900, args=LAUNCH_ARGS, local=None):
        from playwright.sync_api import sync_playwright
        self.executable = executable or find_chromium()
        if not self.executable:
            raise RuntimeError('no Chromium found: on Debian `apt-get install chromium` (or run '
                               '`bash tools/install_render_deps.sh`), or set CHROMIUM=/path/to/chrome')
        self.viewport = dict(width=width, height=height)
        self.local = local   # address -> bytes of a local copy to answer it with, or None to block it
        self._pw = sync_playwright().start()
        try: self._browser = self._pw.chromium.launch(executable_path=self.executable, headless=True, args=list(args))
        except Exception:
            self._pw.stop(); raise

    @property
    def version(self) -> str: return self._browser.version

    def open(self, url:str, timeout:float=30, wait_until:str='load') -> Page:
        "A new page showing `url`, loaded (`wait_until` as in Playwright's goto), with its problems being collected"
        ctx = self._browser.new_context(viewport=self.viewport)
        ctx.route(NETWORK, self._route)
        page = Page(ctx.new_page(), ctx, self.local)
        try: page.pw.goto(url, timeout=timeout * 1000, wait_until=wait_until)
        except Exception:
            page.close(); raise
        return page

    def _route(self, route):
        url = route.request.url
        body = self.local(url) if self.local else None
        if body is None: return route.abort('blockedbyclient')
        route.fulfill(body=body, content_type=mimetypes.guess_type(url.split('?')[0])[0] or 'application/javascript',
                      headers={'Access-Control-Allow-Origin': '*'})

    def close(self):
        try: self._browser.close()
        finally: self._pw.stop()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()
