"""The website nbdev-docs built, every page in Chromium (tools/browser_checks.check_page: JavaScript errors, saved widgets
and mermaid diagrams drawn, explorables used and compared with PyTorch, axe-core), and a page of two digit pads on a
seeded model: `pytest tests/test_site.py --site _docs` (.ci/run runs it). Screenshots in render_check/screenshots/."""
import json
from pathlib import Path
import pytest
from tools import browser_checks as bc, check_site

SHOTS, NBS, STATS = bc.ROOT/'render_check'/'screenshots', bc.ROOT/'nbs', {}
PAGES = check_site.site_pages(NBS)

@pytest.fixture(scope='module')
def site(pytestconfig):
    if not (docs := pytestconfig.getoption('site')): pytest.skip('checks a built site: pytest tests/test_site.py --site _docs')
    with bc.serve(docs) as url: yield url
    say = print   # the figures, past pytest's output capture (this runs in the last test's teardown)
    with pytestconfig.pluginmanager.get_plugin('capturemanager').global_and_fixture_disabled(): say(f'\nsite: {STATS.get("mermaid", 0)} mermaid diagram(s) and {STATS.get("widget views", 0)} saved widget view(s) drawn; '
        f'axe-core (WCAG 2 A/AA) serious or critical: {sum(STATS.get("axe", {}).values())}')
    say('explorables used: ' + '; '.join(STATS.get('used', [])))
    if a := STATS.get('agreement'): say(f'explorables: largest |JS - PyTorch| probability difference {max(a):.2e} over {len(a)} inputs')

@pytest.mark.parametrize('name', sorted(PAGES))
def test_page(site, page, name):
    nb = json.loads((NBS/PAGES[name]).read_text(encoding='utf-8'))
    assert bc.check_page(page, site + name, SHOTS/f'{Path(name).stem}.png', nb, STATS) == []

def test_digit_pad_page(site, page, tmp_path):
    path = bc.pad_test_page(tmp_path/'digit-pad-test-page.html')
    assert bc.check_page(page, path.as_uri(), SHOTS/'digit-pad-test-page.png', stats=STATS) == []
