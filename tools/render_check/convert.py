"""Notebook to HTML with `jupyter nbconvert --to html`, loading require.js, the ipywidgets HTML manager, MathJax
and mermaid from local copies (`tools/install_render_deps.sh` fetches them from npm into `render_check/js/`),
never from a CDN."""
from __future__ import annotations
import re, subprocess, sys
from pathlib import Path

def assets(js_dir, required:bool=True) -> dict:
    "Local copies of the JS a page loads (without the browser they are only named in the HTML, so optional)"
    js = Path(js_dir).resolve()
    a = dict(require=js/'requirejs'/'require.js', widgets=js/'html-manager'/'dist'/'embed-amd.js',
             mathjax=js/'mathjax'/'MathJax.js', mermaid=js/'mermaid'/'dist'/'mermaid.esm.min.mjs')
    missing = [str(p) for p in a.values() if not p.exists()]
    if missing and required: raise SystemExit(f'check_render: local JS assets missing ({", ".join(missing)}); '
                                              'run `bash tools/install_render_deps.sh` first')
    return a

# nbconvert's mermaid URL is not a configurable option, so a one-block template swaps in the local copy
TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- from 'mermaidjs.html.j2' import mermaid_js -%}
{%- block html_head_js_mermaidjs -%}
{{ mermaid_js('MERMAID_URL', '') }}
{%- endblock html_head_js_mermaidjs -%}
"""

def _nbconvert(paths, html_dir:Path, a:dict, timeout:int):
    tpl = html_dir/'_check_render.html.j2'
    tpl.write_text(TEMPLATE.replace('MERMAID_URL', a['mermaid'].as_uri()))
    cmd = ['timeout', '--kill-after=10', str(timeout), sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'html',
           '--output-dir', str(html_dir), '--log-level=ERROR', '--template', 'lab', f'--template-file={tpl}',
           f'--HTMLExporter.require_js_url={a["require"].as_uri()}',
           f'--HTMLExporter.widget_renderer_url={a["widgets"].as_uri()}',
           f'--HTMLExporter.mathjax_url={a["mathjax"].as_uri()}?config=TeX-AMS_CHTML-full,Safe',
           *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)

def network_loads(html:str) -> list[str]:
    "http(s) addresses a page loads scripts or stylesheets from (there must be none)"
    return sorted(set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html) +
                      re.findall(r'import\("(https?://[^"]+)"\)', html)))

def _html_result(nb_path, html_dir:Path, r=None, timeout=None):
    out = html_dir/(Path(nb_path).stem + '.html')
    if r is not None and r.returncode in (124, 137): return None, f'nbconvert timed out after {timeout}s'
    if (r is not None and r.returncode != 0) or not out.exists():
        return None, f'nbconvert failed (exit {getattr(r, "returncode", "?")}): {(r.stderr or r.stdout).strip()[-600:] if r else ""}'
    cdn = network_loads(out.read_text(encoding='utf-8'))
    if cdn: return out, f'page loads from the network: {", ".join(cdn[:3])}'
    return out, None

def to_html(paths, html_dir, a:dict, timeout:int=120) -> dict:
    """Convert notebooks with nbconvert; returns {path: (html path or None, error message or None)}.
    One nbconvert process for all (each start costs seconds); if that fails, one per notebook to say which."""
    html_dir = Path(html_dir)
    html_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in paths]
    for p in paths: (html_dir/(p.stem + '.html')).unlink(missing_ok=True)
    if len({p.stem for p in paths}) == len(paths) and len(paths) > 1:
        r = _nbconvert(paths, html_dir, a, timeout * len(paths))
        if r.returncode == 0: return {p: _html_result(p, html_dir) for p in paths}
    return {p: _html_result(p, html_dir, _nbconvert([p], html_dir, a, timeout), timeout) for p in paths}
