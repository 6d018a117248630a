"""The command line as a user runs it: train, sample, datasets, help and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rgan.train import Trainer

ROOT = Path(__file__).resolve().parents[1]


def rgan(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rgan", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


TINY = ["--g-hidden", "8", "--d-hidden", "8", "--g-layers", "1", "--batch-size", "16", "--device", "cpu", "--threads", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    result = rgan("train", "--dataset", "sines", "--seq-len", "12", "--steps", "25", "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    return out


def test_train_writes_checkpoint_and_log(trained: Path):
    assert (trained / "checkpoint.pt").stat().st_size > 0
    lines = (trained / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 25
    assert (trained / "config.json").exists()


def test_sample_writes_csv_in_data_units(trained: Path, tmp_path: Path):
    out = tmp_path / "samples.csv"
    result = rgan("sample", "--checkpoint", str(trained / "checkpoint.pt"), "--n", "7", "--out", str(out))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns[:2]) == ["sample_id", "step"]
    assert len(frame) == 7 * 12 and frame["sample_id"].nunique() == 7
    assert set(frame["step"]) == set(range(12))


def test_train_names_skewed_features_and_samples_map_them_back(tmp_path: Path):
    """Stocks' Volume (skewness 3.0) is learned on a power scale; the CLI says so, and sampled volumes come back
    in the file's units, within the data's range."""
    out = tmp_path / "run"
    result = rgan("train", "--dataset", "stocks", "--seq-len", "12", "--steps", "3", "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert "Skewed: Volume (skewness 3.0)" in result.stderr
    sample = tmp_path / "s.csv"
    assert rgan("sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "20", "--out", str(sample)).returncode == 0
    volume = pd.read_csv(sample)["Volume"].to_numpy()
    trainer = Trainer.load(out / "checkpoint.pt", device="cpu")
    assert trainer.warp is not None and trainer.warp.features == (5,)
    np.testing.assert_allclose(volume, trainer.sample(20, seed=0)[..., 5].ravel(), rtol=1e-4)  # mapped back
    real = pd.read_csv(ROOT / "rgan" / "data" / "_files" / "stock_data.csv")["Volume"]
    assert real.min() <= volume.min() and volume.max() <= real.max()
    off = rgan("train", "--dataset", "stocks", "--seq-len", "12", "--steps", "1", "--skew-limit", "0",
               "--out", str(tmp_path / "off"), *TINY)
    assert off.returncode == 0 and "Skewed" not in off.stderr


def test_train_on_csv_with_max_seconds(tmp_path: Path):
    csv = tmp_path / "sensor.csv"
    t = pd.date_range("2024-01-01", periods=300, freq="h")
    pd.DataFrame({"time": t, "temp": range(300), "hum": [i % 7 for i in range(300)]}).to_csv(csv, index=False)
    out = tmp_path / "run"
    result = rgan("train", "--data", str(csv), "--seq-len", "16", "--steps", "100000", "--max-seconds", "2", "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert "stopped by time" in result.stderr
    sample = tmp_path / "s.csv"
    assert rgan("sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "2", "--out", str(sample)).returncode == 0
    assert list(pd.read_csv(sample).columns) == ["sample_id", "time", "temp", "hum"]  # the file's own layout


def test_a_batch_larger_than_the_data_is_noted(tmp_path: Path):
    csv = tmp_path / "short.csv"
    pd.DataFrame({"x": range(40)}).to_csv(csv, index=False)
    out = str(tmp_path / "o")
    result = rgan("train", "--data", str(csv), "--seq-len", "16", "--steps", "2", "--out", out, *TINY, "--batch-size", "64")
    assert result.returncode == 0, result.stderr
    assert "note: Batch size 64 is larger than the 25 training sequences" in result.stderr


def test_bad_data_exits_nonzero_with_one_line(tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = rgan("train", "--data", str(empty), "--steps", "5", "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_missing_file_and_bad_checkpoint(tmp_path: Path):
    result = rgan("train", "--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "no such file" in result.stderr
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    result = rgan("sample", "--checkpoint", str(junk), "--out", str(tmp_path / "s.csv"))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "checkpoint" in result.stderr


def test_datasets_and_help():
    result = rgan("datasets")
    assert result.returncode == 0
    for name in ("sines", "stocks"):
        assert name in result.stdout
    helptext = rgan("train", "--help").stdout
    for flag in ("--g-cell", "--d-cell", "--g-hidden", "--d-hidden", "--g-layers", "--d-layers", "--seq-len", "--steps", "--max-seconds", "--seed", "--device", "--out"):
        assert flag in helptext


def test_evaluate_finds_recorded_data_and_writes_json(trained: Path, tmp_path: Path):
    import json

    out = tmp_path / "scores.json"
    result = rgan("evaluate", "--checkpoint", str(trained / "checkpoint.pt"), "--quick", "--n", "200", "--json", str(out))
    assert result.returncode == 0, result.stderr
    scores = json.loads(out.read_text())["scores"]
    assert 0 <= scores["discriminative"] <= 0.5
    assert scores["predictive"] > 0 and scores["mmd"] >= 0
    assert "discriminative" in result.stdout


def test_evaluate_rejects_mismatched_data(trained: Path):
    result = rgan("evaluate", "--checkpoint", str(trained / "checkpoint.pt"), "--dataset", "stocks", "--seq-len", "12", "--quick")
    assert result.returncode == 2 and "features" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------------- labels
def _wide_labelled(path: Path, n: int = 30, steps: int = 10) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    values = rng.normal(size=(n, steps)).round(3)
    frame = pd.DataFrame(values, columns=[f"h{i:02d}" for i in range(steps)])
    frame.insert(0, "label", 1 + np.arange(n) % 2)
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("labelled")
    data = _wide_labelled(out / "wide.csv")
    result = rgan("train", "--data", str(data), "--label-column", "label", "--seq-len", "10", "--steps", "5",
                  "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    return out


def test_train_says_when_windows_cut_whole_sequences_into_pieces(labelled: Path, tmp_path: Path):
    result = rgan("train", "--data", str(labelled / "wide.csv"), "--seq-len", "4", "--steps", "2",
                  "--out", str(tmp_path), *TINY)
    assert result.returncode == 0, result.stderr
    assert "every sequence in this file is 10 steps long" in result.stderr and "--seq-len 10" in result.stderr
    whole = rgan("train", "--data", str(labelled / "wide.csv"), "--seq-len", "10", "--steps", "2",
                 "--out", str(tmp_path / "whole"), *TINY)
    assert whole.returncode == 0 and "every sequence" not in whole.stderr


def test_sample_label_length_and_format_on_a_wide_file(labelled: Path, tmp_path: Path):
    out = tmp_path / "wide.csv"
    result = rgan("sample", "--checkpoint", str(labelled / "checkpoint.pt"), "--n", "4", "--label", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)  # wide in, wide out: the label column, then the file's step columns
    assert list(table.columns) == ["label"] + [f"h{i:02d}" for i in range(10)]
    assert table["label"].tolist() == [2, 2, 2, 2]
    result = rgan("sample", "--checkpoint", str(labelled / "checkpoint.pt"), "--n", "3", "--label", "1", "--label", "2",
                  "--length", "25", "--format", "long", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == ["sample_id", "step", "value", "label"] and len(table) == 3 * 25
    assert table.groupby("sample_id")["label"].first().tolist() == [1, 2, 1]
    assert "Note: G was trained to run 10 steps (windows of 10, unroll 1)" in result.stderr  # 25 > 2 x 10
    assert "--length 25` scores their start and end" in result.stderr


def test_unknown_label_and_bad_label_column_exit_2_with_one_line(labelled: Path, tmp_path: Path):
    result = rgan("sample", "--checkpoint", str(labelled / "checkpoint.pt"), "--label", "9", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: Unknown label '9'; this model knows: 1, 2."
    result = rgan("train", "--data", str(labelled / "wide.csv"), "--label-column", "h03", "--seq-len", "10",
                  "--steps", "1", "--out", str(tmp_path / "run"), *TINY)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: Label column 'h03' has 30 different values for 30 sequences; a label needs "
                                     "at most 15 classes with several sequences each: choose a column of categories.")


def test_evaluate_scores_tstr_and_long_sample_drift(labelled: Path):
    result = rgan("evaluate", "--checkpoint", str(labelled / "checkpoint.pt"), "--quick", "--length", "30", timeout=400)
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()]
    for name in ("tstr_accuracy", "trtr_accuracy", "tstr_ratio", "tstr_class_1", "discriminative_start_of_30",
                 "discriminative_end_of_30"):
        assert name in names
