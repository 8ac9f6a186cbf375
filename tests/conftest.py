"""pytest-playwright's fixtures on the Chromium installed here ($CHROMIUM, else chromium or Google Chrome on the PATH;
never a download), and the options that check the real build: `--site _docs` (tests/test_site.py) and `--jupyterlab`
(tests/test_jupyterlab.py). Without a Chromium the browser tests are skipped, unless one of those options asks for them."""
import os, shutil
import pytest

def pytest_addoption(parser):
    parser.addoption('--site', metavar='DIR', help='check the website built in DIR (e.g. _docs) in Chromium')
    parser.addoption('--jupyterlab', action='store_true', help='run lessons 3, 4 and 8 in JupyterLab and use their widgets')

@pytest.fixture(scope='session')
def browser_type_launch_args(browser_type_launch_args, pytestconfig):
    exe = os.environ.get('CHROMIUM') or next(filter(None, map(shutil.which, ('chromium', 'google-chrome', 'chromium-browser'))), None)
    if not exe:
        strict = pytestconfig.getoption('site') or pytestconfig.getoption('jupyterlab')
        (pytest.fail if strict else pytest.skip)('no Chromium: apt-get install chromium, or set CHROMIUM=/path/to/chrome')
    return {**browser_type_launch_args, 'executable_path': exe, 'args': ['--disable-gpu', '--allow-file-access-from-files']}

@pytest.fixture(scope='session')
def browser_context_args(browser_context_args):
    return {**browser_context_args, 'viewport': {'width': 1100, 'height': 900}}
