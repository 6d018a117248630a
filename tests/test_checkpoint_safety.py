"""Checkpoints from anyone: crafted files are refused in one sentence by the library, the command line and
the Compare page, before anything they claim is allocated (peak memory measured in a fresh process)."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from rgan import cli, limits
from rgan.data import DataConfig, from_array
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import TrainConfig, Trainer
from rgan.train.checkpoint_archive import TORCH_FLOOR, CheckpointError, torch_floor_problem

ROOT = Path(__file__).resolve().parents[1]
NOT_OURS = "it was not written by RGAN Studio or was modified."
MEMORY_BOUND_MB = 200  # peak growth allowed while refusing one crafted file


class _Evil:
    def __reduce__(self):
        return (eval, ("__import__('pathlib').Path('PWNED').touch()",))


# ------------------------------------------------------------------------------- crafting the files
def good_state() -> dict:
    """A small real checkpoint, one step trained (so the optimisers have state), with G's weight average."""
    x = np.random.default_rng(0).random((32, 8, 2)).astype(np.float32)
    data = from_array(x, ["a", "b"], DataConfig(seq_len=8), name="tiny")
    model = ModelConfig(noise_dim=2, static_noise_dim=1, g_hidden=8, g_layers=1, d_hidden=8, d_layers=1)
    trainer = Trainer(data, model, TrainConfig(batch_size=8, steps=5, device="cpu", preview_size=4, ema_decay=0.9))
    trainer.step()
    return trainer.state_dict()


def rezip(src: Path, dst: Path, *, compress: bool = False, edit=None, extra: dict[str, bytes] | None = None) -> Path:
    """Copy the archive ``src`` entry by entry: deflated, with ``edit(name, bytes)`` applied, plus ``extra``."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", method) as new:
        for info in old.infolist():
            content = old.read(info)
            new.writestr(info.filename, edit(info.filename, content) if edit else content)
        for name, content in (extra or {}).items():
            new.writestr(name, content)
    return dst


def apply_claims(state: dict, changes: dict) -> None:
    """Set ``model__x`` (model config), ``train__x`` (training config) or ``x`` (an entry) in ``state``."""
    for key, value in changes.items():
        section, _, name = key.rpartition("__")
        target = {"model": state["model_config"], "train": state["train_config"], "": state}[section]
        target[name] = value


def claiming(**changes):
    """A maker of a checkpoint whose configs or entries claim ``changes`` (see :func:`apply_claims`)."""
    def make(state: dict, path: Path) -> Path:
        apply_claims(state, changes)
        torch.save(state, path)
        return path
    return make


def with_tensor(section: str, key: str, tensor: torch.Tensor):
    def make(state: dict, path: Path) -> Path:
        state[section][key] = tensor
        torch.save(state, path)
        return path
    return make


def compressed(state: dict, path: Path) -> Path:
    state["padding"] = torch.zeros(25 * 2**20 // 4)  # 25 MB of zeros: a few kB deflated
    torch.save(state, path.with_suffix(".plain"))
    return rezip(path.with_suffix(".plain"), path, compress=True)


def unknown_entry(state: dict, path: Path) -> Path:
    torch.save(state, path.with_suffix(".plain"))
    return rezip(path.with_suffix(".plain"), path, extra={"archive/code/evil.py": b"import os"})


def storage_lie(state: dict, path: Path) -> Path:
    """Tensor data cut to 4 bytes while the description still claims the full size."""
    torch.save(state, path.with_suffix(".plain"))
    return rezip(path.with_suffix(".plain"), path, edit=lambda name, b: b[:4] if name.endswith("/data/0") else b)


def many_entries(state: dict, path: Path) -> Path:
    torch.save(state, path.with_suffix(".plain"))
    return rezip(path.with_suffix(".plain"), path, extra={f"archive/data/{9000 + i}": b"" for i in range(1100)})


def not_a_zip(state: dict, path: Path) -> Path:
    path.write_bytes(b"this is not a checkpoint at all\n" * 100)
    return path


def truncated(state: dict, path: Path) -> Path:
    torch.save(state, path.with_suffix(".plain"))
    content = path.with_suffix(".plain").read_bytes()
    path.write_bytes(content[: len(content) // 2])
    return path


def evil_global(state: dict, path: Path) -> Path:
    state["x"] = _Evil()
    torch.save(state, path)
    return path


def many_instructions(state: dict, path: Path) -> Path:
    state["feature_names"] = [f"f{i}" for i in range(300_000)]  # two instructions each (a string, a memo)
    torch.save(state, path)
    return path


def near_limit_instructions(state: dict, path: Path) -> Path:
    state["feature_names"] = [f"f{i}" for i in range(240_000)]  # under the limit: unpickled, then refused
    torch.save(state, path)
    return path


def memo_bomb(state: dict, path: Path) -> Path:
    """A pickle of the most objects its size allows: empty lists, each kept in the memo too."""
    torch.save(state, path.with_suffix(".plain"))
    # PROTO 2, EMPTY_LIST, then (EMPTY_LIST, LONG_BINPUT i, APPEND) 166,000 times, STOP: 498,002 instructions
    bomb = b"\x80\x02]" + b"".join(b"]r" + struct.pack("<I", i) + b"a" for i in range(166_000)) + b"."
    return rezip(path.with_suffix(".plain"), path, edit=lambda name, b: bomb if name.endswith("/data.pkl") else b)


# The largest model the forms allow, claimed by a file holding the tiny model's weights: every value is
# in range, so only comparing shapes on the meta device stops it. Loading it the old way (build, then
# load the weights) allocates the networks, their average and Adam's state: several GB.
BIG_CLAIM = {"model__g_hidden": 1024, "model__g_layers": 6, "model__d_hidden": 1024, "model__d_layers": 6,
             "model__noise_dim": 256, "model__static_noise_dim": 256, "train__preview_size": 256, "seq_len": 2000}
NOT_A_ZIP = "This file is not a checkpoint (not a zip archive, or cut short); choose a .pt file saved by RGAN Studio."

CRAFTED = {  # name: (maker, the refusal's exact text, or a pattern it matches)
    "huge-hidden": (claiming(model__g_hidden=20_000, model__g_layers=4),
                    "This checkpoint claims a generator of 20,000 hidden units; at most 1,024 are allowed."),
    "huge-seq-len": (claiming(seq_len=10**8),
                     "This checkpoint claims sequences of 100,000,000 steps; at most 2,000 are allowed."),
    "huge-preview": (claiming(train__preview_size=10**7),
                     "This checkpoint claims a preview of 10,000,000 sequences; at most 256 are allowed."),
    "huge-features": (claiming(n_features=10**6),
                      "This checkpoint claims 1,000,000 features; at most 20,000 are allowed."),
    "nan-rate": (claiming(train__lr_g=float("nan")),
                 "This checkpoint claims train_config.lr_g = nan; it must be from 1e-06 to 0.5."),
    "text-size": (claiming(model__g_hidden="64"),
                  f"This checkpoint's model_config.g_hidden is str, not a whole number, so {NOT_OURS}"),
    "big-claim-small-weights": (
        claiming(**BIG_CLAIM),
        ("This checkpoint's weights do not match its settings (generator.rnn.weight_ih_l0 is 24 x 3, expected "
         f"3,072 x 512): {NOT_OURS}")),
    "wrong-shape": (with_tensor("discriminator", "out.weight", torch.zeros(1, 5)),
                    ("This checkpoint's weights do not match its settings (discriminator.out.weight is 1 x 5, "
                     f"expected 1 x 8): {NOT_OURS}")),
    "wrong-dtype": (with_tensor("generator", "out.bias", torch.zeros(2, dtype=torch.float64)),
                    ("This checkpoint's weights do not match its settings (generator.out.bias is torch.float64, "
                     f"expected torch.float32): {NOT_OURS}")),
    "optimizer-shape": (
        lambda s, p: (s["opt_g"]["state"][0].update(exp_avg=torch.zeros(3, 3)), torch.save(s, p), p)[-1],
        ("This checkpoint's weights do not match its settings (opt_g.state.0.exp_avg is 3 x 3, expected 24 x 3): "
         f"{NOT_OURS}")),
    "compressed": (compressed, f"This checkpoint's entries are compressed, which PyTorch never does, so {NOT_OURS}"),
    "unknown-entry": (unknown_entry,
                      f"This file holds 'archive/code/evil.py', which a checkpoint never holds, so {NOT_OURS}"),
    "storage-lie": (storage_lie, re.compile(r"This checkpoint's tensors claim [\d,]+ bytes but it holds [\d,]+, so "
                                            + re.escape(NOT_OURS))),
    "many-entries": (many_entries, re.compile(r"This file holds 1,1\d\d entries; a checkpoint has at most 1,024, so "
                                              + re.escape(NOT_OURS))),
    "not-a-zip": (not_a_zip, NOT_A_ZIP),
    "truncated": (truncated, NOT_A_ZIP),
    "evil-global": (evil_global, ("This checkpoint holds a Python object (eval) where only tensors and plain "
                                  f"values belong, so {NOT_OURS}")),
    "near-limit-instructions": (near_limit_instructions,
                                f"This checkpoint's feature names are not 2 names, so {NOT_OURS}"),
    "memo-bomb": (memo_bomb, "This file is not an RGAN Studio checkpoint; choose a .pt file saved by RGAN Studio."),
    "many-instructions": (many_instructions, ("This checkpoint's description has over 500,000 pickle instructions; "
                                              f"RGAN Studio's have far fewer, so {NOT_OURS}")),
}


@pytest.fixture(scope="module")
def crafted(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crafted")
    files = {name: make(good_state(), folder / f"{name}.pt") for name, (make, _) in CRAFTED.items()}
    files["good"] = folder / "good.pt"
    torch.save(good_state(), files["good"])
    return files


def assert_refusal(message: str, expected) -> None:
    if isinstance(expected, re.Pattern):
        assert expected.fullmatch(message), message
    else:
        assert message == expected
    assert "\n" not in message and not re.search(r"[.;:] [A-Z]", message.replace("RGAN", "rgan")), "one sentence"


# ---------------------------------------------------------------------------------------- library
@pytest.mark.parametrize("name", CRAFTED)
def test_library_refuses_each_crafted_file(crafted, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointError) as e:
        Trainer.load(crafted[name], device="cpu")
    assert_refusal(str(e.value), CRAFTED[name][1])
    assert not (tmp_path / "PWNED").exists()


def test_a_good_checkpoint_still_loads_and_samples_the_same(crafted):
    state = torch.load(crafted["good"], weights_only=True)
    trainer = Trainer.load(crafted["good"], device="cpu")
    again = Trainer.from_state(state, device="cpu")
    assert trainer.step_count == 1 and trainer.generator_ema is not None
    np.testing.assert_array_equal(trainer.sample(5, seed=3), again.sample(5, seed=3))


def test_weights_in_one_shared_block_load(tmp_path):
    """On CUDA, cuDNN keeps a recurrent layer's weights as views of one block, and torch.save writes that
    block once: such a file (made here on the CPU) must pass the storage checks and load the same weights."""
    state = good_state()
    weights = state["generator"]
    block = torch.cat([t.reshape(-1) for t in weights.values()])  # (total,)
    views, at = {}, 0
    for key, t in weights.items():
        views[key] = block[at:at + t.numel()].view(t.shape)
        at += t.numel()
    state["generator"] = views
    torch.save(state, tmp_path / "shared.pt")
    trainer = Trainer.load(tmp_path / "shared.pt", device="cpu")
    for key, t in weights.items():
        torch.testing.assert_close(trainer.generator.state_dict()[key], t)


def test_a_state_in_memory_is_checked_too(crafted):
    state = torch.load(crafted["good"], weights_only=True)
    state["model_config"]["d_layers"] = 7
    with pytest.raises(CheckpointError, match="claims a discriminator of 7 layers; at most 6 are allowed"):
        Trainer.from_state(state, device="cpu")


def test_the_size_cap_comes_from_the_environment(crafted, monkeypatch):
    monkeypatch.setenv(limits.CHECKPOINT_MB_ENV, "0.01")
    with pytest.raises(CheckpointError) as e:
        Trainer.load(crafted["good"], device="cpu")
    assert_refusal(str(e.value), re.compile(r"This checkpoint holds 0\.\d+ MB; at most 0\.01 MB are allowed on this "
                                            r"server \(RGAN_MAX_CHECKPOINT_MB sets the limit\)\."))
    monkeypatch.setenv(limits.CHECKPOINT_MB_ENV, "lots")
    with pytest.raises(CheckpointError) as e:
        Trainer.load(crafted["good"], device="cpu")
    assert_refusal(str(e.value), "RGAN_MAX_CHECKPOINT_MB must be a positive number of megabytes (it is 'lots'); fix "
                                 "the server's setting.")
    monkeypatch.setenv(limits.CHECKPOINT_MB_ENV, "1")
    assert Trainer.load(crafted["good"], device="cpu").step_count == 1
    monkeypatch.delenv(limits.CHECKPOINT_MB_ENV)
    assert limits.checkpoint_max_bytes() == 4096 * 2**20


def test_older_torch_is_refused(crafted, monkeypatch):
    assert TORCH_FLOOR == (2, 10, 0)
    for version in ("2.10.0", "2.13.0+cpu", "3.0"):
        assert torch_floor_problem(version) is None, version
    for version in ("2.5.1", "2.9.1+cu121", "1.13.1"):
        assert "install torch 2.10.0 or newer" in torch_floor_problem(version), version
    monkeypatch.setattr(torch, "__version__", "2.9.1")
    with pytest.raises(CheckpointError) as e:
        Trainer.load(crafted["good"], device="cpu")
    assert_refusal(str(e.value), "Checkpoints are not read on this server because it runs PyTorch 2.9.1, whose "
                                 "torch.load has known security flaws; install torch 2.10.0 or newer (pip install "
                                 "'torch>=2.10.0').")


def test_requirements_floor_matches_the_loader():
    floor = re.search(r"^torch>=([\d.]+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE).group(1)
    assert tuple(int(p) for p in floor.split(".")) + (0,) * (3 - len(floor.split("."))) == TORCH_FLOOR


def test_resume_reads_through_the_same_checks(crafted, tmp_path):
    """A run's own checkpoint, replaced by a crafted file, is refused on resume and when its step is read."""
    import shutil

    from rgan.runs.store import RunStore

    store = RunStore(tmp_path / "runs")
    run_id = "r" * 24
    store.checkpoint_path(run_id).parent.mkdir(parents=True)
    shutil.copy(crafted["big-claim-small-weights"], store.checkpoint_path(run_id))
    for read in (lambda: store.load_trainer(run_id, None, "cpu"), lambda: store.checkpoint_step(run_id)):
        with pytest.raises(CheckpointError) as e:
            read()
        assert_refusal(str(e.value), CRAFTED["big-claim-small-weights"][1])
    shutil.copy(crafted["good"], store.checkpoint_path(run_id))
    assert store.checkpoint_step(run_id) == 1 and store.load_trainer(run_id, None, "cpu").step_count == 1


# ------------------------------------------------------------------------------------ command line
@pytest.mark.parametrize("name", CRAFTED)
def test_cli_refuses_each_crafted_file(crafted, name, tmp_path, capsys):
    assert cli.main(["sample", "--checkpoint", str(crafted[name]), "--out", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: This ") and err.count("\n") == 1 and "Traceback" not in err
    assert_refusal(err.removeprefix("error: ").strip(), CRAFTED[name][1])
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize("name", ["huge-hidden", "huge-seq-len", "big-claim-small-weights", "compressed"])
def test_cli_process_exits_2_with_one_line(crafted, name, tmp_path):
    result = subprocess.run([sys.executable, "-m", "rgan", "sample", "--checkpoint", str(crafted[name]), "--out",
                             str(tmp_path / "s.csv")], check=False, cwd=ROOT, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert_refusal(line.removeprefix("error: "), CRAFTED[name][1])


# ------------------------------------------------------------------------------------------ the app
def open_upload() -> AppTest:
    from rgan.dashboard import compare

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/compare.py")
    at.session_state["cmp_kind"] = compare.FROM_FILE
    return at.run()


@pytest.mark.usefixtures("app_state")
def test_compare_page_refuses_crafted_uploads_and_stays_usable(crafted):
    at = open_upload()
    for name in ("huge-hidden", "big-claim-small-weights", "compressed", "evil-global", "not-a-zip"):
        at.file_uploader(key="cmp_checkpoint").set_value((f"{name}.pt", crafted[name].read_bytes(),
                                                          "application/octet-stream")).run()
        assert not at.exception, name
        (error,) = [e.value.replace("\\", "") for e in at.error]  # markdown escapes removed
        assert error == f"Could not use {name}.pt: {CRAFTED[name][1]}", error
    at.file_uploader(key="cmp_checkpoint").set_value(("good.pt", crafted["good"].read_bytes(),
                                                      "application/octet-stream")).run()
    assert not at.exception and not at.error, "a good file after the bad ones works"


# ------------------------------------------------------------------------------------- peak memory
_MEASURE = """
import json, re, sys, torch
from rgan.train import Trainer
from rgan.train.checkpoint_archive import CheckpointError


def kib(field):
    return int(re.search(field + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))


def peak_growth_mb(action):
    # The peak resident size is reset (Linux: 5 > clear_refs), so each action's own peak is measured,
    # not the import's.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = kib("VmRSS")
    try:
        action()
        return None  # no refusal: the test fails on it
    except CheckpointError:
        pass
    finally:
        after = kib("VmHWM")
    return (after - before) / 1024


def allocate_100_mb():
    x = torch.ones(100 * 2**20 // 4)
    raise CheckpointError(str(float(x[0])))


Trainer.load(sys.argv[1], device="cpu")  # imports and first-use costs, outside the measurement
growth = {"control-100-MB": peak_growth_mb(allocate_100_mb)}
for path in sys.argv[2:]:
    growth[path] = peak_growth_mb(lambda: Trainer.load(path, device="cpu"))
print(json.dumps(growth))
"""


def claimed_bytes(state: dict) -> int:
    """What building the claimed model takes: G, its average, D, Adam's two moments of each, preview noise."""
    model = ModelConfig(**{k: v for k, v in state["model_config"].items() if k in ModelConfig.__dataclass_fields__})
    with torch.device("meta"):
        g, d = Generator(state["n_features"], model), Discriminator(state["n_features"], model)
    n_g, n_d = (sum(p.numel() for p in net.parameters()) for net in (g, d))
    noise = state["train_config"]["preview_size"] * state["seq_len"] * model.generator_input_dim
    return 4 * (4 * n_g + 3 * n_d + noise)


def test_refusing_crafted_files_takes_bounded_memory(crafted):
    """Each crafted file is refused in a process whose peak memory grows less than the bound while it
    does; the figures are printed (run with -s to see them). A control allocation of 100 MB shows that
    the measurement sees memory."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("peak memory is measured with Linux's /proc/self/clear_refs")
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(crafted["good"]), *(str(crafted[n]) for n in CRAFTED)],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    growth = {Path(p).stem: mb for p, mb in json.loads(result.stdout).items()}
    state = good_state()
    apply_claims(state, BIG_CLAIM)
    print("\npeak memory growth while refusing (MB): " + ", ".join(f"{n} {mb:.1f}" for n, mb in growth.items())
          + f"; building what big-claim-small-weights claims takes {claimed_bytes(state) / 2**30:.1f} GB")
    assert 90 < growth.pop("control-100-MB") < 130, "the measurement sees a 100 MB allocation"
    assert all(mb is not None for mb in growth.values()), "every crafted file is refused"
    assert max(growth.values()) < MEMORY_BOUND_MB, growth
