#!/usr/bin/env python
"""Render check: `python tools/check_render.py [NOTEBOOK ...] [--site _docs]`: the lessons' saved outputs, and with
`--site` the built website in Chromium. The code is the package tools/render_check/ (its docstring says what is
checked); this file is the entry point that .ci/run calls. `python -m tools.render_check` does the same."""
import sys
from render_check.cli import main   # tools/ is on sys.path: it is this script's folder

if __name__ == '__main__': sys.exit(main())
