"""Figure builders: trace counts and types, data passed through unchanged, uirevision, empty inputs,
shape errors with their messages, smoothing against a hand computation, embeddings' determinism."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from rgan import metrics, plots

NAMES = ["open", "high", "volume"]


@pytest.fixture
def real() -> np.ndarray:
    return np.random.default_rng(0).random((12, 10, 3))  # (N, T, F)


@pytest.fixture
def fake() -> np.ndarray:
    return np.random.default_rng(1).random((9, 10, 3))


@pytest.fixture
def history() -> dict[str, list[float]]:
    rng = np.random.default_rng(2)
    n = 30
    return {
        "step": list(range(1, n + 1)),
        "loss_d": list(rng.random(n) + 0.5),
        "loss_g": list(rng.random(n) + 0.7),
        "d_real": list(rng.uniform(0.5, 1, n)),
        "d_fake": list(rng.uniform(0, 0.5, n)),
        "grad_norm_d": list(rng.uniform(0.1, 10, n)),
        "grad_norm_g": list(rng.uniform(0.1, 10, n)),
        "seconds": list(rng.random(n)),
    }


def assert_common(fig: go.Figure, uirevision: str | None = "keep") -> None:
    assert isinstance(fig, go.Figure)
    assert fig.layout.uirevision == uirevision
    assert fig.layout.template.layout.paper_bgcolor is not None  # a template is applied
    fig.to_json()  # serialisable for the browser


def assert_no_data(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == [plots.NO_DATA_TEXT]
    assert fig.layout.uirevision == "keep"


# ------------------------------------------------------------------------------------------ ema
def test_ema_matches_hand_computation():
    # Debiased EMA, weight 0.5: s1 = 1; s2 = (3 + .5*1)/1.5; s3 = (5 + .5*3 + .25*1)/1.75
    np.testing.assert_allclose(plots.ema([1, 3, 5], 0.5), [1.0, 3.5 / 1.5, 6.75 / 1.75])


def test_ema_skips_none_and_nan():
    out = plots.ema([1.0, None, float("nan"), 3.0, float("inf")], 0.5)
    assert np.isnan(out[1]) and np.isnan(out[2]) and np.isnan(out[4])
    np.testing.assert_allclose(out[[0, 3]], [1.0, 3.5 / 1.5])


def test_ema_zero_weight_is_identity_and_bad_weight_rejected():
    np.testing.assert_array_equal(plots.ema([2.0, 4.0, 1.0], 0.0), [2.0, 4.0, 1.0])
    assert plots.ema([], 0.9).shape == (0,)
    with pytest.raises(ValueError, match=r"smoothing must be in \[0, 1\); found 1.0"):
        plots.ema([1.0], 1.0)


# ---------------------------------------------------------------------------------- progress_text
def test_progress_text():
    assert plots.progress_text(1200, 5000, 41.2) == "step 1,200 / 5,000 · 41.2 steps/s · 1 min 32 s left"
    assert plots.progress_text(0, 5000, 0) == "step 0 / 5,000 · 0.0 steps/s"
    assert plots.progress_text(10, 5000, float("nan")) == "step 10 / 5,000 · 0.0 steps/s"
    assert plots.progress_text(5000, 5000, 40.0) == "step 5,000 / 5,000 · 40.0 steps/s · done"
    assert plots.progress_text(0, 100_000, 10.0) == "step 0 / 100,000 · 10.0 steps/s · 2 h 46 min left"
    assert plots.progress_text(5, 10, 1.0).endswith("5 s left")


# -------------------------------------------------------------------------------- training curves
def test_loss_figure_raw(history):
    fig = plots.loss_figure(history)
    assert_common(fig)
    assert [t.name for t in fig.data] == ["loss D", "loss G"]
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    np.testing.assert_array_equal(fig.data[0].x, history["step"])
    np.testing.assert_array_equal(fig.data[0].y, history["loss_d"])
    np.testing.assert_array_equal(fig.data[1].y, history["loss_g"])


def test_loss_figure_smoothing_draws_faint_raw_and_bold_smoothed(history):
    fig = plots.loss_figure(pd.DataFrame(history), smoothing=0.6)
    assert len(fig.data) == 4
    raw_d, raw_g, smooth_d, smooth_g = fig.data
    np.testing.assert_array_equal(raw_d.y, history["loss_d"])
    assert raw_d.opacity < 1 and raw_d.showlegend is False
    assert smooth_d.line.width > raw_d.line.width
    x, w = history["loss_d"], 0.6
    expected, num, den = [], 0.0, 0.0
    for v in x:  # hand-rolled debiased EMA
        num, den = w * num + v, w * den + 1
        expected.append(num / den)
    np.testing.assert_allclose(smooth_d.y, expected)
    assert np.std(np.diff(smooth_d.y)) < np.std(np.diff(raw_d.y))  # it actually smooths


def test_loss_figure_markers_and_uirevision(history):
    markers = [(10, "lr_g 1e-3 -> 5e-4"), (20, "d_steps 2")]
    fig = plots.loss_figure(history, markers=markers, uirevision="run-7")
    assert_common(fig, "run-7")
    assert len(fig.layout.shapes) == 2
    assert [s.x0 for s in fig.layout.shapes] == [10, 20]
    assert all(s.line.dash == "dash" for s in fig.layout.shapes)
    assert [a.text for a in fig.layout.annotations] == ["lr_g 1e-3 -> 5e-4", "d_steps 2"]


def test_history_as_records_with_none_and_missing_step():
    records = [{"loss_d": 1.0, "loss_g": None}, {"loss_d": 2.0, "loss_g": 3.0}]
    fig = plots.loss_figure(records)
    np.testing.assert_array_equal(fig.data[0].x, [0, 1])
    assert np.isnan(fig.data[1].y[0]) and fig.data[1].y[1] == 3.0


@pytest.mark.parametrize("empty", [{}, None, [], pd.DataFrame(), {"step": [], "loss_d": [], "loss_g": []}])
def test_curves_empty_history(empty):
    for build in (plots.loss_figure, plots.d_output_figure, plots.grad_norm_figure):
        assert_no_data(build(empty))
    assert_no_data(plots.runs_loss_figure({"a": empty}))
    assert_no_data(plots.loss_figure(empty, markers=[(1, "x")]))


def test_curves_reject_ragged_history():
    with pytest.raises(ValueError, match="same length; found step: 3, loss_d: 2, loss_g: 3"):
        plots.loss_figure({"step": [1, 2, 3], "loss_d": [1, 2], "loss_g": [1, 2, 3]})


def test_curves_thin_long_history_keeping_smoothed_values():
    n = 10_000
    values = np.random.default_rng(0).random(n)
    fig = plots.loss_figure({"step": np.arange(n), "loss_d": values, "loss_g": values}, smoothing=0.9,
                            max_points=500)
    smooth = fig.data[2]
    assert len(smooth.x) <= 500 and smooth.x[0] == 0 and smooth.x[-1] == n - 1
    np.testing.assert_allclose(smooth.y, plots.ema(values, 0.9)[smooth.x.astype(int)])


def test_d_output_figure(history):
    fig = plots.d_output_figure(history)
    assert_common(fig)
    assert [t.name for t in fig.data] == ["D(real)", "D(fake)"]
    assert fig.data[0].line.color == plots.REAL_COLOR and fig.data[1].line.color == plots.FAKE_COLOR
    np.testing.assert_array_equal(fig.data[0].y, history["d_real"])
    assert tuple(fig.layout.yaxis.range) == (-0.02, 1.02)
    (line,) = fig.layout.shapes
    assert line.y0 == line.y1 == 0.5 and line.line.dash == "dot"
    assert fig.layout.annotations[0].text == "D can't tell"
    assert len(plots.d_output_figure(history, smoothing=0.5).data) == 4


def test_d_output_figure_critic_scores_get_free_axis(history):
    critic = {**history, "d_real": [3.0] * 30, "d_fake": [-2.0] * 30}
    fig = plots.d_output_figure(critic)
    assert fig.layout.yaxis.range is None and len(fig.layout.shapes) == 0


def test_grad_norm_figure(history):
    fig = plots.grad_norm_figure(history, smoothing=0.3)
    assert_common(fig)
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.tickformat  # every tick labelled with its value, not a bare digit
    assert [t.name for t in fig.data] == ["grad norm D (raw)", "grad norm G (raw)", "grad norm D", "grad norm G"]
    np.testing.assert_array_equal(fig.data[1].y, history["grad_norm_g"])


@pytest.mark.parametrize("low, high, dtick", [(0.15, 0.3, None), (0.02, 0.3, "D2"), (0.01, 100.0, 1),
                                               (1e-9, 10.0, None)])
def test_grad_norm_ticks_do_not_crowd(low, high, dtick):
    """Labelled ticks at 1-9 of each decade would overlap over a decade or two (1, 2, 5 there); over
    more, ticks at 1, 2, 5 would too (one per decade there); very wide spans are left to plotly."""
    fig = plots.grad_norm_figure({"step": [1, 2], "grad_norm_d": [low, high], "grad_norm_g": [low, high]})
    assert fig.layout.yaxis.dtick == dtick


def test_runs_loss_figure(history):
    other = {"step": [1, 2, 3], "loss_g": [3.0, 2.0, 1.0]}
    fig = plots.runs_loss_figure({"run a": history, "run b": other, "no key": {"step": [1], "loss_d": [1]}},
                                 smoothing=0.5)
    assert_common(fig)
    assert [t.name for t in fig.data] == ["run a", "run b"]
    np.testing.assert_allclose(fig.data[1].y, plots.ema([3.0, 2.0, 1.0], 0.5))
    assert fig.data[0].line.color != fig.data[1].line.color


# --------------------------------------------------------------------------------- sequences
def test_overlay_figure(real, fake):
    fig = plots.overlay_figure(real, fake, NAMES, max_per_side=4, uirevision=None)
    assert_common(fig, None)
    assert len(fig.data) == 3 * 2  # per feature: all real sequences as one gapped line, all generated as one
    T = real.shape[1]

    def sequence(trace, i):  # the i-th sequence of a gapped trace
        return np.asarray(trace.y)[i * (T + 1): i * (T + 1) + T]

    np.testing.assert_array_equal(sequence(fig.data[0], 0), real[0, :, 0])
    np.testing.assert_array_equal(sequence(fig.data[0], 3), real[3, :, 0])
    assert len(fig.data[0].y) == 4 * (T + 1) and np.isnan(fig.data[0].y[T])  # a gap after each sequence
    np.testing.assert_array_equal(sequence(fig.data[1], 0), fake[0, :, 0])
    np.testing.assert_array_equal(sequence(fig.data[2], 0), real[0, :, 1])
    assert list(fig.data[1].customdata[: T + 2]) == [0] * (T + 1) + [1]  # hover names the sequence
    assert fig.data[0].line.color == plots.REAL_COLOR and fig.data[1].line.color == plots.FAKE_COLOR
    assert [t.name for t in fig.data if t.showlegend] == ["real", "generated"]
    assert [fig.layout[f"yaxis{i}" if i > 1 else "yaxis"].title.text for i in (1, 2, 3)] == NAMES


def test_overlay_figure_caps_features_and_time_axis():
    x = np.random.default_rng(0).random((2, 5, 8))
    days = pd.date_range("2024-01-01", periods=5).to_numpy()
    fig = plots.overlay_figure(x, x, [f"f{i}" for i in range(8)], time_axis=days)
    assert len(fig.data) == 6 * 2
    assert fig.layout.title.text.endswith("(first 6 of 8 features)")
    assert list(fig.data[0].x[:5]) == list(days) and fig.data[0].x[5] is None  # dates, then a gap
    with pytest.raises(ValueError, match=r"time_axis must have shape \(5,\).*found \(4,\)"):
        plots.overlay_figure(x, x, [f"f{i}" for i in range(8)], time_axis=days[:4])


def test_overlay_figure_errors_and_empty(real, fake):
    with pytest.raises(ValueError, match=r"real must have shape \(N, T, F\); found \(10, 3\)"):
        plots.overlay_figure(real[0], fake, NAMES)
    with pytest.raises(ValueError, match=r"fake must have shape \(N, 10, 3\) to match real; found \(9, 10, 2\)"):
        plots.overlay_figure(real, fake[:, :, :2], NAMES)
    with pytest.raises(ValueError, match="feature_names must have 3 names, one per feature; found 2"):
        plots.overlay_figure(real, fake, NAMES[:2])
    assert_no_data(plots.overlay_figure(None, np.empty((0, 10, 3)), NAMES))
    only_real = plots.overlay_figure(real, None, NAMES, max_per_side=2)
    assert len(only_real.data) == 3 and len(only_real.data[0].y) == 2 * (real.shape[1] + 1)


def test_sample_grid_figure(fake):
    fig = plots.sample_grid_figure(fake, NAMES, n=6, cols=4, title="Epoch 3")
    assert_common(fig)
    assert fig.layout.title.text == "Epoch 3"
    assert len(fig.data) == 6 * 3
    np.testing.assert_array_equal(fig.data[0].y, fake[0, :, 0])
    np.testing.assert_array_equal(fig.data[4].y, fake[1, :, 1])
    assert [t.name for t in fig.data if t.showlegend] == NAMES
    assert fig.data[5].xaxis == "x2" and fig.data[12].xaxis == "x5"  # sequence 4 starts row 2
    assert_no_data(plots.sample_grid_figure(None, NAMES))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, F\); found \(9, 10\)"):
        plots.sample_grid_figure(fake[:, :, 0], NAMES)


def test_sample_grid_rescales_features_of_different_size(fake):
    big = fake.copy()
    big[:, :, 2] = big[:, :, 2] * 1e6 + 5e6  # e.g. a volume beside prices
    fig = plots.sample_grid_figure(big, NAMES, n=4)
    assert fig.layout.title.text.endswith("(each feature scaled to 0-1)")
    ys = np.stack([t.y for t in fig.data])
    assert ys.min() == 0.0 and ys.max() == 1.0
    third = big[:4, :, 2]
    np.testing.assert_allclose(fig.data[2].y, (big[0, :, 2] - third.min()) / (third.max() - third.min()))
    # levels far apart (degrees beside hectopascals) also squash the lines on a shared axis
    levels = fake.copy()
    levels[:, :, 1] += 1000.0
    assert plots.sample_grid_figure(levels, NAMES, n=4).layout.title.text.endswith("(each feature scaled to 0-1)")
    # same-sized features stay in their own units unless asked
    assert "scaled" not in plots.sample_grid_figure(fake, NAMES, n=4).layout.title.text
    assert "scaled" in plots.sample_grid_figure(fake, NAMES, n=4, per_feature=True).layout.title.text


def test_sequences_figure(real):
    fig = plots.sequences_figure(real, NAMES, n=5)
    assert_common(fig)
    assert len(fig.data) == 3  # one gapped line per feature
    T = real.shape[1]
    np.testing.assert_array_equal(fig.data[1].y[2 * (T + 1): 2 * (T + 1) + T], real[2, :, 1])
    assert_no_data(plots.sequences_figure(np.empty((0, 10, 3)), NAMES))


def test_series_figure_downsamples_evenly():
    n = 12_000
    frame = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="h"),
                          "a": np.arange(n, dtype=float), "b": np.sin(np.arange(n)), "label": ["x"] * n})
    fig = plots.series_figure(frame, ["a", "b"], time_column="date", max_points=1000)
    assert_common(fig)
    assert len(fig.data) == 2
    a = fig.data[0]
    assert len(a.y) == 1000 and a.y[0] == 0 and a.y[-1] == n - 1
    assert np.ptp(np.diff(a.y)) <= 1  # evenly spaced rows
    np.testing.assert_array_equal(a.x, frame["date"].to_numpy()[a.y.astype(int)])
    assert "showing 1,000 of 12,000 rows" in fig.layout.title.text
    small = plots.series_figure(frame.head(50), ["a"])
    np.testing.assert_array_equal(small.data[0].x, np.arange(50))
    np.testing.assert_array_equal(small.data[0].y, frame["a"].head(50))


def test_series_figure_errors_and_empty():
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"columns \['zz'\] are not in the table; found columns \['a'\]"):
        plots.series_figure(frame, ["a"], time_column="zz")
    assert_no_data(plots.series_figure(frame.iloc[:0], ["a"]))
    assert_no_data(plots.series_figure(None, ["a"]))


# ---------------------------------------------------------------------------- distributions
def test_marginal_figure(real, fake):
    fig = plots.marginal_figure(real, fake, NAMES, bins=15)
    assert_common(fig)
    assert len(fig.data) == 2 * 3 and all(isinstance(t, go.Bar) for t in fig.data)
    assert fig.layout.barmode == "overlay"
    pooled = np.concatenate([real[:, :, 0].ravel(), fake[:, :, 0].ravel()])
    edges = np.histogram_bin_edges(pooled, bins=15)
    np.testing.assert_allclose(fig.data[0].y, np.histogram(real[:, :, 0].ravel(), bins=edges, density=True)[0])
    np.testing.assert_allclose(fig.data[1].y, np.histogram(fake[:, :, 0].ravel(), bins=edges, density=True)[0])
    np.testing.assert_allclose(np.sum(fig.data[0].y * fig.data[0].width), 1.0)  # a density
    assert [a.text for a in fig.layout.annotations] == NAMES  # subplot titles


def test_marginal_figure_constant_feature_and_errors(real, fake):
    constant = np.full((4, 10, 1), 0.3)
    fig = plots.marginal_figure(constant, constant, ["c"], bins=5)
    assert np.isfinite(fig.data[0].y).all() and fig.data[0].y.max() > 0
    with pytest.raises(ValueError, match=r"fake must have shape \(M, T, 3\) to match real's features"):
        plots.marginal_figure(real, fake[:, :, :1], NAMES)
    assert_no_data(plots.marginal_figure(None, None, NAMES))


def test_acf_figure():
    real_acf = np.linspace(1, 0, 15).reshape(3, 5)
    fake_acf = real_acf * 0.5
    fig = plots.acf_figure(real_acf, fake_acf, NAMES)
    assert_common(fig)
    assert len(fig.data) == 6
    np.testing.assert_array_equal(fig.data[0].x, np.arange(5))
    np.testing.assert_array_equal(fig.data[0].y, real_acf[0])
    np.testing.assert_array_equal(fig.data[1].y, fake_acf[0])
    assert fig.data[0].line.dash == "solid" and fig.data[1].line.dash == "dash"
    assert fig.data[0].line.color == fig.data[1].line.color != fig.data[2].line.color
    with pytest.raises(ValueError, match=r"fake_acf must have shape \(3, 5\) like real_acf; found \(3, 4\)"):
        plots.acf_figure(real_acf, fake_acf[:, :4], NAMES)
    with pytest.raises(ValueError, match=r"real_acf must have shape \(F, L\); found \(5,\)"):
        plots.acf_figure(real_acf[0], None, NAMES)
    assert_no_data(plots.acf_figure(None, None, NAMES))


# ------------------------------------------------------------------------------------ embeddings
def test_embedding_figure(real, fake):
    r, g = metrics.pca_embedding(real, fake)
    fig = plots.embedding_figure(r, g, "PCA of windows averaged over features")
    assert_common(fig)
    assert [t.name for t in fig.data] == ["real", "generated"]
    assert fig.data[0].mode == "markers"
    np.testing.assert_array_equal(fig.data[0].x, r[:, 0])
    np.testing.assert_array_equal(fig.data[1].y, g[:, 1])
    assert "averaged over features" in plots.embedding_figure(r, g).layout.title.text
    with pytest.raises(ValueError, match=r"fake_xy must have shape \(N, 2\); found \(9, 3\)"):
        plots.embedding_figure(r, np.zeros((9, 3)), "x")
    assert_no_data(plots.embedding_figure(None, np.empty((0, 2)), "x"))


# ------------------------------------------------------------------------ discriminator's view
def test_realness_heatmap():
    z = np.random.default_rng(0).random((4, 10))
    fig = plots.realness_heatmap(z, ["a", "a", "b", "c"])  # repeated labels keep their own rows
    assert_common(fig)
    (heat,) = fig.data
    assert isinstance(heat, go.Heatmap)
    np.testing.assert_array_equal(heat.z, z)
    assert (heat.zmin, heat.zmax) == (0, 1)
    assert heat.colorscale[0][1] == "rgb(165,0,38)" and heat.colorscale[-1][1] == "rgb(0,104,55)"  # red..green
    assert list(fig.layout.yaxis.ticktext) == ["a", "a", "b", "c"]
    with pytest.raises(ValueError, match="labels must have 4 entries, one per row of realness; found 2"):
        plots.realness_heatmap(z, ["a", "b"])
    with pytest.raises(ValueError, match=r"realness must have shape \(N, T\); found \(10,\)"):
        plots.realness_heatmap(z[0], ["a"])
    assert_no_data(plots.realness_heatmap(None, []))


def test_realness_line_figure_with_push():
    seq = np.array([0.0, 0.5, 1.0, 0.5])
    realness = np.array([0.1, 0.9, 0.5, 0.2])
    push = np.array([2.0, -1.0, 0.0, 0.5])
    fig = plots.realness_line_figure(seq, realness, push, feature_name="open")
    assert_common(fig)
    assert len(fig.data) == 4
    line, points, shafts, heads = fig.data
    np.testing.assert_array_equal(points.y, seq)
    np.testing.assert_array_equal(points.marker.color, realness)
    assert (points.marker.cmin, points.marker.cmax) == (0, 1) and points.marker.colorbar is not None
    # Longest arrow = 15% of the y range (1.0); zero push draws nothing; direction follows the sign.
    np.testing.assert_allclose(heads.x, [0, 1, 3])
    np.testing.assert_allclose(heads.y, [0.15, 0.5 - 0.075, 0.5 + 0.0375])
    assert list(heads.marker.symbol) == ["triangle-up", "triangle-down", "triangle-up"]
    np.testing.assert_allclose(shafts.y[:2], [0.0, 0.15])
    assert math.isnan(shafts.y[2])
    assert fig.layout.yaxis.title.text == "open"


def test_realness_line_figure_without_push_and_errors():
    fig = plots.realness_line_figure(np.zeros(5), np.ones(5))
    assert len(fig.data) == 2
    with pytest.raises(ValueError, match=r"realness must have shape \(5,\) like sequence; found \(4,\)"):
        plots.realness_line_figure(np.zeros(5), np.ones(4))
    with pytest.raises(ValueError, match=r"push must have shape \(5,\) like sequence; found \(5, 1\)"):
        plots.realness_line_figure(np.zeros(5), np.ones(5), np.ones((5, 1)))
    assert_no_data(plots.realness_line_figure(np.zeros(0), np.zeros(0)))


# ------------------------------------------------------------------------------ evolution, pairs
def test_evolution_figure(real):
    rng = np.random.default_rng(5)
    snapshots = [(step, rng.random((4, 10, 3)) * (1 + step / 100)) for step in (0, 100, 200)]
    fig = plots.evolution_figure(snapshots, feature_index=1, real=real)
    assert_common(fig)
    assert len(fig.frames) == 3
    assert len(fig.data) == 1 + 4  # real background + previews
    background = fig.data[0].y.reshape(-1, 11)  # 10 steps + a NaN separator per sequence
    np.testing.assert_array_equal(background[:, :10], real[:, :, 1])
    np.testing.assert_array_equal(fig.data[1].y, snapshots[-1][1][0, :, 1])  # opens at the last step
    for frame, (_, preview) in zip(fig.frames, snapshots):
        assert list(frame.traces) == [1, 2, 3, 4]
        np.testing.assert_array_equal(frame.data[2].y, preview[2, :, 1])
    (slider,) = fig.layout.sliders
    assert [s.label for s in slider.steps] == ["step 0", "step 100", "step 200"]
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in fig.frames]
    assert slider.active == 2
    lo, hi = fig.layout.yaxis.range
    everything = np.concatenate([p[:, :, 1].ravel() for _, p in snapshots] + [real[:, :, 1].ravel()])
    assert lo < everything.min() and hi > everything.max() and fig.layout.yaxis.autorange is False
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Play", "Pause"]


def test_evolution_figure_errors_and_empty():
    assert_no_data(plots.evolution_figure([]))
    good = np.zeros((2, 5, 2))
    expected = r"snapshot 1 \(step 10\) preview must have shape \(2, 5, 2\); found \(3, 5, 2\)"
    with pytest.raises(ValueError, match=expected):
        plots.evolution_figure([(0, good), (10, np.zeros((3, 5, 2)))])
    with pytest.raises(ValueError, match=r"feature_index must be in \[0, 1\]; found 2"):
        plots.evolution_figure([(0, good)], feature_index=2)
    fig = plots.evolution_figure([(0, good)])
    assert len(fig.data) == 2 and len(fig.frames) == 1


def test_nearest_pairs_figure(real, fake):
    pairs = [(fake[i], real[i], 0.1 * (i + 1)) for i in range(4)]
    fig = plots.nearest_pairs_figure(pairs, NAMES)
    assert_common(fig)
    assert len(fig.data) == 4 * 2 * 3
    np.testing.assert_array_equal(fig.data[0].y, fake[0, :, 0])
    np.testing.assert_array_equal(fig.data[3].y, real[0, :, 0])
    assert fig.data[0].line.color == plots.FAKE_COLOR and fig.data[3].line.color == plots.REAL_COLOR
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "#1 · distance 0.1" and titles[3] == "#4 · distance 0.4"
    with pytest.raises(ValueError, match=r"pair 0 must hold generated and real windows of the same shape"):
        plots.nearest_pairs_figure([(fake[0], real[0, :5], 1.0)], NAMES)
    assert_no_data(plots.nearest_pairs_figure([], NAMES))


def test_a_young_runs_step_axis_has_whole_steps_only():
    young = plots.loss_figure({"step": [1, 2, 3], "loss_d": [1.0, 0.9, 0.8], "loss_g": [1.0, 1.1, 1.2]})
    assert young.layout.xaxis.dtick == 1
    older = plots.loss_figure({"step": list(range(1, 41)), "loss_d": [1.0] * 40, "loss_g": [1.0] * 40})
    assert older.layout.xaxis.dtick is None
