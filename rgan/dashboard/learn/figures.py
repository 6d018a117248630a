"""The Learn page's figures: G's gradient under the two generator losses, and G and D unrolled in time."""

from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
import torch

from rgan.plots import D_COLOR, FAKE_COLOR, G_COLOR, REAL_COLOR


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
