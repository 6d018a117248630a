"""The model-overview diagram for the step-by-step view, as Graphviz DOT text.

noise z -> G -> fake x -> D <- real x, D -> loss, and dashed gradient edges back from the loss. The
nodes and edges that the current sub-step ``(phase, name)`` touches are drawn in the phase's colour
(D red, G green, as in the charts); the network that is not being updated is marked "frozen".
"""

from __future__ import annotations

from rgan.plots import D_COLOR, G_COLOR
from rgan.train.substeps import D_PHASE, G_PHASE, GENERATE, GRADIENTS, JUDGE, LOSS, SAMPLE_NOISE, UPDATE

IDLE = "#9aa0a6"
FILL = {D_PHASE: "#fde2e1", G_PHASE: "#e0f3e0"}

# What each sub-step means, for the caption beside the diagram.
EXPLAIN = {
    (D_PHASE, SAMPLE_NOISE): "D phase: draw a batch of real sequences and a batch of noise z.",
    (D_PHASE, GENERATE): "D phase: G turns the noise into fake sequences (G is frozen: no gradients).",
    (D_PHASE, JUDGE): "D phase: D gives every real and every fake sequence a realness score.",
    (D_PHASE, LOSS): "D phase: D's loss is low when it calls real 'real' and fake 'fake'.",
    (D_PHASE, GRADIENTS): "D phase: backpropagate D's loss into D's weights.",
    (D_PHASE, UPDATE): "D phase: the optimiser changes D's weights a little.",
    # Trainer.step's G phase reuses the D phase's last fakes and never reports these two; the textbook
    # loop draws fresh noise here.
    (G_PHASE, SAMPLE_NOISE): "G phase: draw fresh noise z.",
    (G_PHASE, GENERATE): "G phase: G makes fake sequences, this time keeping the graph for gradients.",
    (G_PHASE, JUDGE): "G phase: D (frozen) scores the fakes.",
    (G_PHASE, LOSS): "G phase: G's loss is low when D calls its fakes 'real'.",
    (G_PHASE, GRADIENTS): "G phase: the gradient flows back through the frozen D into G's weights.",
    (G_PHASE, UPDATE): "G phase: the optimiser changes G's weights a little.",
}

_NODES = {
    "z": "noise z",
    "G": "Generator G",
    "fake": "fake x̃",
    "real": "real x",
    "D": "Discriminator D",
    "loss": "loss",
}
_FORWARD = [("z", "G"), ("G", "fake"), ("fake", "D"), ("real", "D"), ("D", "loss")]
_BACKWARD = [("loss", "D"), ("D", "G")]  # gradient edges, drawn dashed


def active_parts(substep: tuple[str, str] | None) -> tuple[set[str], set[tuple[str, str]]]:
    """Nodes and edges (forward and backward) that the sub-step touches."""
    if substep is None:
        return set(), set()
    phase, name = substep
    if name == SAMPLE_NOISE:
        return ({"z", "real"} if phase == D_PHASE else {"z"}), set()
    if name == GENERATE:
        return {"G", "fake"}, {("z", "G"), ("G", "fake")}
    if name == JUDGE:
        edges = {("fake", "D"), ("real", "D")} if phase == D_PHASE else {("fake", "D")}
        return {"D"}, edges
    if name == LOSS:
        return {"loss"}, {("D", "loss")}
    if name == GRADIENTS:
        return ({"D"}, {("loss", "D")}) if phase == D_PHASE else ({"G"}, {("loss", "D"), ("D", "G")})
    if name == UPDATE:
        return {phase}, set()  # the phase's network: node ids "D" and "G" are the phase names
    return set(), set()


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"').replace("\n", "\\n") + '"'


def model_diagram(substep: tuple[str, str] | None = None) -> str:
    """DOT source of the GAN overview with the sub-step's nodes and edges highlighted."""
    phase = substep[0] if substep else None
    color = {D_PHASE: D_COLOR, G_PHASE: G_COLOR}.get(phase or "", IDLE)
    nodes, edges = active_parts(substep)
    lines = [
        "digraph rgan {",
        "  rankdir=LR; bgcolor=transparent; nodesep=0.35; ranksep=0.45;",
        (
            '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, color="#9aa0a6", '
            'fillcolor="#f3f5f9", fontcolor="#1f2430", penwidth=1.2];'
        ),
        '  edge [color="#9aa0a6", fontname="Helvetica", fontsize=10, arrowsize=0.7];',
    ]
    for key, label in _NODES.items():
        if key in ("G", "D") and phase is not None and key != phase:
            label += "\n(frozen)"
        attrs = [f"label={_quote(label)}"]
        if key in ("z", "real", "fake"):
            attrs.append("shape=note" if key != "z" else "shape=ellipse")
        if key in nodes:
            bold = ", penwidth=3" if substep and substep[1] == UPDATE and key == phase else ", penwidth=2.2"
            attrs.append(f'color="{color}", fillcolor="{FILL.get(phase or "", "#ffffff")}"{bold}')
        lines.append(f"  {key} [{', '.join(attrs)}];")
    for a, b in _FORWARD:
        attrs = f' [color="{color}", penwidth=2.4]' if (a, b) in edges else ""
        lines.append(f"  {a} -> {b}{attrs};")
    for a, b in _BACKWARD:
        on = (a, b) in edges
        style = f'color="{color}", penwidth=2.4, fontcolor="{color}"' if on else 'color="#c8ccd2", fontcolor="#9aa0a6"'
        lines.append(f'  {a} -> {b} [style=dashed, constraint=false, label="gradient", {style}];')
    lines.append("}")
    return "\n".join(lines)


def explain(substep: tuple[str, str] | None) -> str:
    if substep is None:
        return "Run a step in slow motion to see each sub-step light up here."
    return EXPLAIN.get(tuple(substep), f"{substep[0]} phase: {substep[1]}")
