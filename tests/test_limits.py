"""One table of allowed ranges (rgan/limits.py): it covers every number of the configs, the defaults and
presets fit it, and the forms take their ranges from it (so the checkpoint loader and the forms agree)."""

from __future__ import annotations

import ast
from dataclasses import asdict, fields
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rgan import limits
from rgan.data import MAX_COLUMNS, DataConfig
from rgan.models import ModelConfig
from rgan.presets import PRESETS
from rgan.train import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
FORM_FILES = [ROOT / "rgan" / "dashboard" / name for name in ("widgets.py", "data_view.py", "live.py")]
# Each form field's label -> the table entry its range must be.
FORM_RANGES = {
    "G hidden": ("MODEL", "g_hidden"), "D hidden": ("MODEL", "d_hidden"), "G layers": ("MODEL", "g_layers"),
    "D layers": ("MODEL", "d_layers"), "Noise per step": ("MODEL", "noise_dim"),
    "Noise per sequence": ("MODEL", "static_noise_dim"), "Steps per cell": ("MODEL", "patch"), "Position over steps": ("MODEL", "position"),
    "G burn-in (cells)": ("MODEL", "burn_in"), "G's reach past the data": ("MODEL", "g_margin"),
    "lr G": ("TRAIN", "lr_g"), "lr D": ("TRAIN", "lr_d"),
    "D steps per G step": ("TRAIN", "d_steps"), "Batch size": ("TRAIN", "batch_size"), "Steps": ("TRAIN", "steps"),
    "Sample from G's weight average (decay)": ("TRAIN", "ema_decay"),
    "Late in the run, average this share of it": ("TRAIN", "ema_tail"),
    "Moment loss": ("TRAIN", "moment_weight"),
    "Correlation loss": ("TRAIN", "corr_weight"), "Change loss": ("TRAIN", "change_weight"),
    "Principal-axes loss": ("TRAIN", "pca_weight"), "Shape loss": ("TRAIN", "shape_weight"),
    "Unroll after (steps)": ("TRAIN", "unroll_after"), "Class critic": ("TRAIN", "class_weight"),
    "Quantile loss": ("TRAIN", "quantile_weight"), "Roughness loss": ("TRAIN", "rough_weight"),
    "Label smoothing": ("TRAIN", "label_smoothing"),
    "Power scale above skewness": ("TRAIN", "skew_limit"), "Rates fall over (steps)": ("TRAIN", "lr_decay_steps"),
    "...to this share of them": ("TRAIN", "lr_floor"), "...D's own share (0 = the same)": ("TRAIN", "lr_floor_d"),
    "Gradient penalty": ("TRAIN", "gp_weight"), "Gradient clip": ("TRAIN", "grad_clip"),
    "Adam β1": ("TRAIN", "beta1"), "Adam β2": ("TRAIN", "beta2"), "Unroll (windows)": ("TRAIN", "unroll"),
    "Sequence length (seq_len)": ("DATA", "seq_len"),
    "Stride": ("DATA", "stride"), "Sequences": ("SYNTHETIC", "n_samples"), "Features": ("SYNTHETIC", "n_features"),
}
SEEDS = {"train_seed": ("TRAIN", "seed"), "ds_seed": ("SYNTHETIC", "seed")}  # two fields labelled "Seed"


def numeric_fields(cls: type) -> list[str]:
    return [f.name for f in fields(cls) if f.type in ("int", "float", int, float)]


@pytest.mark.parametrize(("cls", "table"), [(ModelConfig, limits.MODEL), (TrainConfig, limits.TRAIN)])
def test_every_number_of_the_configs_has_a_range(cls, table):
    """The checkpoint loader refuses a number without a range, so a new field needs an entry here."""
    assert sorted(numeric_fields(cls)) == sorted(table)
    for lo, hi in table.values():
        assert lo <= hi and type(lo) is type(hi)


def test_data_ranges_match_the_data_reader_and_labels():
    assert {"seq_len", "stride"} <= set(numeric_fields(DataConfig)) and {"seq_len", "stride"} <= set(limits.DATA)
    assert limits.DATA["n_features"] == (1, MAX_COLUMNS)
    from rgan.data.labels import MAX_CLASSES

    assert limits.MODEL["n_classes"] == (0, MAX_CLASSES)


@pytest.mark.parametrize("config", [ModelConfig(), TrainConfig()] + [c for p in PRESETS.values()
                                                                     for c in (p.model, p.train)],
                         ids=lambda c: type(c).__name__)
def test_defaults_and_presets_fit_the_table(config):
    table = limits.MODEL if isinstance(config, ModelConfig) else limits.TRAIN
    for name, value in asdict(config).items():
        if name in table:
            lo, hi = table[name]
            assert lo <= value <= hi, (name, value)


def test_the_size_limit_setting():
    assert limits.checkpoint_max_bytes({}) == 4096 * 2**20
    assert limits.checkpoint_max_bytes({"RGAN_MAX_CHECKPOINT_MB": " 1.5 "}) == int(1.5 * 2**20)
    for bad in ("0", "-3", "nan", "inf", "lots"):
        with pytest.raises(ValueError, match="RGAN_MAX_CHECKPOINT_MB must be a positive number of megabytes"):
            limits.checkpoint_max_bytes({"RGAN_MAX_CHECKPOINT_MB": bad})


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_no_form_range_is_a_literal(path):
    """Every ``checked_number`` call (directly or through a ``num = partial(...)``) takes its range as
    ``*limits.X[...]`` or a name bound to the table, never as numbers written in the call."""
    calls = [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
             in ("checked_number", "num")]
    assert calls, path
    for call in calls:
        assert any(isinstance(a, ast.Starred) for a in call.args), ast.unparse(call)[:80]
        literals = [a for a in call.args if isinstance(a, (ast.Constant, ast.BinOp, ast.UnaryOp))
                    and not isinstance(getattr(a, "value", None), str)]
        assert not literals, ast.unparse(call)[:80]


def test_live_controls_use_the_table():
    from rgan.dashboard import live

    assert live.MORE_STEPS is limits.CONTROLS["more_steps"] and live.STEP_N is limits.CONTROLS["step_n"]


@pytest.mark.usefixtures("app_state")
def test_forms_draw_the_ranges_of_the_table(monkeypatch):
    """Change every entry of the table, draw the Train and Data pages, and every number field follows."""
    from rgan.dashboard import ui

    for table in (limits.MODEL, limits.TRAIN, limits.DATA, limits.SYNTHETIC):
        for name, (lo, hi) in list(table.items()):
            monkeypatch.setitem(table, name, (lo, hi * 3 + 7))  # a range no form had before
    drawn: dict[str, tuple[float, float]] = {}
    original = ui.checked_number

    def recording(where, label, lo, hi, *, key, **kwargs):
        drawn[("train_seed" if key.endswith("seed") and "ds_" not in key else "ds_seed") if label == "Seed"
              else label] = (lo, hi)
        return original(where, label, lo, hi, key=key, **kwargs)

    monkeypatch.setattr(ui, "checked_number", recording)
    for page in ("pages/train.py", "pages/data.py"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(page)
        at.run()
        if page == "pages/data.py":  # a file's rows are windowed with a stride; the synthetic sets are not
            at.selectbox(key="ds_name").set_value("stocks").run()
        assert not at.exception, page
    expected = {label: getattr(limits, table)[name] for label, (table, name) in {**FORM_RANGES, **SEEDS}.items()}
    assert drawn == expected
