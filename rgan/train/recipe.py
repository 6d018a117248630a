"""Which recipe a run uses for its data, and why: the standard one, or the one for small tables.

A small table (a few hundred quarterly or yearly rows) gives few windows, each at its own level; the standard
recipe, made for thousands of windows, first learns and then over-fits them (benchmarks/results: the
interest/inflation table scored 0.07 at 1,000 steps and 0.15 at 2,000). The small-table recipe uses
smaller networks and stops early. Few long windows (fewer than four per value in a window, as arrowhead's
148 outlines of 251 steps) get the few-long-windows recipe: no shape loss (whose principal directions such a
set cannot estimate; with it, every arrowhead run collapsed one or two classes) and, with a label, the class
critic, each class's spread of changes (``change_weight``: G's arrowhead outlines were as smooth as the real
ones of the next class) and learning rates that fall over 6,000 steps instead of 3,000 (a 300 s arrowhead run
makes about 5,400; TSTR / TRTR 0.82 ± 0.05 over six seeds with both, against 0.72 ± 0.03;
benchmarks/results/session15_2026-12-06.md); windows longer than 128 steps are written and read ``ceil(T / 64)`` steps per cell
(``ModelConfig.patch``: on arrowhead's 251 steps, 4 per cell made 4x the steps in the same time, with TSTR /
TRTR 0.725 ± 0.039 over three seeds against 0.692 ± 0.095; benchmarks/results/session14_2026-12-05.md);
when each window is a whole sequence (every sequence in the file is exactly one window long), G and D also see
each step's place in it (``ModelConfig.position``: a recurrent G otherwise has to learn to count 251
steps before it can put an outline's peaks in place). Data whose values crowd their range's ends (most features
with more values within 5 % of 0 or 1 than an even spread has: sines, whose peaks are flat, 1.6 times; Stocks'
prices 0.5 times) get G's margin (``ModelConfig.g_margin`` 0.1): values near 1 no longer sit where G's sigmoid is
flat, and sines seed 1's differences went from 0.035-0.038 to 0.015 (seed 2 0.026 to 0.016); on Stocks, whose
values thin out toward the ends, the margin put too many windows at the lowest prices (levels 0.035 twice on seed 0
against 0.013-0.018; benchmarks/results/session22_2026-12-06.md). A recipe changes only settings left at their defaults:
a setting the person chose is never overridden. ``describe`` gives the sentence the CLI and the Train page show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from rgan import limits
from rgan.models import ModelConfig

from .config import TrainConfig

SMALL_ROWS = 1000  # fewer distinct time steps than this: the small-table recipe
TOO_FEW_WINDOWS = 16  # fewer windows than this: warn that no recipe learns much from them
SMALL_MODEL = {"g_hidden": 32, "d_hidden": 32, "burn_in": 0}  # small networks over-fit a few windows less
SMALL_TRAIN = {"steps": 1500, "lr_floor": 0.1, "change_weight": 0.0}  # the scores were best at 1,000-1,500 steps,
# then worsened (measured with the rates falling to a tenth, the default until session 17, without G's burn-in and
# the change loss, the default since session 21: kept here, as the figures are)
WINDOWS_PER_VALUE = 4  # fewer windows than this times a window's values (T x F): the few-long-windows recipe
# arrowhead TSTR / TRTR 0.33-0.40 with the shape loss (seed 0), 0.61-0.75 without; measured without the change loss
# and G's burn-in (LONG_MODEL), both defaults since session 21, so kept off here
LONG_TRAIN = {"shape_weight": 0.0, "change_weight": 0.0}
# and with a label: the class critic (benchmarks/results/session12), each class's roughness and rates that fall over
# 6,000 steps (arrowhead TSTR / TRTR 0.82 ± 0.05 over six seeds, against 0.72 ± 0.03; session 15)
LONG_LABELLED_TRAIN = {"class_weight": 1.0, "change_weight": 1.0, "lr_decay_steps": 6000, "lr_floor": 0.1}
LONG_MODEL = {"burn_in": 0}
LONG_CELLS = 64  # windows longer than twice this: G writes and D reads them in about this many cell steps
END_BAND = 0.05  # "near an end" of a feature's [0, 1]: within this of 0 or of 1
CROWDED_ENDS = 1.25  # crowding (share near the ends / an even spread's 2 x END_BAND) above which G gets its margin
END_MODEL = {"g_margin": 0.1}  # the standard recipe for data crowding their ends (measured on sines, session 22)
END_SAMPLE = 200_000  # values read to measure the crowding (an even subsample of larger data)


@dataclass(frozen=True)
class Recipe:
    """A recipe chosen for some data: its name, why, and the settings it changes (when left at defaults)."""

    name: str  # "standard", "small table" or "few long windows"
    reason: str  # why, in numbers
    model_changes: dict  # ModelConfig field -> value
    train_changes: dict  # TrainConfig field -> value
    warning: str | None = None  # the data are too few for any recipe: what to expect, what to do

    def apply(self, model: ModelConfig, train: TrainConfig) -> tuple[ModelConfig, TrainConfig, dict]:
        """``model`` and ``train`` with this recipe's changes to settings left at their defaults, and the changes
        made (field -> (old, new))."""
        made: dict = {}
        out = []
        for config, changes, default in ((model, self.model_changes, ModelConfig()),
                                         (train, self.train_changes, TrainConfig())):
            keep = {}
            for f in fields(config):
                if f.name in changes and getattr(config, f.name) == getattr(default, f.name) != changes[f.name]:
                    keep[f.name] = changes[f.name]
                    made[f.name] = (getattr(config, f.name), changes[f.name])
            out.append(replace(config, **keep))
        return out[0], out[1], made


def choose_recipe(n_windows: int, n_rows: int, seq_len: int, n_features: int, n_classes: int = 0,
                  whole: bool = False, crowding: float = 0.0) -> Recipe:
    """The recipe for data of ``n_windows`` windows of ``seq_len`` steps x ``n_features``, cut from ``n_rows``
    distinct time steps (rows of a table; windows of one series overlap, so rows count the information), with
    ``n_classes`` label classes (0: no label); ``whole``: each window is a whole sequence of the file, so step
    t of every window is the same place (an outline's tip, an hour of the day); ``crowding``: how much the values
    crowd their range's ends (:func:`end_crowding`; 1 for an even spread)."""
    data = (f"{n_windows:,} window{'s' if n_windows != 1 else ''} of {seq_len} steps x {n_features} "
            f"feature{'s' if n_features != 1 else ''} from {n_rows:,} rows")
    warning = None
    if n_windows < TOO_FEW_WINDOWS:
        warning = (f"Only {n_windows} windows: too few for any recipe to learn the data's shape; expect samples "
                   "that copy a few windows or wander. Use shorter windows (sequence length) or more rows.")
    values = seq_len * n_features
    if n_rows >= SMALL_ROWS and n_windows < WINDOWS_PER_VALUE * values:
        train = {**LONG_TRAIN, **(LONG_LABELLED_TRAIN if n_classes else {})}
        patch = math.ceil(seq_len / LONG_CELLS) if seq_len > 2 * LONG_CELLS else 1
        model = {**LONG_MODEL, **({"position": seq_len} if whole else {})}
        if patch > 1:
            model["patch"] = patch
        so = (["no shape loss"] + ["a class critic", "each class's roughness"] * bool(n_classes)
              + [f"{patch} steps per cell"] * (patch > 1) + ["each step's place in the whole sequence"] * whole
              + [f"rates falling to a tenth over {LONG_LABELLED_TRAIN['lr_decay_steps']:,} steps"] * bool(n_classes))
        why = (f"{data}: fewer than {WINDOWS_PER_VALUE} windows per value of a window ({values:,}), so "
               + (", ".join(so[:-1]) + " and " if len(so) > 1 else "") + so[-1])
        return Recipe("few long windows", why, model, train, warning)
    if n_rows >= SMALL_ROWS:
        why = f"{data}: enough for the standard recipe"
        if crowding <= CROWDED_ENDS:
            return Recipe("standard", why, {}, {}, warning)
        why += (f"; the values crowd their range's ends ({crowding:.1f} times an even spread within {END_BAND:.0%} of "
                f"them), so G's values reach {END_MODEL['g_margin']:g} past them")
        return Recipe("standard", why, dict(END_MODEL), {}, warning)
    return Recipe("small table", f"{data}: fewer than {SMALL_ROWS:,} rows, so smaller networks that stop early",
                  dict(SMALL_MODEL), dict(SMALL_TRAIN), warning)


def recipe_for(data, ends: bool = True) -> Recipe:
    """:func:`choose_recipe` for a :class:`~rgan.data.SequenceData`; ``ends=False`` leaves out G's margin for data
    crowding their ends (what the recipe was before session 22, for benchmarks that replay older defaults)."""
    report = data.report
    rows = int(getattr(report, "n_rows", 0) or 0) or data.n_sequences + data.seq_len - 1
    if getattr(report, "layout", "") == "sequence_rows":  # each row is a whole sequence: count its steps
        rows *= max(1, int(getattr(report, "n_columns", 1) or 1) - 1)
    return choose_recipe(data.n_sequences, rows, data.seq_len, data.n_features, data.n_classes, whole_sequences(data),
                         end_crowding(data.windows) if ends else 0.0)


def end_crowding(windows: np.ndarray) -> float:
    """How much values on [0, 1] ``(N, T, F)`` crowd their range's ends: for each feature, the share within
    ``END_BAND`` of 0 or 1 over an even spread's share (``2 * END_BAND``), the median over features (a skewed
    feature or two, such as Stocks' volume piled near 0, do not decide). Sines: 1.6; Stocks: 0.5; 0 where no value
    is near an end."""
    n, per_window = len(windows), int(np.prod(np.shape(windows)[1:]))
    if not n or not per_window:
        return 0.0
    step = max(1, math.ceil(n * per_window / END_SAMPLE))  # every step-th window: a strided view is never copied whole
    values = np.asarray(windows[::step]).reshape(-1, np.shape(windows)[-1])
    near = ((values < END_BAND) | (values > 1 - END_BAND)).mean(axis=0)
    return float(np.median(near) / (2 * END_BAND))


def whole_sequences(data) -> bool:
    """Whether each window of ``data`` is a whole sequence of its file: a file of sequences (one per row, or
    grouped by an id), every one exactly ``seq_len`` steps long, so no window starts part-way into one."""
    return sequence_length(data) == data.seq_len


def sequence_length(data) -> int | None:
    """The length every sequence of ``data``'s file shares, for a file of sequences (one per row, or grouped by an
    id) whose sequences are all one length; else None (a single series, or sequences of varied length)."""
    lengths = (getattr(data, "layout_info", None) or {}).get("length_counts") or {}
    layout = getattr(data.report, "layout", "")
    return int(next(iter(lengths))) if layout in ("sequence_rows", "long") and len(lengths) == 1 else None


def whole_length_to_offer(data) -> int | None:
    """The ``seq_len`` that would train on ``data``'s whole sequences, when its windows cut each of them into pieces
    (:func:`sequence_length` is longer than ``seq_len`` and within the allowed range); else None. The Data page
    offers it as a button, ``rgan train`` as a note."""
    whole = sequence_length(data)
    return whole if whole and data.seq_len < whole <= limits.DATA["seq_len"][1] else None


def describe(recipe: Recipe, made: dict | None = None) -> str:
    """One line: the recipe, why, and what it changed ("Recipe: small table (96 windows ...): g_hidden 64 -> 32");
    without ``made`` (the Data page, before any settings), what it would change."""
    text = f"Recipe: {recipe.name} ({recipe.reason})"
    if made is None:
        changes = {**recipe.model_changes, **recipe.train_changes}
        return text + ("; it sets " + ", ".join(f"{k} {v}" for k, v in changes.items()) if changes else "") + "."
    if made:
        text += "; changed " + ", ".join(f"{k} {old:g} → {new:g}" if isinstance(new, (int, float)) and not isinstance(new, bool)
                                         else f"{k} {old} → {new}" for k, (old, new) in made.items())
    elif recipe.model_changes or recipe.train_changes:
        text += "; your settings were kept"
    return text + "."
