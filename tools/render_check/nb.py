"Reading a saved notebook's JSON: cell sources, nbdev directives, output text, and the saved ipywidgets state."
from __future__ import annotations
import re

WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'
WIDGET_STATE = 'application/vnd.jupyter.widget-state+json'
TRACEBACK = 'Traceback (most recent call last)'
SLIDER_RE = re.compile(r'Slider(Model)?$')

def source(cell) -> str: return ''.join(cell.get('source', ''))

def directives(src:str) -> dict:
    "nbdev `#| key: value` directives at the top of a cell, as a dict"
    d = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*)$', line)
        if m: d[m.group(1)] = m.group(2).strip()
        elif line.strip(): break
    return d

def is_eval_false(src:str) -> bool:
    "Is the cell marked `#| eval: false` (never run, so it has no outputs to check)?"
    return directives(src).get('eval', '').lower() in ('false', 'no', '0')

def code_cells(nb) -> list:
    "(index, cell) for every code cell with some source, in page order"
    return [(i, c) for i, c in enumerate(nb.get('cells', [])) if c['cell_type'] == 'code' and source(c).strip()]

def ansi_strip(s:str) -> str: return re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', s)

def out_text(o) -> str:
    "All the text in one output (streams, text/* data, an error's traceback)"
    parts = []
    if 'text' in o: parts.append(''.join(o['text']) if isinstance(o['text'], list) else o['text'])
    for k, v in o.get('data', {}).items():
        if k.startswith('text/'): parts.append(''.join(v) if isinstance(v, list) else str(v))
    if o.get('output_type') == 'error': parts += o.get('traceback', [])
    return '\n'.join(parts)

def is_error_output(o) -> bool:
    "An `error` output, or any output whose text holds a Python traceback"
    return o.get('output_type') == 'error' or TRACEBACK in ansi_strip(out_text(o))

def has_image(outputs) -> bool: return any(k.startswith('image/') for o in outputs for k in o.get('data', {}))

def label(i:int, cell) -> str:
    "How messages name a cell: its number counting every cell from 1, and its first line of code"
    first = next((l for l in source(cell).splitlines() if l.strip() and not l.lstrip().startswith('#|')), '').strip()
    return f'cell {i+1} ({first[:60]}{"..." if len(first) > 60 else ""})'

def widget_state(nb) -> dict:
    "The saved ipywidgets models, {model id: model}, from `metadata.widgets` (empty if none)"
    return ((nb.get('metadata') or {}).get('widgets') or {}).get(WIDGET_STATE, {}).get('state', {}) or {}

def _refs(v):
    "Model ids a widget state refers to (`IPY_MODEL_<id>` strings, at any depth)"
    if isinstance(v, str): return [v[10:]] if v.startswith('IPY_MODEL_') else []
    if isinstance(v, list): return [r for x in v for r in _refs(x)]
    if isinstance(v, dict): return [r for x in v.values() for r in _refs(x)]
    return []

def widget_tree(state:dict, model_id:str) -> tuple[list, list]:
    "(ids of every model reachable from model_id, ids referred to but missing from the state)"
    seen, missing, todo = [], [], [model_id]
    while todo:
        m = todo.pop()
        if m in seen or m in missing: continue
        if m not in state: missing.append(m); continue
        seen.append(m)
        todo += _refs(state[m].get('state', {}))
    return seen, missing

def widget_expectations(state:dict, model_id:str) -> dict:
    "What the browser must find for one view: the number of slider models and of saved images in its tree"
    seen, _ = widget_tree(state, model_id)
    sliders = sum(bool(SLIDER_RE.search(state[m].get('model_name', ''))) for m in seen)
    images = sum(1 for m in seen if state[m].get('model_name') == 'OutputModel'
                 for o in state[m].get('state', {}).get('outputs', []) if any(k.startswith('image/') for k in o.get('data', {})))
    return dict(sliders=sliders, images=images)

def cell_views(cell) -> list:
    "Model ids of the widget views a cell displays"
    return [o['data'][WIDGET_VIEW].get('model_id') for o in cell.get('outputs', []) if WIDGET_VIEW in o.get('data', {})]

def widget_views(nb) -> list:
    "(cell index, model id) for every widget view output, in page order"
    return [(i, m) for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code' for m in cell_views(c)]
