"""Render check: would each lesson's saved outputs make a good page on the docs site?

Quarto builds the site from the outputs saved in the notebooks and can't run here, so this is the next best
check. For every lesson notebook (`nbs/[0-9][0-9]_*.ipynb` and `nbs/index.ipynb`, or those named on the
command line) it

1. checks the saved JSON against the static rules (`rules.RULES`, one pure function each);
2. converts the notebook to HTML with nbconvert (`convert`), loading its JavaScript from local copies that
   `tools/install_render_deps.sh` fetched, never from a CDN;
3. opens the page in headless Chromium through Playwright (`browser`, `page`), with every http(s) request
   blocked, and fails on JavaScript errors, files that failed to load, network requests, mermaid diagrams
   that did not render, and widget views whose controls or images are missing from the DOM after load;
4. writes a full-page screenshot to `render_check/screenshots/<notebook>.png` (git-ignored).

Notes (warnings on stderr, very long text outputs) are printed, not failures. It exits 1 and lists every
failure, notebook by notebook, if anything is wrong.

Run it as `python tools/check_render.py [NOTEBOOK ...] [--no-browser] [--out render_check]` or
`python -m tools.render_check ...` from the repository root.
"""
from .nb import WIDGET_STATE, WIDGET_VIEW, widget_expectations, widget_state, widget_tree, widget_views
from .code import can_display, is_figure_cell, must_display
from .rules import RULES, Finding, static_checks
from .convert import assets, to_html
from .browser import Browser, Page, find_chromium
from .page import check_page, widget_failures
from .cli import ROOT, check, default_notebooks, main
