"""Render check: do the lessons' saved outputs make good pages, and does the website built from them work?

1. For every lesson notebook (`nbs/[0-9][0-9]_*.ipynb` and `nbs/index.ipynb`, or those named on the command
   line) it checks the saved JSON against the static rules (`rules.RULES`, one pure function each): outputs
   saved, in order, no errors, widget state saved, figures drawn.
2. With `--site _docs`, it serves the site `nbdev-docs` built on 127.0.0.1 and opens every page in headless
   Chromium through Playwright (`browser`, `site`), answering the pages' CDN scripts with local copies
   (`tools/install_render_deps.sh`); it fails on JavaScript errors, files that failed to load, network
   requests, mermaid diagrams not drawn, widget views missing from the DOM, explorables that disagree with
   PyTorch (`explorables`), and serious or critical axe-core violations (WCAG 2 A and AA); and writes a
   full-page screenshot of each page to `render_check/screenshots/<page>.png` (git-ignored).

Notes (warnings on stderr, very long text outputs) are printed, not failures. It exits 1 and lists every
failure if anything is wrong. Run it as `python tools/check_render.py [NOTEBOOK ...] [--site _docs]` or
`python -m tools.render_check ...` from the repository root.
"""
from .nb import WIDGET_STATE, WIDGET_VIEW, widget_expectations, widget_state, widget_tree, widget_views
from .code import can_display, is_figure_cell, must_display
from .rules import RULES, Finding, static_checks
from .browser import Browser, Page, find_chromium
from .site import Server, check_site_page, local_js, widget_failures
from .cli import ROOT, check, check_site, default_notebooks, main

__all__ = ['WIDGET_STATE', 'WIDGET_VIEW', 'widget_expectations', 'widget_state', 'widget_tree', 'widget_views',
           'can_display', 'is_figure_cell', 'must_display', 'RULES', 'Finding', 'static_checks', 'Browser', 'Page',
           'find_chromium', 'Server', 'check_site_page', 'local_js', 'widget_failures', 'ROOT', 'check', 'check_site',
           'default_notebooks', 'main']
