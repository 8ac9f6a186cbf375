"""The static rules: what a notebook's saved JSON must hold to make a good page on the docs site.

Each rule is a pure function `rule(nb) -> list[Finding]` of the notebook as parsed JSON; `RULES` runs them in
order. A `Finding` is a failure unless it is a note (printed, not failing). Cells are named by their number
counting every cell from 1 (as Jupyter shows them top to bottom) and their first line of code.
"""
from __future__ import annotations
import re
from typing import NamedTuple
from .nb import (ansi_strip, cell_views, code_cells, has_image, is_error_output, is_eval_false, label,
                 out_text, source, widget_state, widget_tree)
from .code import can_display, is_figure_cell, must_display

RERUN = 'bash tools/run_notebooks.sh NOTEBOOK'   # how to re-execute a notebook in place, named in the hints
LONG_OUTPUT_LINES = 60  # a plain-text output longer than this on the page is a note (not a failure)

class Finding(NamedTuple):
    message: str
    note: bool = False   # True: printed as a note, does not fail the check

def _fail(msg): return Finding(msg)
def _note(msg): return Finding(msg, note=True)

def no_saved_outputs(nb) -> list[Finding]:
    "A notebook with code cells but no output at all was committed unexecuted (the later rules are then skipped)."
    code = code_cells(nb)
    if code and not any(c.get('outputs') for _, c in code):
        return [_fail(f'no saved outputs: none of its {len(code)} code cells has an output (committed unexecuted? '
                      f're-execute it with `{RERUN}` and commit it executed)')]
    return []

def execution_order(nb) -> list[Finding]:
    """Stale outputs, told by execution counts: on a notebook not cleaned by nbdev-clean (which sets them all to
    None), the counts must rise from 1 in cell order, as in one run top to bottom."""
    ns = [c.get('execution_count') for _, c in code_cells(nb) if c.get('execution_count') is not None]
    if ns and (ns[0] != 1 or any(b <= a for a, b in zip(ns, ns[1:]))):
        return [_fail(f'stale outputs: execution counts {ns[:12]}{"..." if len(ns) > 12 else ""} do not rise from 1 in '
                      f'cell order (cells run out of order or re-run); restart and run all, e.g. `{RERUN}`')]
    return []

def error_outputs(nb) -> list[Finding]:
    """An `error` output, or the text "Traceback (most recent call last)" in any output, in a cell or inside the
    saved Output widgets of the views a cell displays."""
    out, state = [], widget_state(nb)
    for i, c in code_cells(nb):
        lab = label(i, c)
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error':
                out.append(_fail(f'{lab}: error output {o.get("ename")}: {ansi_strip(str(o.get("evalue")))[:200]}'))
            elif is_error_output(o):
                out.append(_fail(f'{lab}: traceback text in a {o.get("output_type")} output'))
        for mid in cell_views(c):
            for m in widget_tree(state, mid)[0]:
                for o in state[m].get('state', {}).get('outputs', []) or []:
                    if is_error_output(o):
                        out.append(_fail(f'{lab}: error inside widget output {m}: {o.get("ename", "")}: '
                                         f'{ansi_strip(str(o.get("evalue", "")))[:200]}'))
    return out

def widget_without_state(nb) -> list[Finding]:
    """A widget view whose model, or any model it refers to (`IPY_MODEL_...`), is missing from
    `metadata.widgets[...widget-state+json].state`: the page can't draw it."""
    out, state = [], widget_state(nb)
    for i, c in code_cells(nb):
        for mid in cell_views(c):
            if not state:
                out.append(_fail(f'{label(i, c)}: widget {mid} has no saved widget state (notebook metadata.widgets is '
                                 'missing; execute with nbclient/nbconvert, which store it, and keep "widgets" when cleaning)'))
                continue
            missing = widget_tree(state, mid)[1]
            if missing:
                out.append(_fail(f'{label(i, c)}: widget {mid} has no saved widget state for model(s) '
                                 f'{", ".join(missing[:5])} (re-execute the notebook so the state is saved: `{RERUN}`)'))
    return out

def figure_without_image(nb) -> list[Finding]:
    """A code cell that draws a figure (`code.is_figure_cell`) but has no `image/*` output. Cells with a widget
    view (their figure lives in the widget state) and `#| eval: false` cells are exempt."""
    return [_fail(f'{label(i, c)}: figure cell without an image output (it calls a plotting function; was it run? '
                  'did it raise?)')
            for i, c in code_cells(nb)
            if not is_eval_false(source(c)) and not cell_views(c) and not has_image(c.get('outputs', []))
            and is_figure_cell(source(c))]

def stale_results(nb) -> list[Finding]:
    """Stale outputs on a cleaned notebook (no execution counts), by two rules that hold for any notebook run top
    to bottom: a cell ending in a bare value that is not a call (`x`, `x.shape`, `a, b`; no `;`) always has an
    `execute_result`, so having none means it was added or edited after the run; and a cell with an
    `execute_result` whose last statement is not an expression can't have made it. Cell magics and
    `#| eval: false` cells are exempt."""
    out = []
    for i, c in code_cells(nb):
        src = source(c)
        if is_eval_false(src): continue
        has_result = any(o.get('output_type') == 'execute_result' for o in c.get('outputs', []))
        if not has_result and must_display(src):
            out.append(_fail(f'{label(i, c)}: stale outputs: the cell ends in a bare value but has no result saved '
                             f'(added or edited after the notebook was run; re-execute it: `{RERUN}`)'))
        if has_result and not can_display(src):
            out.append(_fail(f'{label(i, c)}: stale outputs: a result is saved but the code can no longer produce one '
                             f'(edited after the notebook was run; re-execute it: `{RERUN}`)'))
    return out

def stderr_warnings(nb) -> list[Finding]:
    "Note: a warning printed on stderr shows on the page."
    return [_note(f'{label(i, c)}: a warning on stderr: {out_text(o).strip().splitlines()[0][:150]}')
            for i, c in code_cells(nb) for o in c.get('outputs', [])
            if o.get('name') == 'stderr' and not is_error_output(o) and re.search(r'\w*Warning\b', out_text(o))]

def long_text_outputs(nb) -> list[Finding]:
    "Note: a plain-text output longer than about LONG_OUTPUT_LINES lines on the page (e.g. a list of 6,000 paths)."
    out = []
    for i, c in code_cells(nb):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error' or any(not k.startswith('text/plain') for k in o.get('data', {})): continue
            t = out_text(o)
            lines = sum(1 + len(l) // 110 for l in t.splitlines())
            if lines > LONG_OUTPUT_LINES:
                out.append(_note(f'{label(i, c)}: a long text output ({len(t):,} characters, about {lines} lines on the '
                                 'page); show a few items or a summary instead'))
    return out

RULES = [no_saved_outputs, execution_order, error_outputs, widget_without_state, figure_without_image, stale_results,
         stderr_warnings, long_text_outputs]
GATES = {no_saved_outputs}   # when one of these fails, the later rules are skipped (they would only repeat it)

def static_checks(nb, rules=RULES) -> tuple[list[str], list[str]]:
    "Run `rules` on the notebook JSON: (failure messages, note messages)"
    fails, notes = [], []
    for rule in rules:
        found = rule(nb)
        fails += [f.message for f in found if not f.note]
        notes += [f.message for f in found if f.note]
        if rule in GATES and any(not f.note for f in found): break
    return fails, notes
