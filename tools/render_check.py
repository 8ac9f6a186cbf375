"""Render check, notebook half: do the outputs saved in a lesson make a good page on the website?

Each rule is a pure function `rule(nb) -> [message]` of a notebook's JSON. `FAILS`: outputs saved, in order and not
stale, no errors, widget state saved, figures drawn. `NOTES` (printed, never failing): warnings on stderr, very long
text outputs. tests/test_render_check.py runs them on every lesson; the site half is tools/browser_checks.py."""
from __future__ import annotations
import ast, json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW, WIDGET_STATE = 'application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json'
RERUN, LONG_OUTPUT_LINES = 'bash tools/run_notebooks.sh NOTEBOOK', 60   # RERUN: the hints' way to re-execute a notebook

def lessons(nbs=ROOT/'nbs') -> list[Path]: return sorted(nbs.glob('[0-9][0-9]_*.ipynb')) + [nbs/'index.ipynb']

# ---- reading a notebook
def source(c) -> str: return ''.join(c.get('source', ''))
def code_cells(nb): return [(i, c) for i, c in enumerate(nb.get('cells', [])) if c['cell_type'] == 'code' and source(c).strip()]
def is_eval_false(src): return re.match(r'(\s*#\|.*\n)*\s*#\|\s*eval\s*:\s*(false|no|0)\b', src, re.I) is not None
def ansi_strip(s): return re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', s)
def has_image(outputs): return any(k.startswith('image/') for o in outputs for k in o.get('data', {}))

def label(i, c) -> str:
    "How messages name a cell: its number counting every cell from 1, and its first line of code"
    first = next((l.strip() for l in source(c).splitlines() if l.strip() and not l.lstrip().startswith('#|')), '')
    return f'cell {i+1} ({first[:60]}{"..." if len(first) > 60 else ""})'

def out_text(o) -> str:
    "All the text of one output: streams, text/* data, an error's traceback"
    parts = [o['text']] if 'text' in o else []
    parts += [v for k, v in o.get('data', {}).items() if k.startswith('text/')] + o.get('traceback', [])
    return '\n'.join(''.join(p) if isinstance(p, list) else str(p) for p in parts)

def is_error(o): return o.get('output_type') == 'error' or 'Traceback (most recent call last)' in ansi_strip(out_text(o))

def widget_state(nb) -> dict: return ((nb.get('metadata') or {}).get('widgets') or {}).get(WIDGET_STATE, {}).get('state') or {}
def cell_views(c): return [o['data'][WIDGET_VIEW].get('model_id') for o in c.get('outputs', []) if WIDGET_VIEW in o.get('data', {})]
def widget_views(nb): return [(i, m) for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code' for m in cell_views(c)]

def widget_tree(state, mid) -> tuple[list, list]:
    "(models reachable from `mid` through IPY_MODEL_ references, those referred to but missing from `state`)"
    seen, missing, todo = [], [], [mid]
    while todo:
        m = todo.pop()
        if m in seen or m in missing: continue
        if m not in state: missing.append(m); continue
        seen.append(m)
        todo += re.findall(r'IPY_MODEL_([\w-]+)', json.dumps(state[m].get('state', {})))
    return seen, missing

def widget_expectations(state, mid) -> dict:
    "What the page must draw for one view: its slider models, and the images saved in its Output models"
    seen = widget_tree(state, mid)[0]
    return dict(sliders=sum(bool(re.search(r'Slider(Model)?$', state[m].get('model_name', ''))) for m in seen),
                images=sum(has_image([o]) for m in seen if state[m].get('model_name') == 'OutputModel'
                           for o in state[m].get('state', {}).get('outputs', [])))

# ---- what a cell's code says about its outputs
PLT_DRAW = set('show imshow matshow plot subplots subplot figure hist bar barh scatter pcolormesh contour contourf stem '
               'step errorbar fill_between axhline axvline spy pie boxplot violinplot semilogy semilogx loglog hexbin quiver'.split())
DRAW = set('imshow matshow plot subplots hist scatter bar barh pcolormesh contourf show_image show_images show_batch '
           'show_results lr_find plot_top_losses plot_confusion_matrix plot_loss plot_metrics plot_sched'.split())
NOT_DRAW = {'show_doc', 'show_install', 'show_versions'}

def parse(src):
    "The cell as a Python AST (IPython magics turned into calls), or None for a cell magic or a syntax error"
    if src.lstrip().startswith('%%'): return None
    from IPython.core.inputtransformer2 import TransformerManager
    try: return ast.parse(TransformerManager().transform_cell(src))
    except SyntaxError: return None

def top_level_calls(tree):
    "Calls made when the cell runs: not those inside a def/class/lambda body (its decorators and defaults do run)"
    out, todo = [], list(tree.body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo += getattr(n, 'decorator_list', []) + list(getattr(getattr(n, 'args', None), 'defaults', []) or []); continue
        if isinstance(n, ast.Call): out.append(n)
        todo += list(ast.iter_child_nodes(n))
    return out

def is_figure_cell(src) -> bool:
    "Does it call, at top level, plt.<PLT_DRAW>, <DRAW> or show_*/plot_* (not NOT_DRAW, nor plt.close/ioff, nor a no-figure comment)?"
    tree = None if 'render-check: no-figure' in src else parse(src)
    if tree is None: return False
    draws = False
    for c in top_level_calls(tree):
        f = c.func
        base, name = (None, f.id) if isinstance(f, ast.Name) else (getattr(f.value, 'id', None), f.attr) if isinstance(f, ast.Attribute) else (None, None)
        if name is None or name in NOT_DRAW: continue
        if base == 'plt' and name in ('close', 'ioff'): return False
        draws |= (base == 'plt' and name in PLT_DRAW) or name in DRAW or name.startswith(('show_', 'plot_'))
    return draws

def _last(src):
    tree = parse(src)
    return tree.body[-1] if tree is not None and tree.body else None

def must_display(src) -> bool:
    "Does the cell end in a bare value that is not a call, None or a lone string, and no `;`: one IPython always shows?"
    last = _last(src)
    if not isinstance(last, ast.Expr) or isinstance(last.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)): return False
    if isinstance(last.value, ast.Constant) and (last.value.value is None or isinstance(last.value.value, str)): return False
    code = [l for l in src.rstrip().splitlines() if l.strip() and not l.strip().startswith('#')]
    return bool(code) and not re.sub(r'#.*$', '', code[-1]).rstrip().endswith(';')

def can_display(src) -> bool:
    "Can the cell produce an execute_result (its last statement is an expression, or it is a cell magic)?"
    last = _last(src)
    return src.lstrip().startswith('%%') or last is None or isinstance(last, ast.Expr)

# ---- the rules
def no_saved_outputs(nb):
    "Committed unexecuted: code cells but no output at all (the other rules are then skipped)"
    code = code_cells(nb)
    return [f'no saved outputs: none of its {len(code)} code cells has an output (committed unexecuted? re-execute it '
            f'with `{RERUN}` and commit it executed)'] if code and not any(c.get('outputs') for _, c in code) else []

def execution_order(nb):
    "On a notebook not cleaned by nbdev-clean (which drops them), execution counts rise from 1 in cell order"
    ns = [c['execution_count'] for _, c in code_cells(nb) if c.get('execution_count') is not None]
    return [f'stale outputs: execution counts {ns[:12]}{"..." if len(ns) > 12 else ""} do not rise from 1 in cell order '
            f'(cells run out of order or re-run); restart and run all, e.g. `{RERUN}`'
            ] if ns and (ns[0] != 1 or any(b <= a for a, b in zip(ns, ns[1:]))) else []

def error_outputs(nb):
    "An error output, or a traceback's text in any output, in a cell or in the saved Output widgets it shows"
    out, state = [], widget_state(nb)
    for i, c in code_cells(nb):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error':
                out.append(f'{label(i, c)}: error output {o.get("ename")}: {ansi_strip(str(o.get("evalue")))[:200]}')
            elif is_error(o): out.append(f'{label(i, c)}: traceback text in a {o.get("output_type")} output')
        out += [f'{label(i, c)}: error inside widget output {m}: {o.get("ename", "")}: {ansi_strip(str(o.get("evalue", "")))[:200]}'
                for v in cell_views(c) for m in widget_tree(state, v)[0]
                for o in state[m].get('state', {}).get('outputs', []) or [] if is_error(o)]
    return out

def widget_without_state(nb):
    "A widget view whose model, or a model it refers to, is not in the saved widget state: the page can't draw it"
    out, state = [], widget_state(nb)
    for i, c in code_cells(nb):
        for v in cell_views(c):
            if not state: out.append(f'{label(i, c)}: widget {v} has no saved widget state (metadata.widgets is missing; '
                                     'execute with nbclient/nbconvert, which store it)')
            elif missing := widget_tree(state, v)[1]:
                out.append(f'{label(i, c)}: widget {v} has no saved widget state for model(s) {", ".join(missing[:5])} '
                           f'(re-execute the notebook: `{RERUN}`)')
    return out

def figure_without_image(nb):
    "A cell that draws a figure but has no image output (cells showing a widget, or `#| eval: false`, exempt)"
    return [f'{label(i, c)}: figure cell without an image output (it calls a plotting function; was it run? did it raise?)'
            for i, c in code_cells(nb) if not is_eval_false(source(c)) and not cell_views(c)
            and not has_image(c.get('outputs', [])) and is_figure_cell(source(c))]

def stale_results(nb):
    "On a cleaned notebook: a bare value with no result saved, or a result saved that the code can't make, is stale"
    out = []
    for i, c in code_cells(nb):
        if is_eval_false(src := source(c)): continue
        has = any(o.get('output_type') == 'execute_result' for o in c.get('outputs', []))
        if not has and must_display(src):
            out.append(f'{label(i, c)}: stale outputs: the cell ends in a bare value but has no result saved (added or '
                       f'edited after the notebook was run; re-execute it: `{RERUN}`)')
        if has and not can_display(src):
            out.append(f'{label(i, c)}: stale outputs: a result is saved but the code can no longer produce one (edited '
                       f'after the notebook was run; re-execute it: `{RERUN}`)')
    return out

def stderr_warnings(nb):
    return [f'{label(i, c)}: a warning on stderr: {out_text(o).strip().splitlines()[0][:150]}' for i, c in code_cells(nb)
            for o in c.get('outputs', []) if o.get('name') == 'stderr' and not is_error(o) and re.search(r'\w*Warning\b', out_text(o))]

def long_text_outputs(nb):
    out = []
    for i, c in code_cells(nb):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error' or any(not k.startswith('text/plain') for k in o.get('data', {})): continue
            t = out_text(o)
            if (n := sum(1 + len(l) // 110 for l in t.splitlines())) > LONG_OUTPUT_LINES:
                out.append(f'{label(i, c)}: a long text output ({len(t):,} characters, about {n} lines on the page); '
                           'show a few items or a summary instead')
    return out

FAILS = [no_saved_outputs, execution_order, error_outputs, widget_without_state, figure_without_image, stale_results]
NOTES = [stderr_warnings, long_text_outputs]

def static_checks(nb) -> tuple[list[str], list[str]]:
    "(failures, notes) of the notebook JSON `nb`; with no outputs saved at all, only that failure"
    if fails := no_saved_outputs(nb): return fails, []
    return [m for r in FAILS[1:] for m in r(nb)], [m for r in NOTES for m in r(nb)]
