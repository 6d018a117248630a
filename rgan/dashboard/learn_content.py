"""The Learn page's content: texts, formulas, diagrams, small live demonstrations and preset buttons.

``pages/learn.py`` only lays these out. Texts are module constants (markdown written by us, never user
input); the demonstrations are tiny numpy/torch computations that run in milliseconds.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from rgan import metrics, plots
from rgan.dashboard import diagram, runs_view, state, ui, widgets
from rgan.data import DataError
from rgan.plots import D_COLOR, FAKE_COLOR, G_COLOR, REAL_COLOR
from rgan.presets import PRESETS, TEACHING_SOURCE, get_preset
from rgan.runs import ACTIVE_STATES, Run

TRAIN_PAGE = "pages/train.py"

# ------------------------------------------------------------------------------------------ 1. GANs
WHAT_IS_A_GAN = """
A **generative adversarial network** is two networks trained against each other:

- the **generator G** turns random noise **z** into a made-up example G(z) — here a whole time series;
- the **discriminator D** looks at an example and says how likely it is to be **real** (from the data)
  rather than **fake** (from G): a probability between 0 and 1.

D is trained to tell real from fake; G is trained to make D say "real". Neither ever sees a formula for
what real data looks like: G learns it only through D's verdicts. When training works, G's samples
become so much like the data that D can do no better than a coin flip, **D = 0.5** everywhere.
"""

OBJECTIVE_INTRO = "The original objective (Goodfellow et al., 2014) is a two-player minimax game:"
MINIMAX = (r"\min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_\text{data}}\big[\log D(x)\big]"
           r" + \mathbb{E}_{z \sim p(z)}\big[\log\big(1 - D(G(z))\big)\big]")
D_LOSS_INTRO = "D maximises V, i.e. it minimises the binary cross-entropy with real = 1 and fake = 0:"
D_LOSS = (r"\mathcal{L}_D = -\,\mathbb{E}_x\big[\log D(x)\big]"
          r" - \mathbb{E}_z\big[\log\big(1 - D(G(z))\big)\big]")
G_LOSS_INTRO = """
G could minimise V directly (the *saturating* loss, left), but early in training D easily spots the
fakes, D(G(z)) ≈ 0, and there that loss is flat: G gets almost no gradient. RGAN Studio (like almost
every GAN) uses the **non-saturating** loss (right): same goal, "make D(G(z)) large", but steep exactly
where G is losing.
"""
G_LOSS_SATURATING = r"\mathcal{L}_G^\text{sat} = \mathbb{E}_z\big[\log\big(1 - D(G(z))\big)\big]"
G_LOSS_NON_SATURATING = r"\mathcal{L}_G^\text{NS} = -\,\mathbb{E}_z\big[\log D(G(z))\big]"
EQUILIBRIUM = r"D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_G(x)} \;\xrightarrow{\;p_G = p_\text{data}\;}\; \tfrac12, \qquad \mathcal{L}_D = 2\ln 2 \approx 1.386, \qquad \mathcal{L}_G^\text{NS} = \ln 2 \approx 0.693"
EQUILIBRIUM_TEXT = """
For a fixed G the best D is the ratio above; once G matches the data it is ½ everywhere. That is why, in
a healthy run, the loss chart settles near **loss D ≈ 1.39** and **loss G ≈ 0.69** (plus the small
moment term), and the D(real)/D(fake) chart settles near **0.5**. GAN losses do not go to zero, and a
lower G loss does not by itself mean better samples.
"""
GRADIENT_FIGURE_CAPTION = (
    "How hard each generator loss pushes, as a function of D's verdict on a fake. With s = D's logit, "
    "∂L/∂s is −D(G(z)) for the saturating loss and −(1 − D(G(z))) for the non-saturating one: near "
    "D(G(z)) = 0 (D wins) the first vanishes, the second is at its strongest."
)


def generator_gradient_figure(height: int = 300) -> go.Figure:
    """|dL_G/d logit| of the saturating and non-saturating generator losses vs D(G(z)) (computed by autograd)."""
    logits = torch.linspace(-7.0, 7.0, 201, requires_grad=True)
    d = torch.sigmoid(logits)
    (g_sat,) = torch.autograd.grad(torch.log1p(-d).sum(), logits)  # d/ds log(1 - sigmoid(s)) = -sigmoid(s)
    (g_ns,) = torch.autograd.grad((-torch.nn.functional.logsigmoid(logits)).sum(), logits)  # -(1 - sigmoid(s))
    x = d.detach().numpy()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=np.abs(g_sat.numpy()), name="saturating: log(1 − D(G(z)))",
                             line=dict(color=D_COLOR, width=3, dash="dash")))
    fig.add_trace(go.Scatter(x=x, y=np.abs(g_ns.numpy()), name="non-saturating: −log D(G(z))",
                             line=dict(color=G_COLOR, width=3)))
    fig.add_vrect(x0=0, x1=0.1, fillcolor="#fde2e1", opacity=0.6, line_width=0, layer="below")
    fig.add_annotation(x=0.11, y=0.5, text="D wins here:<br>fakes get D ≈ 0", showarrow=False, xanchor="left",
                       font=dict(size=11, color="#555555"))
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=55, r=20, t=40, b=45),
                      legend=dict(orientation="h", y=1.12, x=0), hovermode="x unified")
    fig.update_xaxes(title_text="D(G(z)): D's probability that a fake is real", range=[0, 1])
    fig.update_yaxes(title_text="|gradient| w.r.t. D's logit", range=[0, 1.05])
    return fig


# ------------------------------------------------------------------------------ 2. recurrent G and D
RECURRENT_TEXT = r"""
A time series is a *sequence*, so both networks here are **recurrent** (LSTM or GRU cells): they read or
write one time step at a time and carry a hidden state from each step to the next.

- **Generator.** At every step $t$ it receives a fresh noise vector $z_t$ (plus, optionally, one noise
  vector $s$ drawn once per sequence and repeated at every step, which makes sequence-wide traits such as
  a frequency easy to hold). The cell updates its state $h_t$ and a linear layer with a sigmoid turns the
  state into the output $\tilde x_t$, one value per feature in (0, 1). Because $h_t$ depends on all
  earlier steps, so does $\tilde x_t$: the generator can make smooth, ordered sequences rather than
  independent points.
- **Discriminator.** It reads a sequence $x_1, \dots, x_T$, real or generated, step by step. After each
  step its state $g_t$ has seen the whole history so far, and a linear layer turns it into a realness
  logit; the sigmoid of that is $D_t$, its probability that the sequence is real *up to step t* (the
  RCGAN design, the default here). Set *D judges: whole sequence* on the Train page to keep only the last
  verdict $D_T$.
"""
RECURRENCE = (r"h_t = \mathrm{GRU}\big(h_{t-1},\,[z_t; s]\big),\quad \tilde x_t = \sigma(W h_t + b)"
              r"\qquad\qquad g_t = \mathrm{GRU}(g_{t-1},\,x_t),\quad D_t = \sigma(v^\top g_t + c)")
PER_STEP_LOSS = (r"\mathcal{L}_D = -\frac{1}{T}\sum_{t=1}^{T}\Big[\log D_t(x) + \log\big(1 - D_t(G(z))\big)\Big]"
                 r",\qquad \mathcal{L}_G = -\frac{1}{T}\sum_{t=1}^{T}\log D_t(G(z))"
                 r" + \lambda\,\big(\lvert\bar{\tilde x} - \bar x\rvert + \lvert\sigma_{\tilde x} - \sigma_x\rvert\big)")
PER_STEP_TEXT = """
The last term is the **moment loss** (weight λ = 1 by default): it asks the batch of fakes to have the
same per-step mean and spread as the batch of real sequences. D judges one sequence at a time and cannot
notice that all fakes are alike; this term can (see *mode collapse* below).
"""


def unrolled_diagram(steps: int = 4, per_step: bool = True) -> str:
    """Graphviz DOT of G and D unrolled in time: z_t -> G cells -> x_t -> D cells -> D_t.

    Args:
        steps: columns drawn; the last one is labelled T and a "…" column precedes it when steps > 3.
        per_step: True draws a verdict D_t at every step (RCGAN); False only D_T (whole sequence).
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}.")
    labels = [str(i) for i in range(1, steps)] + ["T"]
    cols = list(range(steps))
    gap = steps > 3  # a "…" column between the shown steps and the last one
    lines = [
        "digraph unrolled {",
        "  rankdir=TB; bgcolor=transparent; nodesep=0.3; ranksep=0.32; newrank=true;",
        '  node [fontname="Helvetica", fontsize=12, style="rounded,filled", penwidth=1.2];',
        '  edge [color="#6b7280", arrowsize=0.6];',
    ]

    def row(prefix: str, make) -> None:
        names = []
        for c in cols:
            if gap and c == steps - 1:
                lines.append(f'  {prefix}_gap [label="…", shape=plaintext, style="", fontsize=18];')
                names.append(f"{prefix}_gap")
            name = f"{prefix}{c}"
            lines.append(f"  {name} [{make(labels[c])}];")
            names.append(name)
        lines.append("  { rank=same; " + "; ".join(names) + "; }")

    row("z", lambda t: f'label=<z<SUB>{t}</SUB>>, shape=ellipse, fillcolor="#f3f4f6", color="#9aa0a6"')
    row("g", lambda t: f'label="G cell", shape=box, fillcolor="#e0f3e0", color="{G_COLOR}"')
    row("x", lambda t: f'label=<x<SUB>{t}</SUB>>, shape=box, fillcolor="#fff1e0", color="{FAKE_COLOR}"')
    row("d", lambda t: f'label="D cell", shape=box, fillcolor="#fde2e1", color="{D_COLOR}"')
    row("o", lambda t: (f'label=<D<SUB>{t}</SUB>>, shape=circle, fillcolor="#ffffff", color="{D_COLOR}"'
                        if per_step or t == "T" else 'label="", shape=point, style=invis'))
    for c in cols:
        lines.append(f"  z{c} -> g{c}; g{c} -> x{c}; x{c} -> d{c};")
        lines.append(f'  d{c} -> o{c}{" [style=invis]" if not per_step and c != steps - 1 else ""};')
    for prefix, color, label in (("g", G_COLOR, "h"), ("d", D_COLOR, "g")):
        chain = [f"{prefix}{c}" for c in cols]
        for a, b in itertools.pairwise(chain):
            if gap and b == chain[-1]:
                lines.append(f'  {a} -> {prefix}_gap [color="{color}", penwidth=2, label=" {label}", fontsize=10, '
                             f'fontcolor="{color}"];')
                lines.append(f'  {prefix}_gap -> {b} [color="{color}", penwidth=2];')
            else:
                lines.append(f'  {a} -> {b} [color="{color}", penwidth=2, label=" {label}", fontsize=10, '
                             f'fontcolor="{color}"];')
    for prefix in ("z", "x", "o"):  # invisible edges keep every row in time order, "…" included
        chain = [f"{prefix}{c}" for c in cols]
        if gap:
            chain.insert(steps - 1, f"{prefix}_gap")
        lines.append(f"  {' -> '.join(chain)} [style=invis];")
    lines.append(f'  real [label=<or a real sequence<BR/>x<SUB>1</SUB> … x<SUB>T</SUB>>, shape=note, fillcolor="#e8f1fb", color="{REAL_COLOR}"];')
    lines.append(f'  {{ rank=same; real -> x0 [style=dashed, color="{REAL_COLOR}"]; }}')  # left of x1
    lines.append("}")
    return "\n".join(lines)


DIAGRAM_CAPTION = (
    "Unrolled in time: the same G cell (green) and D cell (red) are applied at every step, passing their "
    r"hidden states $h$ and $g$ to the right. Noise $z_1 \dots z_T$ goes in at the top; the sequence "
    r"$x_1 \dots x_T$ comes out of G (or is a real one) and is read by D, which gives a verdict $D_t$ at "
    r"each step (or only $D_T$)."
)

# --------------------------------------------------------------------------------- 3. reading charts
@dataclass(frozen=True)
class ChartGuide:
    """How to read one chart of the Train page."""

    name: str
    shows: str  # what is drawn
    healthy: str  # what a good run looks like
    warning: str  # what should worry you


CHARTS = (
    ChartGuide(
        "Losses",
        "loss D (red) and loss G (green) at every step; the bold line is a moving average (the *Smoothing* "
        "slider), the raw values are faint underneath. Dashed vertical lines mark settings changed while training.",
        "both settle and wobble around a level: loss D near 1.39 (= 2 ln 2) and loss G near 0.69 plus the "
        "moment term once D can no longer tell.",
        "loss D falling to 0 while loss G climbs (D wins); large swings that never settle (learning rate "
        "too high); a jump right after a dashed marker (the change you made did that).",
    ),
    ChartGuide(
        "D(real) vs D(fake)",
        "the mean probability D gives real sequences (blue) and generated ones (orange); the dotted line at "
        "0.5 means *D can't tell*. With the WGAN-GP loss these are raw critic scores instead and the 0.5 line "
        "is not drawn.",
        "the two lines start apart and meet near 0.5.",
        "a wide gap that stays open (D(real) → 1, D(fake) → 0: D overpowers G); lines swinging up and down "
        "together (oscillation). Lines at 0.5 are necessary, not sufficient: check the samples.",
    ),
    ChartGuide(
        "Gradient norms",
        "the size of each network's gradient at every update, on a log scale (D red, G green), measured before "
        "clipping: above 10 (the default *Gradient clip*) the update is scaled down to a norm of 10, so the "
        "part of a line above 10 shows how much clipping is holding back.",
        "values between about 0.01 and 10 that stay within a factor of ten or so.",
        "a line shooting up by powers of ten (exploding: learning rate too high, no clipping); a line "
        "sinking towards 1e-6 or below (vanishing: that network has stopped learning).",
    ),
    ChartGuide(
        "Fixed-noise samples over real ones",
        "eight real sequences (blue) and the generator's output for a *fixed* batch of noise (orange), one row "
        "per feature, in the data's own units. The noise never changes, so any change you see is G learning.",
        "the orange lines take the shape and spread of the blue ones: here, smooth waves at many levels.",
        "all orange lines alike (mode collapse); flat lines long after the start (G is not learning); "
        "shapes that jump from one refresh to the next (oscillation).",
    ),
    ChartGuide(
        "Evolution (Look closer tab)",
        "the fixed-noise output kept every 50 steps, as an animation with a step slider, over real sequences.",
        "a steady morph from noise-like or flat lines into data-like ones.",
        "no change over many snapshots, or a back-and-forth between a few shapes.",
    ),
    ChartGuide(
        "Discriminator's view (Look closer tab)",
        "one real and one generated sequence coloured by D's verdict at every step (green = real, red = "
        "fake), with arrows showing which way the generator's next update would move each generated value.",
        "mixed, uncertain colours on both; short arrows.",
        "a real sequence all green and a fake one all red (D wins); long arrows all pointing the same way "
        "(G is being pulled hard in one direction).",
    ),
    ChartGuide(
        "Step by step tab",
        "the model overview with the current sub-step lit up (D phase red, G phase green, the other network "
        "marked *frozen*), with buttons to run one D step, one G step, or both, optionally in slow motion.",
        "use it to follow one training step: a D step moves D(real) up and D(fake) down; a G step moves "
        "D(fake) up.",
        "a G step that does not change D(fake) at all: G's gradient has vanished.",
    ),
    ChartGuide(
        "Progress bar and status line",
        "steps done, steps per second and the time left; the run's settings; the queue position when "
        "other runs hold the training slots.",
        "a steady steps/s.",
        "steps/s dropping when other runs start (they share the cores); a red box: the run failed and says why.",
    ),
)

# ---------------------------------------------------------------------------------- 4. failure modes
@dataclass(frozen=True)
class FailureMode:
    """A way GAN training goes wrong, how to recognise it and what to change."""

    name: str
    looks_like: str
    why: str
    what_to_change: str
    preset: str  # key of the preset that shows it
    note: str = ""  # a pointer to where the preset shows it, when that is not obvious


FAILURE_MODES = (
    FailureMode(
        "Mode collapse",
        "The orange samples all look alike (one wave, or a few), whatever the noise. The D(real)/D(fake) "
        "and loss charts can look perfectly healthy.",
        "G finds one output that D accepts and maps every z to it. D judges each sequence on its own, so "
        "it cannot see that every fake is the same one; when it finally learns to reject that output, G "
        "jumps to another one.",
        "Give G noise it can use (more noise per step, noise per sequence), keep the moment loss on (it "
        "compares whole batches), lower lr G, or try WGAN-GP.",
        "mode-collapse",
    ),
    FailureMode(
        "The discriminator overpowers the generator",
        "D(real) → 1 and D(fake) → 0 within a few dozen steps; loss D → 0, loss G climbs and keeps "
        "climbing; the samples stop improving.",
        "D is much bigger or learns much faster than G. Once it is certain, its verdicts carry almost no "
        "information about *how* to improve, and D itself stops learning (its gradient vanishes).",
        "Shrink D or grow G, lower lr D or raise lr G, fewer D steps per G step, one-sided label "
        "smoothing (*Stabilisers and optimiser* in the Train form), or the WGAN-GP loss (a critic that stays informative when it wins). You can lower lr D and D steps "
        "while the run trains (*Change while training*).",
        "d-wins",
    ),
    FailureMode(
        "Oscillation and divergence",
        "Loss curves that jump around and never settle, D(real)/D(fake) swinging, a gradient norm shooting "
        "up by powers of ten, samples that change shape from one refresh to the next. In the worst case a "
        "value becomes NaN and the run stops with a message (the weights are kept at their last good values).",
        "Each player's step is so large that it overshoots: G chases where D *was*, D chases where G was, and "
        "neither settles. Without gradient clipping one huge gradient can wreck the weights.",
        "Lower both learning rates (try 10x lower), keep gradient clipping on, use Adam's β1 = 0.5 as the "
        "defaults do (both under *Stabilisers and optimiser* in the Train form). Changing the learning rates "
        "while training shows the effect on the same run.",
        "lr-too-high",
    ),
    FailureMode(
        "Vanishing gradients",
        "A gradient-norm line sinking towards 1e-6 or lower; the network it belongs to stops changing (flat "
        "curves, samples frozen between Evolution snapshots).",
        "A sigmoid that is certain has a flat slope. With the saturating G loss, G's gradient vanishes "
        "exactly when D wins (chart above); RGAN Studio uses the non-saturating loss so G keeps a gradient, "
        "but a D that is certain of everything still stops learning itself. Long sequences can also shrink "
        "gradients through time; LSTM and GRU gates are there to prevent that.",
        "Keep the non-saturating loss (or use WGAN-GP), keep D from winning outright (see above), use "
        "shorter sequences or LSTM/GRU cells, lower learning rates that drove units into saturation.",
        "d-wins",
        "In the *D overpowers G* run, watch D's gradient norm (red, log scale) fall to about 1e-9.",
    ),
)

# ----------------------------------------------------------------------------- 5. the naive version
_SEED_LINES = (  # (line, defects it shows); comments translated from the article's Chinese
    ("generator_input = Input(shape=(None, 1))  # 随机噪声输入 random-noise input", ""),
    ("x = LSTM(128)(generator_input)  # 循环层 recurrent layer", "2"),
    ("output = Dense(1, activation='sigmoid')(x)  # 全连接层 dense layer", "7"),
    ("generator = Model(generator_input, output)", ""),
    ("discriminator_input = Input(shape=(None, 1))", ""),
    ("x = LSTM(128)(discriminator_input)", "2"),
    ("output = Dense(1, activation='sigmoid')(x)", ""),
    ("discriminator = Model(discriminator_input, output)", ""),
    ("discriminator.compile(loss='binary_crossentropy', optimizer='adam')", ""),
    ("generator.compile(loss='binary_crossentropy', optimizer='adam')", "4, 5"),
    ("for epoch in range(10000):", ""),
    ("    noise = np.random.normal(0, 1, (100, 1))", "3, 6"),
    ("    generated_data = generator.predict(noise)", ""),
    ("    real_data = np.random.randint(0, 1, (100, 1))", "1"),
    ("    real_loss = discriminator.train_on_batch(real_data, np.ones((100, 1)))", ""),
    ("    fake_loss = discriminator.train_on_batch(generated_data, np.zeros((100, 1)))", ""),
    ("    generator.train_on_batch(noise, np.ones((100, 1)))", "4"),
)


def _display_width(text: str) -> int:
    """Columns a monospace font gives ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


SEED_CODE = "\n".join(line + " " * (80 - _display_width(line)) + f"# ({marks})" if marks else line
                       for line, marks in _SEED_LINES)


@dataclass(frozen=True)
class Defect:
    """One defect of the seed article's Keras sketch, with the line, what happens and the fix."""

    title: str
    wrong: str  # the offending code
    what_happens: str
    fix: str  # corrected code (Keras) and how RGAN Studio does it (PyTorch)
    demo: str | None = None  # name of a live demonstration in DEMOS


DEFECTS = (
    Defect(
        "1. The “real data” is all zeros",
        "real_data = np.random.randint(0, 1, (100, 1))",
        "`randint`'s upper bound is exclusive, so every value is 0. The discriminator is shown a constant as "
        "real data: there is nothing to learn, and G only has to output 0.",
        "# real sequences, scaled to [0, 1], shape (batch, time, features)\n"
        "data = rgan.datasets.load_dataset(\"sines\")          # data.windows: (10000, 24, 5)\n"
        "real = data.windows[rng.integers(0, len(data.windows), 100)]",
        "randint",
    ),
    Defect(
        "2. One number per sequence instead of a sequence",
        "x = LSTM(128)(generator_input)",
        "Without `return_sequences=True` a Keras LSTM returns only its last hidden state, (batch, 128). The "
        "Dense layer then makes one value per sequence, so G never generates a sequence and D is trained on "
        "single numbers.",
        "x = LSTM(128, return_sequences=True)(z)           # (batch, time, 128)\n"
        "out = TimeDistributed(Dense(1, activation=\"sigmoid\"))(x)\n"
        "# RGAN Studio (rgan/models.py):\n"
        "h, _ = self.rnn(z)                       # (B, T, H): every step, not only the last\n"
        "return torch.sigmoid(self.out(h))        # (B, T, F)",
        "last_state",
    ),
    Defect(
        "3. Noise of the wrong shape",
        "noise = np.random.normal(0, 1, (100, 1))",
        "The models take `Input(shape=(None, 1))`, i.e. (batch, time, features); a 2-D array fails: Keras "
        "raises `expected ndim=3, found ndim=2`. (PyTorch would silently read it as *one* sequence of 100 "
        "steps, which is worse.)",
        "noise = np.random.normal(0, 1, (100, T, noise_dim))   # one noise vector per time step\n"
        "# RGAN Studio: z = torch.randn(B, T, noise_dim, generator=rng)",
        None,
    ),
    Defect(
        "4. The generator never hears from the discriminator",
        "generator.train_on_batch(noise, np.ones((100, 1)))",
        "G is compiled on its own, so this fits G's output to the constant 1 with cross-entropy. D's verdict "
        "never reaches G: this is regression to a constant, not adversarial training.",
        "z = Input(shape=(None, noise_dim))\n"
        "gan = Model(z, discriminator(generator(z)))   # G's output goes through D\n"
        "gan.compile(loss=\"binary_crossentropy\", optimizer=\"adam\")\n"
        "gan.train_on_batch(noise, np.ones((100, T, 1)))  # 'make D say real'\n"
        "# RGAN Studio (rgan/train.py): loss_g = BCE(D(G(z)), 1), backpropagated through D into G",
        None,
    ),
    Defect(
        "5. Nothing freezes D while G learns",
        "generator.compile(...)  # no combined model, no discriminator.trainable = False",
        "In a combined model D's weights must be frozen during G's update, otherwise the G step also "
        "trains D to call fakes real, undoing D's own training.",
        "discriminator.trainable = False   # before compiling the combined model\n"
        "# RGAN Studio: D.requires_grad_(False) in the G phase; fake.detach() in the D phase",
        None,
    ),
    Defect(
        "6. `numpy` is never imported",
        "noise = np.random.normal(0, 1, (100, 1))",
        "The script stops at the first `np.` with `NameError: name 'np' is not defined`.",
        "import numpy as np",
        None,
    ),
    Defect(
        "7. A sigmoid output, but no scaling",
        "output = Dense(1, activation='sigmoid')(x)",
        "G can only output values in (0, 1). Real data in any other range (prices, temperatures, a sine in "
        "[−1, 1]) is then trivially told apart by its range, and samples come out in the wrong units.",
        "scaler = MinMaxScaler().fit(train)          # per feature\n"
        "real = scaler.transform(windows)             # to [0, 1], like the sigmoid\n"
        "samples = scaler.inverse_transform(G(z))     # back to the data's units\n"
        "# RGAN Studio: rgan.data.MinMaxScaler, applied on load and on export",
        "scaling",
    ),
    Defect(
        "8. Loose formulas",
        "ŷ = f(y_{t−1}, y_t, …, y_{t−n}) + ε        D(y) = g(y_{t−1}, …, y_{t−n}) + b",
        "The first is a forecaster with added noise (driven by past values), not a generator (driven by noise "
        "z). The second is not a probability: nothing keeps it in [0, 1], so cross-entropy with labels 1/0 "
        "is meaningless.",
        "h_t = RNN(h_{t-1}, z_t);  x̃_t = sigmoid(W h_t + b)      # generated from noise\n"
        "g_t = RNN(g_{t-1}, x_t);  D_t = sigmoid(v·g_t + c)      # a probability in (0, 1)",
        None,
    ),
)


def demo_randint() -> str:
    """Run the sketch's real-data line and report what it produced."""
    real_data = np.random.randint(0, 1, (100, 1))
    values, counts = np.unique(real_data, return_counts=True)
    found = ", ".join(f"{v} × {c}" for v, c in zip(values.tolist(), counts.tolist()))
    fixed = np.unique(np.random.randint(0, 2, (100, 1))).tolist()
    return (f"Live: `np.random.randint(0, 1, (100, 1))` just gave the values {{{found}}} — all zeros. "
            f"`randint(0, 2, …)` gives {fixed}.")


def demo_last_state() -> str:
    """Shapes of an LSTM's full output and of its last state only (what Keras returns by default)."""
    lstm = torch.nn.LSTM(1, 128, batch_first=True)
    with torch.no_grad():
        out, _ = lstm(torch.randn(100, 24, 1))  # (batch, time, features)
    return (f"Live: an LSTM run on noise of shape (100, 24, 1) gives every step, {tuple(out.shape)}; the last "
            f"state alone is {tuple(out[:, -1].shape)} — after Dense(1), one number per sequence, "
            f"{tuple(out[:, -1, :1].shape)}, instead of a sequence (100, 24, 1).")


def demo_scaling() -> str:
    """How much of the teaching data a bare sigmoid can never produce."""
    data = state.load_source(TEACHING_SOURCE)
    raw = data.real_units()  # (N, T, F) in [-1, 1]
    outside = float(np.mean((raw <= 0) | (raw >= 1)))
    return (f"Live: the sines used by the presets range from {raw.min():.2f} to {raw.max():.2f}; "
            f"{outside:.0%} of their values lie outside (0, 1), where a sigmoid cannot reach. After min-max "
            "scaling every value is in [0, 1] and the inverse brings samples back exactly.")


DEMOS = {"randint": demo_randint, "last_state": demo_last_state, "scaling": demo_scaling}

# ------------------------------------------------------------------------------ 6. article's questions
@dataclass(frozen=True)
class Question:
    """One of the seed article's section-9 questions, its answer there, and a fuller one."""

    asked: str  # the question as the article asks it (Chinese)
    english: str
    article_says: str  # the article's answer, in English
    answer: str  # markdown
    see: str  # where to see it live
    preset: str  # the experiment that shows it


QUESTIONS = (
    Question(
        "循环神经网络中的生成对抗网络为什么效果更好？",
        "Why do GANs built from recurrent networks work better (on sequences)?",
        "RNNs capture long-term dependencies, so the GAN generates more continuous, coherent data.",
        "A recurrent generator carries its state from step to step, so every value depends on all earlier ones "
        "and on the noise: it can make *ordered* sequences, not independent points. A recurrent "
        "discriminator reads the history before each verdict, so it can reject fakes whose values are "
        "individually plausible but wrongly ordered — the very thing a per-value model cannot check. "
        "\"Better\" must be measured, though: on Sines, a generator with no time structure at all already "
        "reaches a discriminative score of about 0.33 (0 is perfect), while this project's recurrent GANs reach "
        "0.004–0.19 after three minutes of training (Compare page). LSTM and GRU gates ease learning across steps but very long sequences stay hard.",
        "Start *A healthy run* and open **Look closer → Evolution**: the waves emerge as one coherent shape, "
        "not point by point.",
        "healthy",
    ),
    Question(
        "生成对抗网络中的判定器如何评估数据的真实性？",
        "How does the discriminator judge whether data is real?",
        "By comparing the differences between the generated data and the real data.",
        "D never compares a fake with a real sequence side by side. It is a classifier: it is shown real "
        "sequences labelled 1 and generated ones labelled 0 and learns, by gradient descent on cross-entropy, "
        "features that separate them. At run time it sees one sequence and outputs a probability — here one "
        r"per time step, $D_t$, after reading $x_1 \dots x_t$. Any \"comparison\" is implicit in what it learned. "
        "One consequence: it cannot notice that all fakes are the same (mode collapse), because it never "
        "sees them together.",
        "In any run open **Look closer → Discriminator's view**: D's verdict is drawn at every step of a real "
        "and a generated sequence (below: the run you opened last, if any).",
        "d-wins",
    ),
    Question(
        "循环神经网络中的生成对抗网络如何训练？",
        "How is a recurrent GAN trained?",
        "G generates fake data, D evaluates it, and G is trained by contrasting D's evaluations.",
        "By alternating two phases at every step. **(1) D phase** (repeated *D steps per G step* times): take a "
        "batch of real sequences and a batch of noise, let G make fakes (G frozen: its output is detached), "
        "compute D's cross-entropy loss (real → 1, fake → 0) and update **D only**. **(2) G phase**: freeze D, "
        "let D judge G's fakes, compute G's loss −log D(G(z)) (plus the moment term), backpropagate *through "
        "the frozen D into G* and update **G only**. Both use Adam; the sizes of these two steps (the learning "
        "rates) and their ratio decide whether the game settles.",
        "On the Train page open **Step by step**, turn on *Slow motion* and press *D step only*, then *G step "
        "only*: the diagram lights up each sub-step and marks the frozen network.",
        "healthy",
    ),
)

# ----------------------------------------------------------------------------------- preset buttons
def _start_preset(key: str) -> Run:
    preset = get_preset(key)
    widgets.set_train_form(preset.model, preset.train)  # the Train sidebar then shows these settings
    state.set_current_data(preset.source)
    return state.start_run(preset.model, preset.train, preset.source, extra=preset.extra())


def start_presets(keys: tuple[str, ...], label: str, button_key: str, **button_args) -> None:
    """A button that starts the presets ``keys`` (in order) and opens the Train page on the first one.

    This browser's experiments that are still active are stopped first (their checkpoints are kept).
    """
    if not st.button(label, key=button_key, **button_args):
        return
    reg, me = state.registry(), state.owner()
    for run in reg.list_runs(me):  # one experiment at a time, or clicks would pile up in the queue
        if run.extra.get("preset") and run.state in ACTIVE_STATES:
            run.stop()  # keeps a checkpoint: it can be resumed from "Your runs"
    try:
        runs = [_start_preset(k) for k in keys]
    except (DataError, ValueError) as e:
        ui.show_error(e, "The preset could not start; try again or start a run from the Train page.")
        return
    state.set_current_run(runs[0].id)
    st.switch_page(TRAIN_PAGE, query_params={"me": state.owner(), "run": runs[0].id})


def preset_card(key: str, button_key: str | None = None) -> None:
    """A bordered card: title, summary, sizes, and a Start button."""
    p = PRESETS[key]
    with st.container(border=True, height="stretch"):  # cards in a row share the tallest one's height
        st.markdown(f"**{p.title}**")
        st.caption(p.summary)
        m, t = p.model, p.train
        st.caption(f"G {m.g_cell.upper()} {m.g_hidden}×{m.g_layers} · D {m.d_cell.upper()} {m.d_hidden}×{m.d_layers} · "
                   f"lr G {t.lr_g:g} · lr D {t.lr_d:g} · D steps {t.d_steps} · {t.steps:,} steps")
        st.space("stretch")  # the buttons line up at the bottom
        start_presets((key,), "Start", button_key or f"preset_{key}", icon=":material/play_arrow:",
                      type="primary", width="stretch")


# --------------------------------------------------------------------------------- your experiments
SAMPLES_MEASURED = 300  # generated and real windows compared per run


def _real_subset(run: Run, seed: int = 0) -> np.ndarray | None:
    data = state.run_data(run)
    if data is None:
        return None
    n = min(SAMPLES_MEASURED, data.n_sequences)
    return np.asarray(data.windows[np.random.default_rng(seed).choice(data.n_sequences, n, replace=False)])


def _sample_scores(run: Run) -> tuple[float, float]:
    """(diversity ratio, MMD) of the run's generator against its real data; NaN when unavailable."""
    real = _real_subset(run)
    fake = None if real is None else state.use_trainer(run, lambda t: t.sample(SAMPLES_MEASURED, seed=1, scaled=True))
    if real is None or fake is None:
        return math.nan, math.nan
    return metrics.diversity(fake, real)["ratio"], metrics.mmd_rbf(real, fake)


def real_vs_real_mmd() -> float:
    """MMD between two disjoint sets of the teaching data's real windows: the floor for the table's MMD."""
    windows = state.load_source(TEACHING_SOURCE).windows
    picks = np.random.default_rng(0).permutation(len(windows))
    return metrics.mmd_rbf(windows[picks[:SAMPLES_MEASURED]], windows[picks[SAMPLES_MEASURED:2 * SAMPLES_MEASURED]])


def experiments_frame(runs: list[Run], tail: int = 50) -> pd.DataFrame:
    """One row per preset run: the numbers each lesson is about (curves averaged over the last ``tail`` steps)."""
    rows = []
    for run in runs:
        snap = run.snapshot()
        h = {k: np.asarray(v, dtype=float) for k, v in snap.history.items()}
        n = len(h["step"])
        diversity, mmd = _sample_scores(run) if n else (math.nan, math.nan)
        seconds = h["time"][-1] if n else math.nan
        rows.append({
            "experiment": snap.extra.get("title", snap.extra.get("preset", "")),
            "run": ui.short_id(snap.id),
            "state": snap.state,
            "step": snap.step,
            "steps/s": snap.step / seconds if n and seconds > 0 else math.nan,
            "D(real)": _finite(np.nanmean, h["d_real"][-tail:]),
            "D(fake)": _finite(np.nanmean, h["d_fake"][-tail:]),
            "loss G": _finite(np.nanmean, h["loss_g"][-tail:]),
            "peak grad norm G": _finite(np.nanmax, h["grad_norm_g"]),
            "diversity": diversity,
            "MMD to real": mmd,
        })
    return pd.DataFrame(rows)


def _finite(reduce, values: np.ndarray) -> float:
    """``reduce`` over the finite values, NaN when there are none (an empty history, a phase that never ran)."""
    return float(reduce(values)) if np.isfinite(values).any() else math.nan


MAX_EXPERIMENTS = 10  # preset runs measured in the table (newest first)


@st.fragment
def experiments(reg, owner: str) -> None:
    """This browser's preset runs side by side: the lesson's numbers and the D(real) - D(fake) gap over time."""
    runs = [r for r in reg.list_runs(owner) if r.extra.get("preset")][:MAX_EXPERIMENTS]
    if not runs:
        st.info("Start one of the experiments above; its numbers appear here, next to your other experiments.",
                icon=":material/science:")
        return
    st.button("Measure again", key="learn_measure", icon=":material/refresh:")
    frame = experiments_frame(runs)
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "steps/s": st.column_config.NumberColumn(format="%.1f"),
        "D(real)": st.column_config.NumberColumn(format="%.2f"),
        "D(fake)": st.column_config.NumberColumn(format="%.2f"),
        "loss G": st.column_config.NumberColumn(format="%.2f"),
        "peak grad norm G": st.column_config.NumberColumn(format="%.3g"),
        "diversity": st.column_config.NumberColumn(format="%.2f", help="Spread of 300 generated sequences / spread of "
                                                   "300 real ones. 1 = as varied as the data; near 0 = mode collapse."),
        "MMD to real": st.column_config.NumberColumn(format="%.3f", help="Maximum mean discrepancy between 300 "
                                                     "generated and 300 real sequences; 0 = same distribution."),
    })
    st.caption(f"D(real), D(fake) and loss G are means over the last 50 steps; diversity and MMD compare "
               f"{SAMPLES_MEASURED} generated with {SAMPLES_MEASURED} real sequences. For reference, two halves of the "
               f"real data: MMD {real_vs_real_mmd():.3f}, diversity about 1. A healthy run gets close to both.")
    histories = {}
    for run in runs:
        snap = run.snapshot()
        real, fake = np.asarray(snap.history["d_real"], float), np.asarray(snap.history["d_fake"], float)
        label = f"{snap.extra.get('title', snap.extra.get('preset'))} · {ui.short_id(snap.id)}"
        histories[label] = {"step": snap.history["step"], "gap": list(real - fake)}
    st.plotly_chart(plots.runs_loss_figure(histories, key="gap", smoothing=0.9,
                                           title="D(real) − D(fake) by run (0: D can't tell; 1: D wins outright)"),
                    key="learn_gap_fig", width="stretch")


# ------------------------------------------------------------------------------------ page sections
def section_gan() -> None:
    st.markdown(WHAT_IS_A_GAN)
    st.markdown(OBJECTIVE_INTRO)
    st.latex(MINIMAX)
    st.markdown(D_LOSS_INTRO)
    st.latex(D_LOSS)
    st.markdown(G_LOSS_INTRO)
    left, right = st.columns(2)
    left.latex(G_LOSS_SATURATING)
    right.latex(G_LOSS_NON_SATURATING)
    st.plotly_chart(generator_gradient_figure(), key="learn_grad_fig", width="stretch")
    st.caption(GRADIENT_FIGURE_CAPTION)
    st.latex(EQUILIBRIUM)
    st.markdown(EQUILIBRIUM_TEXT)


def section_recurrent() -> None:
    st.markdown(RECURRENT_TEXT)
    judges = st.segmented_control("D judges", ["every step", "whole sequence"], default="every step",
                                  key="learn_d_judges", required=True)
    st.graphviz_chart(unrolled_diagram(4, per_step=judges == "every step"), width="stretch")
    st.caption(DIAGRAM_CAPTION)
    st.latex(RECURRENCE)
    st.latex(PER_STEP_LOSS)
    st.markdown(PER_STEP_TEXT)


def section_charts() -> None:
    for guide in CHARTS:
        with st.expander(guide.name, expanded=True):
            st.markdown(f"**Shows:** {guide.shows}  \n**Healthy:** {guide.healthy}  \n**Worrying:** {guide.warning}")


def section_failures() -> None:
    for i, mode in enumerate(FAILURE_MODES):
        st.subheader(mode.name)
        st.markdown(f"**What it looks like.** {mode.looks_like}  \n**Why.** {mode.why}  \n"
                    f"**What to change.** {mode.what_to_change}")
        if mode.note:
            st.caption(mode.note)
        start_presets((mode.preset,), f"Try it: {PRESETS[mode.preset].title}", f"try_{i}_{mode.preset}",
                      icon=":material/science:")


def section_naive() -> None:
    st.markdown("The article this project grew from sketches a recurrent GAN in Keras. The idea is right; the code "
                "cannot work. Each defect is a lesson; the numbers on the right point at the lines (comments "
                "translated):")
    st.code(SEED_CODE, language="python")
    for defect in DEFECTS:
        st.markdown(f"**{defect.title}**")
        left, right = st.columns([2, 3])
        left.caption("Wrong")
        left.code(defect.wrong, language="python", wrap_lines=True)
        right.caption("Fixed")
        right.code(defect.fix, language="python", wrap_lines=True)
        st.markdown(defect.what_happens)
        if defect.demo:
            st.info(DEMOS[defect.demo](), icon=":material/play_circle:")


def section_questions(reg) -> None:
    for i, q in enumerate(QUESTIONS):
        st.markdown(f"#### {q.english}")
        st.caption(f"{q.asked} — the article answers: “{q.article_says}”")
        st.markdown(q.answer)
        st.info(q.see, icon=":material/visibility:")
        start_presets((q.preset,), f"Try it: {PRESETS[q.preset].title}", f"q{i}_{q.preset}", icon=":material/science:")
        if i == 1 and (run := state.current_run(reg)) is not None:
            runs_view.discriminator_view(run.id)  # live: D's per-step verdicts on the last opened run
    st.graphviz_chart(diagram.model_diagram(("G", "gradients")), width="stretch")
    st.caption("One sub-step of training as the Step by step tab draws it: G phase, gradients flow from the loss "
               "back through the frozen D into G.")
