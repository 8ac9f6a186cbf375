"""Imports point only downward: a lesson's module may use an earlier lesson's module, never a later one.

Each module of `mnist_course` is exported from one notebook, and the notebook's number says which lesson
explains it (`00_core` exports the package root, `__init__`). A module that imported a later lesson's
module would make a reader meet code before the lesson that explains it, and invites import cycles.
A reference notebook without a number (nbs/docs_hooks.ipynb, the website build's hook) counts as level 0: it may
import only the package root, like the lowest lesson.

The website build's hook module must also load without PyTorch, so a docs build does not pay for it."""
import ast, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG, NBS = ROOT/'mnist_course', ROOT/'nbs'

def module_lessons() -> dict:
    "`{module name: notebook number}` from each notebook's `#| default_exp`"
    res = {}
    for nb in sorted(NBS.glob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            m = re.match(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))
            if c['cell_type'] == 'code' and m: res[m.group(1)] = int(nb.name[:2]) if nb.name[:2].isdigit() else 0
    return res

def imported_modules(source:str) -> set:
    "Modules of `mnist_course` that `source` imports anywhere (top level or inside functions)"
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1 and mod: found.add(mod.split('.')[0])
            elif node.level == 1: found.update(a.name for a in node.names if (PKG/f'{a.name}.py').exists())
            elif mod.startswith('mnist_course.'): found.add(mod.split('.')[1])
            elif mod == 'mnist_course': found.update(a.name for a in node.names if (PKG/f'{a.name}.py').exists())
        elif isinstance(node, ast.Import):
            found.update(a.name.split('.')[1] for a in node.names if a.name.startswith('mnist_course.'))
    return found

def upward_imports(lessons:dict|None=None, sources:dict|None=None) -> list:
    "`(module, its lesson, imported module, that lesson)` for every import of a later lesson's module"
    lessons = lessons if lessons is not None else module_lessons()
    sources = sources if sources is not None else {m: (PKG/f'{m}.py').read_text() for m in lessons}
    return [(m, lessons[m], dep, lessons[dep]) for m, src in sources.items() for dep in sorted(imported_modules(src))
            if dep in lessons and lessons[dep] > lessons[m]]

def test_every_module_comes_from_a_notebook():
    mods = {p.stem for p in PKG.glob('*.py')} - {'_modidx'}
    assert mods == set(module_lessons()), f"modules {sorted(mods)} vs notebooks' default_exp {sorted(module_lessons())}"

def test_imports_point_only_downward():
    bad = upward_imports()
    assert not bad, '\n'.join(f"{m} (lesson {a}) imports {d} (lesson {b})" for m, a, d, b in bad)

def test_the_package_root_imports_no_lesson():
    assert not imported_modules((PKG/'__init__.py').read_text()) - {'__init__'}

def test_an_upward_import_is_caught():
    "The check itself can fail: a lesson-2 module that imports lesson 7's module is reported."
    lessons = {'pixels': 2, 'learner': 7}
    srcs = {'pixels': "def f():\n    from .learner import mlp\n", 'learner': "from .pixels import mnist_distance\n"}
    assert upward_imports(lessons, srcs) == [('pixels', 2, 'learner', 7)]
    assert upward_imports(lessons, {'pixels': "from mnist_course.learner import mlp\n", 'learner': ''}) == [('pixels', 2, 'learner', 7)]

def modules_loaded_by(stmt:str) -> set:
    "Top-level names in `sys.modules` after running `stmt` in a fresh Python process (from the repository root)"
    r = subprocess.run([sys.executable, '-c', f"import sys; {stmt}; print(' '.join(sorted(sys.modules)))"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return {m.split('.')[0] for m in r.stdout.split()}

def test_docs_hook_loads_without_torch():
    "nbdev's doc_procs imports the hook for every docs build: it (and the package root it runs) must not load torch"
    cfg = (ROOT/'pyproject.toml').read_text()
    procs = re.search(r'^doc_procs\s*=\s*"([^"]+)"', cfg, re.M)
    assert procs, "pyproject.toml's [tool.nbdev] names no doc_procs hook"
    for hook in procs.group(1).split():
        mod, fn = hook.split(':')
        assert 'torch' not in modules_loaded_by(f"from {mod} import {fn}"), f"importing {mod} loads torch"

def test_torch_import_is_detected():
    "The check itself can fail: a module that does import torch (the results command) is caught"
    assert 'torch' in modules_loaded_by("import mnist_course.results")
