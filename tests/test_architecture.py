"""The core library never imports streamlit; only rgan/dashboard may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RGAN = Path(__file__).resolve().parents[1] / "rgan"
CORE_FILES = sorted(p for p in RGAN.rglob("*.py") if "dashboard" not in p.relative_to(RGAN).parts)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_files_found():
    names = {str(p.relative_to(RGAN)) for p in CORE_FILES}
    assert {"data/__init__.py", "data/reading.py", "models.py", "train.py", "runs.py", "metrics/__init__.py", "plots.py",
            "cli.py"} <= names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(RGAN)))
def test_core_does_not_import_streamlit(path: Path):
    assert "streamlit" not in imported_modules(path)


def test_checker_detects_streamlit(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from streamlit import session_state\n")
    assert "streamlit" in imported_modules(bad)


def test_no_unsafe_torch_load():
    for path in RGAN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "load":
                if getattr(node.func.value, "id", None) == "torch":
                    kw = {k.arg: k.value for k in node.keywords}
                    assert "weights_only" in kw and getattr(kw["weights_only"], "value", None) is True, path


def test_server_config_keeps_training_threads_unblocked(monkeypatch):
    """Streamlit's default full GC after every script run holds the GIL for tens of milliseconds per
    live redraw and cost a quarter of the training speed (benchmarks/bench_dashboard.py)."""
    from streamlit import config as st_config

    monkeypatch.chdir(Path(__file__).resolve().parents[1])  # Streamlit reads ./.streamlit/config.toml
    st_config.get_config_options(force_reparse=True)
    assert st_config.get_option("runner.postScriptGC") is False
    assert st_config.get_option("server.fileWatcherType") == "none"
    assert st_config.get_option("server.headless") is True
