"""Teaching presets: one-click runs that each show one behaviour of GAN training within a minute.

Every preset trains on the same small data set (2,000 TimeGAN sines, 24 steps x 2 features) with
small networks, so that it moves visibly on two CPU cores. Each was measured (``tests/test_presets.py``
re-checks the effect with short runs); the numbers in the comments are from one or two CPU threads of a
shared 2-core machine, seed 0. Diversity = mean pairwise distance of 300 generated windows / that of 300
real ones (1 is ideal, near 0 is mode collapse); MMD = ``rgan.metrics.mmd_rbf`` on the same windows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rgan.data import DataConfig
from rgan.models import CELLS, ModelConfig
from rgan.data.source import DataSource
from rgan.train import TrainConfig

# 2,000 sines of 24 steps with 2 features: small enough to load instantly, two chart rows to read.
TEACHING_SOURCE = DataSource("dataset", "sines", DataConfig(seq_len=24), {"n_samples": 2000, "n_features": 2})

# G: GRU 32 x 2 layers, D: GRU 32 x 1 layer, noise 4 per step + 4 per sequence. 15-30 steps/s on one
# thread of a lightly loaded 2-core machine (8 steps/s under a load average of 20).
BASE_MODEL = ModelConfig(noise_dim=4, static_noise_dim=4, g_cell="gru", g_hidden=32, g_layers=2,
                         d_cell="gru", d_hidden=32, d_layers=1, d_per_step=True, g_output="levels", d_diffs=False,
                         burn_in=0)
# Presets keep constant learning rates, levels-only D, neither principal-axes nor shape loss and G on the data's own
# scale (what they show was measured so). Presets show G itself, not its weight average (ema_decay=0): the average
# would smooth away the very behaviour each experiment is there to show (collapse, oscillation), and their numbers
# were measured so.
BASE_TRAIN = TrainConfig(batch_size=64, steps=1200, seed=0, ema_decay=0.0, lr_decay_steps=0, pca_weight=0.0,
                         shape_weight=0.0, skew_limit=0.0, change_weight=0.0)


@dataclass(frozen=True)
class Preset:
    """A guided experiment: a data source, two configs, and what to watch while it trains."""

    key: str  # URL-safe identifier, stored in the run's ``extra["preset"]``
    title: str  # short display title
    summary: str  # one or two sentences: what this run is and what it changes
    watch_for: str  # 2-3 sentences: what to watch in the Train page's charts
    source: DataSource  # the data it trains on
    model: ModelConfig  # network sizes
    train: TrainConfig  # optimisation settings

    def extra(self) -> dict[str, Any]:
        """Tags stored with the run; the Train page shows ``title`` and ``watch_for`` beside the charts."""
        return {"preset": self.key, "title": self.title, "watch_for": self.watch_for}


# cell -> (its name with an article, its gate count): more gates, more work per step
_GATES = {"lstm": ("an LSTM", "four"), "gru": ("a GRU", "three")}


def _cell_preset(cell: str) -> Preset:
    """The healthy run with ``cell`` in both networks, written to be compared with the other cell's preset."""
    other = next(c for c in CELLS if c != cell)
    (this_name, this_gates), (other_name, other_gates) = _GATES[cell], _GATES[other]
    return Preset(
        key=cell,
        title=f"{cell.upper()} generator and discriminator",
        summary=f"The healthy run with {cell.upper()} cells in both networks; same data, sizes and seed as the "
        f"{other.upper()} preset.",
        watch_for=f"Compare with the {other.upper()} run: how soon D(real) and D(fake) meet at 0.5 and the orange "
        "waves look like the blue ones. Compare the steps per second under the progress bar too "
        f"({this_name} cell has {this_gates} gates, {other_name} {other_gates}).",
        source=TEACHING_SOURCE,
        model=replace(BASE_MODEL, g_cell=cell, d_cell=cell),
        train=replace(BASE_TRAIN, steps=800),
    )


_PRESETS = (
    # Measured: D(real) 0.50, D(fake) 0.50 from about step 100; diversity 0.84-0.88 at step 120 (3 seeds),
    # 0.96 at step 300, 1.00 at step 900; MMD to real (300 vs 300 windows) 0.51 untrained -> 0.035 at step
    # 300 -> 0.009 at step 900 (two halves of the real data: 0.000).
    Preset(
        key="healthy",
        title="A healthy run",
        summary="Default-like settings that converge: small GRU generator and discriminator, moment loss on, "
        "learning rates 0.002.",
        watch_for="D(real) and D(fake) meet near 0.5 within about 100 steps and stay there: D can no longer tell. "
        "The orange sequences turn from flat lines into smooth waves spread like the blue ones, and both losses "
        "settle (loss D near 1.39 = 2 ln 2, the value of a coin-flipping D).",
        source=TEACHING_SOURCE,
        model=BASE_MODEL,
        train=replace(BASE_TRAIN, steps=1500),
    ),
    # Measured: diversity 0.00-0.16 at step 120 (3 seeds; healthy 0.84-0.88), 0.01-0.19 from step 150 to
    # 900 with brief jumps (0.38 once) when G hops to another output, 0.06 at step 1,000; MMD to real
    # 0.57-0.82; D(real) = D(fake) = 0.50 throughout; G's gradient norm ~0.015 (healthy ~0.5).
    Preset(
        key="mode-collapse",
        title="Mode collapse",
        summary="One noise number per step, no per-sequence noise, no moment loss, and a 5x faster generator "
        "(lr G 0.01): nothing pushes G to make different sequences.",
        watch_for="The orange sequences all look alike: one curve (or a few) however the noise changes. "
        "Yet D(real) and D(fake) sit at 0.5 as in a healthy run, because D judges one sequence at a time and "
        "cannot see that every fake is the same; the samples chart is the only one that shows it.",
        source=TEACHING_SOURCE,
        model=replace(BASE_MODEL, noise_dim=1, static_noise_dim=0),
        train=replace(BASE_TRAIN, steps=1000, lr_g=1e-2, moment_weight=0.0),
    ),
    # Measured: D(real) - D(fake) 0.96-0.99 by step 30 (3 seeds; healthy ~0.02); loss G 13-19 at step 30,
    # ~60 at step 300 (healthy ~0.8); D's gradient norm 1e-2 at step 30, 1e-9 by step 200.
    Preset(
        key="d-wins",
        title="The discriminator overpowers the generator",
        summary="A tiny generator (4 GRU units) against a 64-unit discriminator that learns 50x faster "
        "(lr D 0.01 vs lr G 0.0002) and takes 5 steps for each generator step.",
        watch_for="Within a few dozen steps D(real) goes to 1 and D(fake) to 0, loss D drops to 0 and loss G "
        "climbs past 10 and keeps growing. D's gradient norm falls towards zero (it has nothing left to learn) "
        "and the orange sequences stay flat: a perfect critic teaches the generator nothing.",
        source=TEACHING_SOURCE,
        model=replace(BASE_MODEL, g_hidden=4, g_layers=1, d_hidden=64),
        train=replace(BASE_TRAIN, steps=400, lr_g=2e-4, lr_d=1e-2, d_steps=5, moment_weight=0.0),
    ),
    # Measured over steps 60-120 (3 seeds): median G gradient norm 19-1,700 (healthy ~0.5), peak 1e3-4e5;
    # std of loss G 0.9-2.6 (healthy 0.05-0.14); D(real) - D(fake) ~0.55 (healthy ~0.02). By step 900
    # the peak G gradient norm is 5e7, D wins (gap 0.95) and diversity swings between 0.0 and 1.5.
    Preset(
        key="lr-too-high",
        title="Learning rate too high",
        summary="Learning rates 0.2 (100x the default) with plain Adam settings (betas 0.9, 0.999) and gradient "
        "clipping switched off.",
        watch_for="The gradient-norm chart (log scale) shoots up by several powers of ten and the loss curves "
        "jump around instead of settling. D soon wins, and the orange sequences lurch from one shape to "
        "another between refreshes. If a value ever becomes NaN or infinite, the run stops with a message.",
        source=TEACHING_SOURCE,
        model=BASE_MODEL,
        train=replace(BASE_TRAIN, steps=1000, lr_g=0.2, lr_d=0.2, beta1=0.9, beta2=0.999, grad_clip=0.0),
    ),
    # Measured at step 900 (seed 0): LSTM MMD to real 0.035, diversity 0.82; GRU MMD 0.009, diversity 1.00;
    # about the same steps/s on CPU at these sizes.
    *(_cell_preset(cell) for cell in CELLS),
)

PRESETS: dict[str, Preset] = {p.key: p for p in _PRESETS}


def get_preset(key: str) -> Preset:
    """The preset called ``key``.

    Raises:
        KeyError: no such preset (the message lists the known keys).
    """
    try:
        return PRESETS[key]
    except KeyError:
        raise KeyError(f"Unknown preset {key!r}; known presets: {', '.join(PRESETS)}.") from None
