"""Compare page helpers: pick a model (one of this browser's runs or an uploaded checkpoint), sample it,
and hand real and generated sequences to the views, the scores, the downloads and the runs table.

Every view reads one :class:`Comparison`. Work a view needs that costs more than a redraw (t-SNE, the
nearest training windows, the discriminator's verdicts) is kept in the session for the comparison it
was computed for (:func:`memoised`), so switching tabs or moving a slider does not compute it again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from rgan import metrics
from rgan.dashboard import state, ui
from rgan.data import SequenceData
from rgan.runs import RunRegistry
from rgan.train import Trainer

T = TypeVar("T")

FROM_RUN, FROM_FILE = "One of your runs", "Upload a checkpoint"
KEEP = "session"  # widget values survive page switches and closed tabs
NEEDS_REAL = "This view needs the real data the model was trained on; it is not available for this model."


@dataclass
class Model:
    """Whatever can generate: a label, access to its trainer and (optionally) the real data it was trained on."""

    key: str  # identifies the model for caches: a run id, or "upload:<sha256>"
    label: str  # plain text, shown escaped
    feature_names: list[str]
    seq_len: int
    loss: str  # the GAN loss it was trained with ("ns" or "wgan-gp")
    use_trainer: Callable[[Callable[[Trainer], Any]], Any]  # fn(trainer) -> result, or None if not ready
    data: SequenceData | None  # real data to compare with (same features and length), or None
    checkpoint: Path | None  # file offered for download, or None
    file_stem: str  # for download file names


@dataclass
class Comparison:
    """Real and generated sequences for one model, in data units and scaled to [0, 1] as the metrics expect."""

    model: Model
    step: int  # the generator's training step when sampled
    seed: int  # the sampling seed
    fake: np.ndarray  # (n, T, F) data units
    real: np.ndarray | None  # (m, T, F) data units, picked at random from the training windows
    fake_scaled: np.ndarray | None  # (n, T, F) float32 in [0, 1] on the real data's scale
    real_scaled: np.ndarray | None  # (m, T, F) float32
    reference_scaled: np.ndarray | None  # (k, T, F) other training windows, none of them in `real`
    labels: np.ndarray | None = None  # (n,) class of each generated sequence (conditional models)
    real_labels: np.ndarray | None = None  # (m,) class of each real window
    class_names: tuple[str, ...] = ()  # class index -> the label's value
    fake_long: np.ndarray | None = None  # (n, L, F) data units when a length beyond T was asked (downloads)
    data_info: dict | None = None  # what the model knows of its training file's layout (own-layout download)
    chosen: tuple[str, ...] = ()  # the classes asked for (empty: the training frequencies)

    @property
    def key(self) -> tuple:
        """What every derived view depends on: model, step, sample size, seed and the classes asked for."""
        return self.model.key, self.step, len(self.fake), self.seed, self.chosen

    def eval_key(self, quick: bool) -> metrics.EvalKey:
        model_key = self.model.key + ("|" + ",".join(self.chosen) if self.chosen else "")
        return metrics.EvalKey(model_key, self.step, len(self.fake), self.seed, quick)


# ---------------------------------------------------------------------------------- choosing a model
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
        key=run_id,
        label=labels[run_id],
        feature_names=list(names),
        seq_len=run.source.config.seq_len,
        loss=run.train_config.loss,
        use_trainer=lambda fn: state.use_trainer(run, fn),
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
    # No type filter: the browser would refuse another file with only a red mark; the loader says why.
    upload = st.file_uploader("Checkpoint saved by RGAN Studio (.pt)", key="cmp_checkpoint")
    if upload is None:
        st.info("Upload a checkpoint (downloaded from this page) to generate from it.", icon=":material/upload_file:")
        return None
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    try:
        trainer = _trainer_from_upload(digest, content)
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
        key=f"upload:{digest}",
        label=f"{upload.name} (step {trainer.step_count:,})",
        feature_names=list(trainer.feature_names),
        seq_len=trainer.seq_len,
        loss=trainer.train_config.loss,
        use_trainer=lambda fn: fn(trainer),
        data=data if matches else None,
        checkpoint=None,
        file_stem=Path(upload.name).stem or "checkpoint",
    )


# ------------------------------------------------------------------------------------------ sampling
def _pick(n_windows: int, k: int, seed: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices of ``k`` windows (fewer if there are not enough) drawn without replacement, in random
    order: charts show the first few, and with a small file every window is drawn, so sorted indices
    would always show the first windows, near-copies of each other shifted by one step."""
    pool = np.arange(n_windows) if exclude is None else np.setdiff1d(np.arange(n_windows), exclude)
    take = min(k, len(pool))
    return np.random.default_rng(seed).choice(pool, take, replace=False) if take else pool[:0]


def class_names(model: Model) -> list[str]:
    """The classes a conditional model can make (empty for an unconditional one or one not ready)."""
    return model.use_trainer(lambda t: t.class_names) or []


def length_and_classes(model: Model, length_column: Any) -> tuple[int, list[str]]:
    """The Length input (in ``length_column``) and, for a conditional model, the Classes picker."""
    if not model.seq_len <= st.session_state.get("cmp_length", model.seq_len) <= 100 * model.seq_len:
        st.session_state["cmp_length"] = model.seq_len  # set for another model
    length = length_column.number_input(
        "Length (steps)", model.seq_len, 100 * model.seq_len, model.seq_len, key="cmp_length",
        help="Longer than the training windows runs the generator on, carrying its state. The Samples tab then "
             "draws the whole samples and can score their last window against their first (drift); the download "
             "holds the whole length; the other views compare the first window with real windows.")
    names = class_names(model)
    if not names:
        return int(length), []
    st.session_state["cmp_classes"] = [c for c in st.session_state.get("cmp_classes", []) if c in names]
    classes = st.multiselect("Classes", names, key="cmp_classes", placeholder="as often as in the training data",
                             help="Make only these classes, in turn.")
    return int(length), list(classes)


def compare(model: Model, n: int, seed: int, length: int | None = None, classes: list[str] | None = None
            ) -> Comparison | None:
    """``n`` generated sequences and as many real ones; None when the model has no weights yet.

    ``length`` beyond the model's seq_len generates that many steps (``fake_long``: the long-samples view
    and the download; the other views compare the first seq_len); ``classes`` asks a conditional model for those classes (default: training frequencies).
    """
    def draw(t: Trainer):
        fake, labels = t.sample(n, seed=seed, length=length, classes=classes or None, with_labels=True)
        return t.step_count, fake, labels, tuple(t.class_names), dict(t.data_info)

    out = model.use_trainer(draw)
    if out is None:
        return None
    step, fake, labels, names, info = out
    fake_long = fake if fake.shape[1] > model.seq_len else None
    fake = fake[:, :model.seq_len]
    real = real_scaled = fake_scaled = reference = None
    if model.data is not None:
        data = model.data
        other_classes = None  # chosen classes: compare with real windows of those classes only
        if classes and data.labels is not None and list(data.class_names) == list(names):
            other_classes = np.flatnonzero(~np.isin(data.labels, [names.index(c) for c in classes]))
        picks = _pick(data.n_sequences, n, seed, exclude=other_classes)  # as state.real_examples(data, n, seed)
        real_scaled = np.asarray(data.windows[picks], dtype=np.float32)
        real = data.scaler.inverse_transform(real_scaled)
        fake_scaled = data.scaler.transform(fake).astype(np.float32)
        # Other real windows for the baselines and the "real vs real" row; too few to score -> None.
        skip = picks if other_classes is None else np.union1d(picks, other_classes)
        others = _pick(data.n_sequences, n, seed + 1, exclude=skip)
        reference = np.asarray(data.windows[others], dtype=np.float32) if len(others) >= 6 else None
    real_labels = None if model.data is None or model.data.labels is None else model.data.labels[picks]
    return Comparison(model, int(step), int(seed), fake, real, fake_scaled, real_scaled, reference, labels,
                      real_labels, names, fake_long, info, tuple(classes or ()))


def memoised(name: str, key: Any, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``key`` in this session (one entry per ``name``)."""
    slot = f"cmp_memo_{name}"
    held = st.session_state.get(slot)
    if held is not None and held[0] == key:
        return held[1]
    value = compute()
    st.session_state[slot] = (key, value)
    return value


def guarded(view: Callable[..., None], *args: Any) -> None:
    """Draw a view; a problem with this model's data or samples becomes an error box, not a traceback."""
    try:
        view(*args)
    except (ValueError, RuntimeError) as e:
        ui.show_error(f"This view cannot be drawn for this model: {e}")
