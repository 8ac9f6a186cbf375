"What a cell's code says about the outputs it must have: does it draw a figure, must or can it show a result?"
from __future__ import annotations
import ast, re

# plt.<f>(...) calls that draw
PLT_DRAW = {'show', 'imshow', 'matshow', 'plot', 'subplots', 'subplot', 'figure', 'hist', 'bar', 'barh', 'scatter',
            'pcolormesh', 'contour', 'contourf', 'stem', 'step', 'errorbar', 'fill_between', 'axhline', 'axvline',
            'spy', 'pie', 'boxplot', 'violinplot', 'semilogy', 'semilogx', 'loglog', 'hexbin', 'quiver'}
# <obj>.<f>(...) or <f>(...) calls that draw (besides any show_*/plot_* function)
DRAW = {'imshow', 'matshow', 'plot', 'subplots', 'hist', 'scatter', 'bar', 'barh', 'pcolormesh', 'contourf',
        'show_image', 'show_images', 'show_batch', 'show_results', 'lr_find', 'plot_top_losses',
        'plot_confusion_matrix', 'plot_loss', 'plot_metrics', 'plot_sched'}
NOT_DRAW = {'show_doc', 'show_install', 'show_versions'}
NO_FIGURE = 'render-check: no-figure'   # a comment that exempts a cell from the figure rule

def parse(src:str):
    "The cell as a Python AST (IPython magics turned into calls), or None if it doesn't parse or is a cell magic"
    if src.lstrip().startswith('%%'): return None
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        src = TransformerManager().transform_cell(src)
    except Exception: pass
    try: return ast.parse(src)
    except SyntaxError: return None

def _call_name(node):
    "(object name or None, function name) of a call such as `plt.plot(...)` or `show(...)`"
    f = node.func
    if isinstance(f, ast.Name): return None, f.id
    if isinstance(f, ast.Attribute): return (f.value.id if isinstance(f.value, ast.Name) else None), f.attr
    return None, None

def top_level_calls(tree) -> list:
    "Calls made when the cell runs, i.e. not inside a def/class/lambda body"
    out, todo = [], list(tree.body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            # decorators and default values do run
            todo += getattr(n, 'decorator_list', []) + list(getattr(getattr(n, 'args', None), 'defaults', []) or [])
            continue
        if isinstance(n, ast.Call): out.append(n)
        todo += list(ast.iter_child_nodes(n))
    return out

def is_figure_cell(src:str) -> bool:
    """Does this cell draw a figure when it runs? Yes if, at top level, it calls `plt.<f>` with f in PLT_DRAW,
    any `<f>`/`<obj>.<f>` with f in DRAW, or any `show_*`/`plot_*` function (except those in NOT_DRAW); no if it
    calls `plt.close`/`plt.ioff` or carries the comment `render-check: no-figure`."""
    if NO_FIGURE in src: return False
    tree = parse(src)
    if tree is None: return False
    draws = False
    for c in top_level_calls(tree):
        base, name = _call_name(c)
        if name is None: continue
        if base == 'plt' and name in ('close', 'ioff'): return False
        if name in NOT_DRAW: continue
        if base == 'plt' and name in PLT_DRAW: draws = True
        elif name in DRAW or name.startswith(('show_', 'plot_')): draws = True
    return draws

def _last_stmt(src):
    tree = parse(src)
    return tree.body[-1] if tree is not None and tree.body else None

def must_display(src:str) -> bool:
    "True if the cell ends in a bare value that is not a call (and no `;`), which IPython always displays"
    last = _last_stmt(src)
    if not isinstance(last, ast.Expr): return False
    v = last.value
    if isinstance(v, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)): return False
    if isinstance(v, ast.Constant) and (v.value is None or isinstance(v.value, str)): return False  # None; a lone string
    code = [l for l in src.rstrip().splitlines() if l.strip() and not l.strip().startswith('#')]
    return bool(code) and not re.sub(r'#.*$', '', code[-1]).rstrip().endswith(';')

def can_display(src:str) -> bool:
    "False if the cell's last statement is not an expression, so it cannot produce an execute_result"
    if src.lstrip().startswith('%%'): return True
    last = _last_stmt(src)
    return last is None or isinstance(last, ast.Expr)
