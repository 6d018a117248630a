"""Reusable form sections: model controls, training controls, data options.

Each widget has a fixed session-state key and keeps its value across pages (``persist_state``), so
settings survive a visit to another page. :func:`set_train_form` fills the Train form from configs
(used by presets) before the widgets are drawn.

Longer than 400 lines because every setting of the three forms (model, training, data) has its widget, range
and help text here, side by side, where the limits test reads them as one table.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from functools import partial
from typing import Any

import streamlit as st

from rgan import limits
from rgan.dashboard import ui
from rgan.data import LAYOUTS, MISSING_POLICIES, DataConfig, DataError
from rgan.models import CELLS, G_OUTPUTS, ModelConfig
from rgan.train import DEVICES, LOSSES, TrainConfig, resolve_device

_KEEP = "session"  # widget values survive page switches
MODEL_PREFIX, TRAIN_PREFIX = "m_", "t_"

LOSS_LABELS = {"ns": "non-saturating GAN (ns)", "wgan-gp": "Wasserstein + gradient penalty (wgan-gp)"}
LAYOUT_LABELS = {
    "auto": "detect automatically",
    "time_rows": "rows are time steps, columns are features",
    "sequence_rows": "each row is one sequence",
    "long": "long/panel: an id column groups rows",
}
MISSING_LABELS = {
    "interpolate": "interpolate gaps",
    "drop": "drop rows with gaps",
    "zero": "fill gaps with 0",
    "refuse": "refuse files with gaps",
}
# Training fields in the "Stabilisers and optimiser" expander; the hidden ones have no widget.
_ADVANCED_TRAIN_FIELDS = ("moment_weight", "corr_weight", "change_weight", "pca_weight", "shape_weight",
                          "diff_moment", "label_smoothing", "gp_weight", "grad_clip", "beta1", "beta2", "unroll",
                          "unroll_after", "class_weight", "quantile_weight", "rough_weight", "skew_limit",
                          "lr_decay_steps", "lr_floor", "lr_floor_d")
_KINDS = {"diff_moment": bool, "unroll": int, "unroll_after": int, "lr_decay_steps": int}  # the rest are floats
_HIDDEN_TRAIN_FIELDS = ("preview_size",)
AUTO = "(auto)"  # option label for "let the loader decide" in column pickers


class FormProblems(ValueError):
    """Several fields of a form are out of range; ``messages`` has one sentence per field."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def _init(key: str, value: Any) -> None:
    """Give a widget its first value through session state (so presets can set it the same way)."""
    if key not in st.session_state:
        st.session_state[key] = value


def set_train_form(model: ModelConfig | None = None, train: TrainConfig | None = None) -> None:
    """Put these configs into the Train form (call before the form is drawn, e.g. from a preset button)."""
    for prefix, cfg in ((MODEL_PREFIX, model), (TRAIN_PREFIX, train)):
        if cfg is not None:
            for name, value in asdict(cfg).items():
                st.session_state[prefix + name] = value


def train_form_filled() -> bool:
    """Whether the Train form has values in this session already."""
    return MODEL_PREFIX + "g_hidden" in st.session_state


def _defaults(prefix: str, cfg: Any) -> None:
    for f in fields(cfg):
        _init(prefix + f.name, getattr(cfg, f.name))
        value = st.session_state[prefix + f.name]
        if isinstance(getattr(cfg, f.name), float) and isinstance(value, int) and not isinstance(value, bool):
            st.session_state[prefix + f.name] = float(value)  # a float widget refuses an int (e.g. from JSON)


# ------------------------------------------------------------------------------------------ model
def model_controls(defaults: ModelConfig | None = None) -> ModelConfig:
    """Generator and discriminator sizes.

    Raises:
        FormProblems: numbers out of range (one sentence each).
        ValueError: an invalid combination (the message says which field).
    """
    _defaults(MODEL_PREFIX, defaults or ModelConfig())
    k = MODEL_PREFIX
    problems: list[str] = []
    num = partial(ui.checked_number, problems=problems)
    sizes: dict[str, Any] = {}  # g_cell, g_hidden, g_layers, d_cell, ...
    for net, title in (("g", "Generator (G)"), ("d", "Discriminator (D)")):
        st.markdown(f"**{title}**")
        c1, c2, c3 = st.columns([1.15, 1, 1])
        who = net.upper()  # labels name their network: "G cell" / "D cell" (screen readers, tests)
        sizes[f"{net}_cell"] = c1.selectbox(f"{who} cell", CELLS, key=f"{k}{net}_cell", format_func=str.upper,
                                            persist_state=_KEEP)
        sizes[f"{net}_hidden"] = num(c2, f"{who} hidden", *limits.MODEL[f"{net}_hidden"], key=f"{k}{net}_hidden",
                                     persist_state=_KEEP)
        sizes[f"{net}_layers"] = num(c3, f"{who} layers", *limits.MODEL[f"{net}_layers"], key=f"{k}{net}_layers",
                                     persist_state=_KEEP)
    d_per_step = st.radio(
        "D judges", [True, False], key=k + "d_per_step", horizontal=True, persist_state=_KEEP,
        format_func=lambda v: "every step" if v else "whole sequence",
        help="Every step: one realness verdict per time step (RCGAN). Whole sequence: one verdict from the last state.",
    )
    d_diffs = st.checkbox(
        "D also sees step-to-step changes", key=k + "d_diffs", persist_state=_KEEP,
        help="D gets each step's change from the step before beside the value, scaled to the data's typical "
             "change: paths that jitter or drift unlike the data are caught even when their levels look right.",
    )
    d_both_ways = st.checkbox(
        "D also reads each window backwards", key=k + "d_both_ways", persist_state=_KEEP,
        help="A second stack of D's cells reads from the window's end, so every verdict, the first steps' too, sees "
             "the whole window: a start unlike the data's is caught. D does about twice the work.",
    )
    g_output = st.radio(
        "G writes", G_OUTPUTS, key=k + "g_output", horizontal=True, persist_state=_KEEP,
        format_func=lambda v: "each step's value" if v == "levels" else "changes from a first value",
        help="Changes: G writes a first value and then each step's change, summed onto it.",
    )
    st.caption("Hidden: units per layer. Noise: random numbers G gets at every step, and once per sequence (0 = off).")
    c1, c2, c3 = st.columns(3)
    noise_dim = num(c1, "Noise per step", *limits.MODEL["noise_dim"], key=k + "noise_dim", persist_state=_KEEP)
    static_noise_dim = num(c2, "Noise per sequence", *limits.MODEL["static_noise_dim"], key=k + "static_noise_dim",
                           persist_state=_KEEP)
    patch = num(c3, "Steps per cell", *limits.MODEL["patch"], key=k + "patch", persist_state=_KEEP,
                help="G writes and D reads this many time steps per recurrent step: long windows (hundreds of "
                     "steps) train several times faster and their shapes are easier to learn. 1 = one step each.")
    position = num(c1, "Position over steps", *limits.MODEL["position"], key=k + "position", persist_state=_KEEP,
                   help="G and D see where each step lies in a whole sequence of this many steps (0 = off): for files "
                        "of whole sequences that line up (outlines, a day's hours), not windows of one long series.")
    burn_in = num(c2, "G burn-in (cells)", *limits.MODEL["burn_in"], key=k + "burn_in", persist_state=_KEEP,
                  help="G's cells first run this many times on noise of their own and write nothing, so no sample "
                       "starts from G's blank state (whose first steps can come out bent). Costs that many more "
                       "cell steps of G's work. 0 = off.")
    g_margin = num(c3, "G's reach past the data", *limits.MODEL["g_margin"], key=k + "g_margin", persist_state=_KEEP,
                   step=0.05, help="G's values may reach this far past the data's scaled range [0, 1], so the data's "
                                   "own highs and lows are not at the flat ends of G's sigmoid, where it cannot steer "
                                   "them (sines turning over at their top). 0 = off; the recipe sets 0.1 "
                                   "for data whose values crowd their range's ends (see the Data page).")
    if problems:
        raise FormProblems(problems)
    return ModelConfig(noise_dim=int(noise_dim), static_noise_dim=int(static_noise_dim), d_per_step=bool(d_per_step),
                       patch=int(patch), position=int(position), burn_in=int(burn_in), g_margin=float(g_margin),
                       d_diffs=bool(d_diffs), d_both_ways=bool(d_both_ways), g_output=str(g_output),
                       **{name: (v if name.endswith("cell") else int(v)) for name, v in sizes.items()})


# --------------------------------------------------------------------------------------- training
def device_label(name: str) -> str:
    """'auto → cpu', 'cuda (not available here)', ..."""
    if name == "auto":
        return f"auto → {resolve_device('auto').type}"
    try:
        resolve_device(name)
    except ValueError:
        return f"{name} (not available here)"
    return name


def training_controls(defaults: TrainConfig | None = None) -> TrainConfig:
    """Loss, learning rates, D steps, batch, steps, seed, device.

    Raises:
        FormProblems: numbers out of range (one sentence each).
        ValueError: an invalid value or an unavailable device.
    """
    defaults = defaults or TrainConfig()
    _defaults(TRAIN_PREFIX, defaults)
    k = TRAIN_PREFIX
    problems: list[str] = []
    num = partial(ui.checked_number, problems=problems)
    loss = st.selectbox("Loss", LOSSES, key=k + "loss", format_func=LOSS_LABELS.get, persist_state=_KEEP)
    c1, c2 = st.columns(2)
    lr_g = num(c1, "lr G", *limits.TRAIN["lr_g"], key=k + "lr_g", format="%.5f", step=1e-4, persist_state=_KEEP,
               help="Generator learning rate (Adam).")
    lr_d = num(c2, "lr D", *limits.TRAIN["lr_d"], key=k + "lr_d", format="%.5f", step=1e-4, persist_state=_KEEP,
               help="Discriminator learning rate (Adam).")
    d_steps = num(c1, "D steps per G step", *limits.TRAIN["d_steps"], key=k + "d_steps", persist_state=_KEEP)
    batch_size = num(c2, "Batch size", *limits.TRAIN["batch_size"], key=k + "batch_size", persist_state=_KEEP)
    steps = num(c1, "Steps", *limits.TRAIN["steps"], key=k + "steps", step=100, persist_state=_KEEP,
                help="Training steps in the whole run; each updates D (D steps per G step times), then G once.")
    seed = num(c2, "Seed", *limits.TRAIN["seed"], key=k + "seed", persist_state=_KEEP)
    ema_decay = num(
        st, "Sample from G's weight average (decay)", *limits.TRAIN["ema_decay"], key=k + "ema_decay", format="%.4f",
        step=0.001, persist_state=_KEEP,
        help="Samples and previews come from an exponential moving average of G's weights, which smooths out the "
             "back-and-forth of adversarial training (0 = off: show G itself, as the teaching presets do). "
             f"Default {TrainConfig().ema_decay:g}.")
    ema_tail = num(
        st, "Late in the run, average this share of it", *limits.TRAIN["ema_tail"], key=k + "ema_tail", format="%.2f",
        step=0.05, persist_state=_KEEP,
        help="Once this share of the steps so far is longer than the decay allows (0.33 with decay 0.999: from step "
             "2,990), the weight average spans it: the last third of a long run instead of its last thousand steps "
             f"(0 = off). Default {TrainConfig().ema_tail:g}.")
    ema_settle = st.checkbox(
        "Average every G equally once the rates settle", key=k + "ema_settle", persist_state=_KEEP,
        help="From the step the learning rates reach their floor, the weight average weighs every G since then the "
             "same, not only the last thousand or so. Needs decay > 0 and falling rates.")
    device = st.selectbox("Device", DEVICES, key=k + "device", format_func=device_label, persist_state=_KEEP)
    resolve_device(device)  # raises ValueError with what to pick instead
    advanced = _advanced_controls(defaults, problems)
    if problems:
        raise FormProblems(problems)
    # Fields without a widget (preview_size) come from the defaults or a preset.
    base = {f.name: st.session_state.get(k + f.name, getattr(defaults, f.name)) for f in fields(defaults)}
    base.update(loss=loss, lr_g=float(lr_g), lr_d=float(lr_d), d_steps=int(d_steps), batch_size=int(batch_size),
                steps=int(steps), seed=int(seed), device=device, ema_decay=float(ema_decay), ema_tail=float(ema_tail),
                ema_settle=bool(ema_settle),
                **{name: _KINDS.get(name, float)(v) for name, v in advanced.items()})
    hidden = {name: base[name] for name in _HIDDEN_TRAIN_FIELDS if base[name] != getattr(TrainConfig(), name)}
    if hidden:
        st.caption("Also set (by a preset): " + ", ".join(f"{n} = {v}" for n, v in hidden.items()))
    return TrainConfig(**base)


def _advanced_controls(defaults: TrainConfig, problems: list[str]) -> dict[str, Any]:
    """The loss terms and optimiser settings that keep training stable, as entered (range problems go
    to ``problems``); open when one differs from the default (e.g. set by a preset)."""
    k = TRAIN_PREFIX
    num = partial(ui.checked_number, problems=problems)
    changed = any(st.session_state.get(k + name) != getattr(TrainConfig(), name) for name in _ADVANCED_TRAIN_FIELDS)
    with st.expander("Stabilisers and optimiser", icon=":material/tune:", expanded=changed):
        c1, c2 = st.columns(2)
        values = dict(
            moment_weight=num(c1, "Moment loss", *limits.TRAIN["moment_weight"], key=k + "moment_weight", step=0.1,
                format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the gap between the per-step mean and spread of the fake and "
                     f"the real batch (0 = off). Default {defaults.moment_weight:g}."),
            corr_weight=num(c2, "Correlation loss", *limits.TRAIN["corr_weight"], key=k + "corr_weight", step=0.1,
                format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the gap between the real and generated correlations between "
                     "features (0 = off)."),
            change_weight=num(c1, "Change loss", *limits.TRAIN["change_weight"], key=k + "change_weight", step=0.1,
                format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the gap between the per-step mean and spread of the real and "
                     "generated step-to-step changes and of the changes of those changes, each measured in units "
                     "of the real data's typical change (0 = off). Pulls G towards the data's smoothness: a "
                     "generator whose steps jitter pays for it."),
            pca_weight=num(c2, "Principal-axes loss", *limits.TRAIN["pca_weight"], key=k + "pca_weight", step=0.1,
                format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the moment loss again, along the real data's principal "
                     "directions, each put on the same spread (0 = off). Features that move together closely "
                     "(a stock's open, high, low and close) leave directions in which the real data hardly vary; "
                     "this term makes G keep them as tight."),
            shape_weight=num(c1, "Shape loss", *limits.TRAIN["shape_weight"], key=k + "shape_weight", step=0.1,
                format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the moment loss of whole windows along their principal "
                     "directions, each put on the same spread (0 = off). The leading directions are a window's "
                     "level, slope and bend; the trailing ones, where real windows hardly vary, are jitter. "
                     f"Default {defaults.shape_weight:g}."),
            label_smoothing=num(c2, "Label smoothing", *limits.TRAIN["label_smoothing"], key=k + "label_smoothing",
                step=0.05, format="%.2f", persist_state=_KEEP,
                help="One-sided: D's target for real sequences becomes 1 minus this, so D cannot become certain. "
                     "Non-saturating loss only."),
            gp_weight=num(c1, "Gradient penalty", *limits.TRAIN["gp_weight"], key=k + "gp_weight", step=1.0,
                format="%.1f", persist_state=_KEEP, help="Weight of the critic's gradient penalty. WGAN-GP loss only."),
            grad_clip=num(c2, "Gradient clip", *limits.TRAIN["grad_clip"], key=k + "grad_clip", step=1.0,
                format="%.1f", persist_state=_KEEP,
                help="Each network's gradient is scaled down to at most this norm (0 = no clipping)."),
            lr_decay_steps=num(c1, "Rates fall over (steps)", *limits.TRAIN["lr_decay_steps"], key=k + "lr_decay_steps",
                step=500, persist_state=_KEEP,
                help="Both learning rates fall geometrically from their setting over this many steps, then stay at the "
                     "share below: fast early progress, then smaller steps that let G settle (0 = constant rates). "
                     f"Default {defaults.lr_decay_steps:,}."),
            lr_floor=num(c2, "...to this share of them", *limits.TRAIN["lr_floor"], key=k + "lr_floor", step=0.05,
                format="%.3f", persist_state=_KEEP,
                help="The share of the set rates left once they have fallen (G's, and D's unless D's own share "
                     "below is set). At a tenth, G slowly dropped rare "
                     "windows (a stock's few busy days); the small-table and labelled long-outline recipes keep "
                     f"a tenth, with which they were measured. Default {defaults.lr_floor:g}."),
            lr_floor_d=num(c1, "...D's own share (0 = the same)", *limits.TRAIN["lr_floor_d"], key=k + "lr_floor_d",
                step=0.05, format="%.3f", persist_state=_KEEP,
                help="Where D's rate should fall further (or less far) than G's: the share of D's set rate left "
                     "once the rates have fallen; 0 = the share above. Default "
                     f"{defaults.lr_floor_d:g}."),
            beta1=num(c2, "Adam β1", *limits.TRAIN["beta1"], key=k + "beta1", step=0.1, format="%.3f",
                persist_state=_KEEP,
                help=f"Momentum of both optimisers. Default {defaults.beta1:g}, the usual GAN choice; WGAN-GP often "
                     "uses 0."),
            beta2=num(c1, "Adam β2", *limits.TRAIN["beta2"], key=k + "beta2", step=0.001, format="%.4f",
                persist_state=_KEEP,
                help=f"Decay of Adam's squared-gradient average. Default {defaults.beta2:g}."),
            unroll=num(c2, "Unroll (windows)", *limits.TRAIN["unroll"], key=k + "unroll", step=1, persist_state=_KEEP,
                help="G runs this many training windows in a row and D judges every window of it, so G learns to "
                     "keep going: 4 or more keeps samples longer than a window (Compare page *Length*, CLI "
                     "`sample --length`) on the data. Costs about that many times G's work per step."),
            unroll_after=num(c1, "Unroll after (steps)", *limits.TRAIN["unroll_after"], key=k + "unroll_after", step=100,
                persist_state=_KEEP,
                help="With Unroll above 1: train this many steps on single windows first (fast, and they settle the "
                     "start of each sample), then run G unrolled. 0 = unrolled from the first step."),
            class_weight=num(c2, "Class critic", *limits.TRAIN["class_weight"], key=k + "class_weight", step=0.1,
                format="%.2f", persist_state=_KEEP, help="Runs with a label only: a classifier learns the real "
                "windows' classes beside D, and G pays this times its loss for putting G's windows in another class "
                f"than the one they were made for (0 = off). Default {defaults.class_weight:g}."),
            quantile_weight=num(c1, "Quantile loss", *limits.TRAIN["quantile_weight"], key=k + "quantile_weight",
                step=0.1, format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the gap between the sorted fake and real values along the "
                     "principal directions, every quantile, not only the mean and spread (0 = off). For skewed or "
                     "heavy-tailed data, such as volumes."),
            rough_weight=num(c2, "Roughness loss", *limits.TRAIN["rough_weight"], key=k + "rough_weight",
                step=0.1, format="%.2f", persist_state=_KEEP,
                help="Weight of a term in G's loss: the gap between how rough the fake and the real windows are, "
                     "each window's typical step-to-step change and bend, sorted, so that calm windows stay calm "
                     "and wild ones wild (prices' bursts of volatility; smooth curves without jitter). 0 = off. "
                     f"Default {defaults.rough_weight:g}."),
            skew_limit=num(c1, "Power scale above skewness", *limits.TRAIN["skew_limit"], key=k + "skew_limit",
                step=0.5, format="%.1f", persist_state=_KEEP,
                help="A feature more skewed than this (a traded volume: its swings grow with its level) is learned "
                     "on a power scale, where they do not, and samples are mapped back to its units. The line "
                     f"under the form names such features. 0 = off. Default {defaults.skew_limit:g}."),
            diff_moment=st.checkbox("Moment loss also matches step-to-step changes", key=k + "diff_moment",
                persist_state=_KEEP, help="Also compares the mean and spread of the differences between consecutive "
                                          "steps (helps rough or noisy series)."),
        )
    return values


# ------------------------------------------------------------------------------------------- data
def _column_picker(label: str, key: str, columns: list[str], help: str) -> str | None:
    options = [AUTO, *columns]
    if st.session_state.get(key) not in options:
        st.session_state[key] = AUTO  # a column of a previous file
    value = st.selectbox(label, options, key=key, help=help)
    return None if value == AUTO else value


def _time_picker(key: str, columns: list[str]) -> str | tuple[str, ...] | None:
    """The time axis: empty = (auto); one column, or two calendar columns (year and quarter or month)."""
    chosen = st.session_state.get(key)
    if not isinstance(chosen, list) or any(c not in columns for c in chosen):
        st.session_state[key] = []  # a column of a previous file, or the value of an older single picker
    picked = st.multiselect(
        "Time column", columns, key=key, placeholder=AUTO, max_selections=2,
        help="Orders the rows in time; not a feature. Leave at (auto) to detect it. One date, time or step "
             "column, or two calendar columns: year and quarter (1-4) or year and month (1-12).")
    if not picked:
        return None
    return picked[0] if len(picked) == 1 else tuple(picked)


def window_options(prefix: str, seq_len: int = 24, stride: int = 1, with_stride: bool = True) -> tuple[int, int]:
    """Sequence length and stride inputs; ``with_stride=False`` (data generated as separate sequences)
    draws the stride disabled and returns 1."""
    # The current value goes in as the widget's default too, not only through its session-state key:
    # when the panel above grows (a new file's column pickers appear after its first read) the browser
    # rebuilds these inputs, and a rebuilt input shows, and sends back, its default (else the minimum, 2).
    seq_len = int(st.session_state.get(prefix + "seq_len", seq_len))
    stride = int(st.session_state.get(prefix + "stride", stride))
    c1, c2 = st.columns(2)
    problems: list[str] = []
    # Kept across runs that do not draw them (persist_state): replacing a file passes through a run
    # with no file, and the user's window sizes must outlive it.
    seq_len = ui.checked_number(c1, "Sequence length (seq_len)", *limits.DATA["seq_len"], value=seq_len,
                                key=prefix + "seq_len",
                                problems=problems, persist_state=_KEEP,
                                help="Time steps per training sequence (window).")
    if with_stride:
        stride = ui.checked_number(c2, "Stride", *limits.DATA["stride"], value=stride, key=prefix + "stride",
                                   problems=problems,
                                   persist_state=_KEEP,
                                   help="Steps between the starts of consecutive windows (1 = every possible window).")
    else:
        stride = 1
        c2.number_input("Stride", value=1, disabled=True, key=prefix + "stride_off",
                        help="This data set is generated as separate sequences of seq_len steps, so there are no "
                             "windows to space out; choose the number of sequences under *Size of the synthetic data*.")
    if problems:
        raise DataError(" ".join(problems))
    return int(seq_len), int(stride)


NO_LABEL = "(none)"  # option of the "Condition on" picker: an unconditional GAN


def csv_options(columns: list[str], numeric: list[str], layout: str, labels: list[str] | None = None) -> DataConfig:
    """Layout, columns, windows and missing-value policy for an uploaded file.

    Args:
        columns: every column of the file (for time/id pickers).
        numeric: the columns that can be features.
        layout: the layout the loader detected (features only apply to time_rows and long).
        labels: columns that may hold a class per sequence, for the "Condition on" picker (offered when
            there are some and the layout has sequences); the loader refuses an unfit one with its reason.

    Raises:
        DataError: an invalid setting.
    """
    k = "d_"
    _init(k + "layout", "auto")
    _init(k + "missing", "interpolate")
    c1, c2 = st.columns(2)
    chosen_layout = c1.selectbox("Layout", LAYOUTS, key=k + "layout", format_func=LAYOUT_LABELS.get)
    missing = c2.selectbox("Missing values", MISSING_POLICIES, key=k + "missing", format_func=MISSING_LABELS.get,
                           persist_state=_KEEP)
    effective = layout if chosen_layout == "auto" else chosen_layout
    features = None
    if effective in ("time_rows", "long") and numeric:
        if any(c not in numeric for c in st.session_state.get(k + "features", [])):
            st.session_state[k + "features"] = []
        picked = st.multiselect("Feature columns", numeric, key=k + "features", placeholder="all numeric columns",
                                help="Leave empty to use every numeric column.")
        features = tuple(picked) or None
    time_column = id_column = label_column = None
    c1, c2 = st.columns(2)
    with c1:
        if effective in ("time_rows", "long"):
            time_column = _time_picker(k + "time_column", columns)
        if effective in ("sequence_rows", "long") and labels:
            options = [NO_LABEL, *labels]
            if st.session_state.get(k + "label_column") not in options:
                st.session_state[k + "label_column"] = NO_LABEL  # a column of a previous file
            chosen = st.selectbox("Condition on", options, key=k + "label_column",
                                  help="A class label per sequence (a wide file's label column, or a column constant "
                                       "within each id): G and D both see it, and you can ask for samples of a "
                                       "chosen class. (none): an unconditional GAN.")
            label_column = None if chosen == NO_LABEL else chosen
    with c2:
        if effective == "long":
            id_column = _column_picker("Id column", k + "id_column", columns,
                                       "The column that says which sequence a row belongs to.")
    seq_len, stride = window_options(k)
    return DataConfig(layout=chosen_layout, seq_len=seq_len, stride=stride, features=features,
                      time_column=time_column, id_column=id_column, label_column=label_column, missing=missing)


def reset_csv_options() -> None:
    """Forget the column choices (a new file was uploaded); keep window sizes and policy."""
    for name in ("layout", "features", "time_column", "id_column", "label_column"):
        st.session_state.pop("d_" + name, None)


def train_form(key: str = "train_form") -> tuple[ModelConfig | None, TrainConfig | None, list[str], bool]:
    """The Train page's settings form with its Start button.

    Returns:
        ``(model, train, errors, started)``: a config is None when its section has an invalid value,
        and ``errors`` says why.
    """
    model = train = None
    errors: list[str] = []
    with st.form(key, border=False, enter_to_submit=False):
        try:
            model = model_controls()
        except FormProblems as e:
            errors += e.messages
        except ValueError as e:
            errors.append(str(e))
        st.markdown("**Training**")
        try:
            train = training_controls()
        except FormProblems as e:
            errors += e.messages
        except ValueError as e:
            errors.append(str(e))
        started = st.form_submit_button("Start training", type="primary", icon=":material/play_arrow:", width="stretch")
    return model, train, errors, started
