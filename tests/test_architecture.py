"""The layering of the code: the core library never imports streamlit (only rgan/dashboard may), the
dashboard and the pages never import the command line, and modules stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RGAN = ROOT / "rgan"
CORE_FILES = sorted(p for p in RGAN.rglob("*.py") if "dashboard" not in p.relative_to(RGAN).parts)
UI_FILES = sorted([*(RGAN / "dashboard").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])
MAX_LINES = 400  # a module longer than this says why in its docstring, in a line starting with LONG_REASON
LONG_REASON = "Longer than 400 lines because"


def imported_names(path: Path) -> set[str]:
    """Every dotted name an import statement in ``path`` reaches, ``from a.b import c`` giving ``a.b.c``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path) -> set[str]:
    """The top-level packages ``path`` imports."""
    return {name.split(".")[0] for name in imported_names(path)}


def imports_cli(path: Path) -> bool:
    return any(name == "rgan.cli" or name.startswith("rgan.cli.") for name in imported_names(path))


def test_core_files_found():
    names = {str(p.relative_to(RGAN)) for p in CORE_FILES}
    assert {"data/__init__.py", "models.py", "train/__init__.py", "runs/__init__.py", "metrics/__init__.py",
            "plots/__init__.py", "cli.py"} <= names
    assert len(UI_FILES) >= 8 and (RGAN / "dashboard" / "state.py") in UI_FILES


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(RGAN)))
def test_core_does_not_import_streamlit(path: Path):
    assert "streamlit" not in imported_modules(path)


def test_checker_detects_streamlit(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from streamlit import session_state\n")
    assert "streamlit" in imported_modules(bad)


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dashboard_and_pages_do_not_import_the_cli(path: Path):
    """What the pages need (sample tables, data sources) lives in the library, not in the command line."""
    assert not imports_cli(path)


@pytest.mark.parametrize("source", ["from rgan.cli import samples_frame\n", "from rgan import cli\n",
                                    "import rgan.cli\n", "def f():\n    from rgan.cli import main\n"])
def test_checker_detects_cli_imports(tmp_path: Path, source: str):
    bad = tmp_path / "bad.py"
    bad.write_text(source)
    assert imports_cli(bad)


def long_modules_without_reason(paths: list[Path], root: Path = ROOT) -> list[str]:
    """Modules over MAX_LINES lines whose docstring does not say why they are long."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if LONG_REASON not in doc:
                found.append(f"{path.relative_to(root)} ({text.count(chr(10))} lines)")
    return found


def test_modules_stay_short_or_say_why():
    """One concern per module: a newcomer reads a module in a sitting (README, Architecture)."""
    assert long_modules_without_reason(sorted(RGAN.rglob("*.py"))) == []


def test_length_checker(tmp_path: Path):
    long_body = "x = 1\n" * (MAX_LINES + 1)
    plain, explained = tmp_path / "plain.py", tmp_path / "explained.py"
    plain.write_text('"""A module."""\n' + long_body)
    explained.write_text(f'"""A module.\n\n{LONG_REASON} it is one table.\n"""\n' + long_body)
    (tmp_path / "short.py").write_text('"""Short."""\nx = 1\n')
    found = long_modules_without_reason(sorted(tmp_path.glob("*.py")), root=tmp_path)
    assert found == [f"plain.py ({MAX_LINES + 2} lines)"]


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
