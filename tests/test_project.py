"Checks on the project's configuration that nbdev itself doesn't make."
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def _pyproject(): return tomllib.loads((ROOT/'pyproject.toml').read_text())

def test_nbdev_never_rewrites_pyproject():
    assert _pyproject()['tool']['nbdev']['update_pyproject'] is False

def test_no_nbdev2_settings_file():
    assert not (ROOT/'settings.ini').exists(), "nbdev 3 reads pyproject.toml and refuses settings.ini"

def test_runtime_dependencies():
    deps = ' '.join(_pyproject()['project']['dependencies'])
    for name in ('torch', 'torchvision', 'fastai>=2.8', 'matplotlib', 'pandas', 'ipywidgets'):
        assert name in deps, name
    dev = ' '.join(_pyproject()['project']['optional-dependencies']['dev'])
    for name in ('nbdev>=3', 'jupyterlab', 'pytest'):
        assert name in dev, name
