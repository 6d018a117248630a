"""Compare page helpers: pick a model (one of this browser's runs or an uploaded checkpoint), sample it,
and hand real and generated sequences to the charts, the downloads and the metric suite."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from rgan.cli import samples_frame
from rgan.dashboard import state, ui
from rgan.data import SequenceData
from rgan.runs import RunRegistry
from rgan.train import Trainer

FROM_RUN, FROM_FILE = "One of your runs", "Upload a checkpoint"


@dataclass
class Model:
    """Whatever can generate: a label, a sampler and (optionally) the real data it was trained on."""

    label: str  # plain text, shown escaped
    feature_names: list[str]
    seq_len: int
    sample: Callable[[int, int], np.ndarray | None]  # (n, seed) -> (n, T, F) in data units, None if not ready
    data: SequenceData | None  # real data to compare with (same features and length), or None
    checkpoint: Path | None  # file offered for download, or None
    file_stem: str  # for download file names


@dataclass
class Comparison:
    """Real and generated sequences for one model, in data units and scaled to [0, 1] as the metrics expect."""

    model: Model
    fake: np.ndarray  # (n, T, F) data units
    real: np.ndarray | None  # (m, T, F) data units, picked at random from the training windows
    fake_scaled: np.ndarray | None  # (n, T, F) float32 in [0, 1] on the real data's scale
    real_scaled: np.ndarray | None  # (m, T, F) float32


def choose_model(reg: RunRegistry, owner: str) -> Model | None:
    """Source picker; returns None (after saying why) when there is nothing to compare yet."""
    runs = reg.list_runs(owner)
    kind = st.segmented_control("Model", [FROM_RUN, FROM_FILE], key="cmp_kind", required=True,
                                default=FROM_RUN if runs else FROM_FILE)
    if kind == FROM_FILE:
        return _uploaded_model()
    if not runs:
        st.info("You have no runs yet: start one on the Train page, or upload a checkpoint.", icon=":material/info:")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        return None
    ids = [r.id for r in runs]
    current = state.current_run(reg)
    labels = {r.id: ui.run_label(r.id, r.source.name, r.state, r.step, r.train_config.steps) for r in runs}
    if st.session_state.get("cmp_run") not in ids:
        st.session_state["cmp_run"] = current.id if current is not None and current.id in ids else ids[0]
    run_id = st.selectbox("Run", ids, key="cmp_run", format_func=labels.get)
    state.set_current_run(run_id)
    run = reg.get(run_id)
    data = state.run_data(run)
    names = run.feature_names or (data.feature_names if data else [])
    return Model(
        label=labels[run_id],
        feature_names=list(names),
        seq_len=run.source.config.seq_len,
        sample=lambda n, seed: state.use_trainer(run, lambda t: t.sample(n, seed=seed)),
        data=data,
        checkpoint=run.checkpoint_path,
        file_stem=f"rgan-{ui.short_id(run_id)}",
    )


@st.cache_resource(show_spinner="Reading checkpoint…", max_entries=4)
def _trainer_from_upload(digest: str, _content: bytes) -> Trainer:
    # torch.load wants a file; weights_only=True inside Trainer.load refuses anything but tensors and plain data.
    fd, path = tempfile.mkstemp(suffix=".pt")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_content)
        return Trainer.load(path, device="auto")
    finally:
        os.unlink(path)


def _uploaded_model() -> Model | None:
    upload = st.file_uploader("Checkpoint saved by RGAN Studio (.pt)", type=["pt"], key="cmp_checkpoint")
    if upload is None:
        st.info("Upload a checkpoint (downloaded from this page) to generate from it.", icon=":material/upload_file:")
        return None
    content = upload.getvalue()
    try:
        trainer = _trainer_from_upload(hashlib.sha256(content).hexdigest(), content)
    except (ValueError, KeyError, TypeError, RuntimeError) as e:
        reason = str(e) if isinstance(e, ValueError) else "it is missing parts of an RGAN Studio checkpoint"
        ui.show_error(f"Could not use {upload.name}: {reason}")
        return None
    _, data = state.current_data()
    matches = data.feature_names == trainer.feature_names and data.seq_len == trainer.seq_len
    if not matches:
        st.caption("The current data (Data page) has other features or length than this model, so only generated "
                   "sequences are shown.")
    return Model(
        label=f"{upload.name} (step {trainer.step_count:,})",
        feature_names=list(trainer.feature_names),
        seq_len=trainer.seq_len,
        sample=lambda n, seed: trainer.sample(n, seed=seed),
        data=data if matches else None,
        checkpoint=None,
        file_stem=Path(upload.name).stem or "checkpoint",
    )


def compare(model: Model, n: int, seed: int) -> Comparison | None:
    fake = model.sample(n, seed)
    if fake is None:
        return None
    real = real_scaled = fake_scaled = None
    if model.data is not None:
        real = state.real_examples(model.data, n, seed)
        real_scaled = model.data.scaler.transform(real).astype(np.float32)
        fake_scaled = model.data.scaler.transform(fake).astype(np.float32)
    return Comparison(model, fake, real, fake_scaled, real_scaled)


def downloads(c: Comparison) -> None:
    m = c.model
    cols = st.columns(3)
    csv = samples_frame(c.fake, m.feature_names).to_csv(index=False).encode("utf-8")
    cols[0].download_button(f"Samples CSV ({len(c.fake):,} sequences)", csv, f"{m.file_stem}-samples.csv",
                            "text/csv", key="dl_samples", icon=":material/download:", on_click="ignore",
                            help="One row per time step: sample_id, step, then each feature in the data's own units.")
    if m.checkpoint is not None and m.checkpoint.exists():
        path = m.checkpoint
        cols[1].download_button("Checkpoint (.pt)", lambda: path.read_bytes(), f"{m.file_stem}.pt",
                                "application/octet-stream", key="dl_checkpoint", icon=":material/download:",
                                on_click="ignore", help="Weights, optimiser state and configs; load it here or with "
                                "`python -m rgan sample`.")
