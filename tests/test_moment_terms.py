"""G's extra moment terms: the change loss (first and second differences in units of the real change)
and the moment loss along the real data's principal axes."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from rgan.train import TrainConfig, Trainer, losses


def _sines(n: int = 256, steps: int = 24, features: int = 3, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    freq = torch.rand(n, 1, features, generator=g) * 0.1
    phase = torch.rand(n, 1, features, generator=g) * 0.1
    t = torch.arange(steps, dtype=torch.float32)[None, :, None]
    return 0.5 + 0.5 * torch.sin(freq * t + phase)  # (n, steps, features), smooth


def test_the_gap_is_zero_for_the_real_batch_itself_and_grows_with_jitter():
    real = _sines()
    assert losses.change_gap(real, real).item() == pytest.approx(0.0, abs=1e-6)
    g = torch.Generator().manual_seed(1)
    small = losses.change_gap(real + 0.001 * torch.randn(real.shape, generator=g), real).item()
    large = losses.change_gap(real + 0.01 * torch.randn(real.shape, generator=g), real).item()
    assert 0 < small < large


def test_the_gap_is_in_units_of_the_real_change_so_it_sees_jitter_raw_moments_miss():
    """A jitter of 0.002 on sines moving about 0.01 a step: the raw moment gap of the differences is
    tiny, the scaled change gap is not; and scaling both batches by any factor leaves it unchanged."""
    real = _sines()
    fake = real + 0.002 * torch.randn(real.shape, generator=torch.Generator().manual_seed(2))
    raw = losses.moment_gap(fake.diff(dim=1), real.diff(dim=1)).item()
    scaled = losses.change_gap(fake, real).item()
    assert raw < 0.005 and scaled > 10 * raw
    assert losses.change_gap(7.0 * fake, 7.0 * real).item() == pytest.approx(scaled, rel=1e-4)


def test_a_constant_real_feature_does_not_blow_up_and_the_gradient_reaches_g():
    real = _sines()
    real[:, :, 0] = 0.3  # a flat feature: its real spread of changes is 0
    fake = (real + 0.01 * torch.randn(real.shape, generator=torch.Generator().manual_seed(3))).requires_grad_(True)
    gap = losses.change_gap(fake, real)
    gap.backward()
    assert math.isfinite(gap.item()) and torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0


def test_generator_loss_adds_the_weighted_gap_and_skips_it_for_short_windows():
    real, fake = _sines(), _sines(seed=5)
    logits = torch.zeros(real.shape[0], real.shape[1])
    base = losses.generator_loss(logits, fake, real, "ns")
    with_change = losses.generator_loss(logits, fake, real, "ns", change_weight=2.0)
    assert with_change.item() == pytest.approx(base.item() + 2.0 * losses.change_gap(fake, real).item(), rel=1e-5)
    short = fake[:, :2]  # two steps have no second difference
    assert losses.generator_loss(logits[:, :2], short, real[:, :2], "ns", change_weight=2.0).item() == pytest.approx(
        losses.generator_loss(logits[:, :2], short, real[:, :2], "ns").item())


@pytest.mark.parametrize("bad", [-0.1, float("nan")])
def test_train_config_refuses_a_bad_change_weight(bad):
    with pytest.raises(ValueError, match="change_weight"):
        TrainConfig(change_weight=bad)


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
def test_training_adds_the_change_loss_to_g_only(tiny_data, tiny_model, tiny_train, loss):
    """Same seed, same first step: D's figures are identical, G's loss carries the extra term, and
    training goes on with finite losses."""
    plain = Trainer(tiny_data, tiny_model, replace(tiny_train, loss=loss)).step()
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, loss=loss, change_weight=1.0))
    first = trainer.step()
    assert first["loss_d"] == pytest.approx(plain["loss_d"]) and first["d_fake"] == pytest.approx(plain["d_fake"])
    assert first["loss_g"] > plain["loss_g"] + 0.1  # an untrained G jitters: its change gap is large
    for _ in range(4):
        metrics = trainer.step()
    assert all(math.isfinite(v) for v in metrics.values())


def test_the_cli_takes_the_change_weight(tmp_path, capsys):
    from rgan.cli import main

    out = tmp_path / "run"
    main(["train", "--dataset", "sines", "--seq-len", "8", "--steps", "3", "--batch-size", "8", "--g-hidden", "4",
          "--d-hidden", "4", "--change-weight", "0.4", "--device", "cpu", "--out", str(out)])
    assert Trainer.load(out / "checkpoint.pt").train_config.change_weight == 0.4


# ---------------------------------------------------------------------------------- principal axes
def _prices(n: int = 400, steps: int = 24, seed: int = 0) -> torch.Tensor:
    """Four tightly tied price columns (open, high, low, close around one level) and a loose volume."""
    g = torch.Generator().manual_seed(seed)
    level = 0.2 + 0.6 * torch.rand(n, 1, 1, generator=g) + 0.01 * torch.randn(n, steps, 1, generator=g).cumsum(1)
    ties = level + 0.004 * torch.randn(n, steps, 4, generator=g)
    volume = 0.5 + 0.1 * torch.randn(n, steps, 1, generator=g)
    return torch.cat([ties, volume], dim=2)


def test_along_the_axes_the_real_data_has_the_same_spread_in_every_direction():
    real = _prices()
    axes = losses.principal_axes(real.numpy())
    flat = (real @ axes).reshape(-1, real.shape[2]).double()
    cov = torch.cov(flat.T)
    torch.testing.assert_close(cov, torch.eye(5, dtype=torch.float64) * losses.CHANGE_UNIT ** 2, atol=1e-4, rtol=1e-3)


def test_an_exact_tie_gets_a_large_but_finite_scale():
    real = _prices()
    real[:, :, 1] = real[:, :, 0]  # a column copied into another
    axes = losses.principal_axes(real)
    assert torch.isfinite(axes).all()
    largest_spread = float(torch.linalg.eigvalsh(torch.cov(real.reshape(-1, 5).double().T)).max().sqrt())
    cap = losses.CHANGE_UNIT / (largest_spread * losses.AXIS_FLOOR ** 0.5)
    assert axes.norm(dim=0).max() == pytest.approx(cap, rel=1e-3)


def test_a_loose_tie_that_per_feature_moments_miss_is_a_large_gap_along_the_axes():
    """Fake prices tied five times more loosely than the real ones: each feature's own moments barely move,
    the moments along the axes do."""
    real = _prices(seed=0)
    fake = _prices(seed=1)
    g = torch.Generator().manual_seed(2)
    loose = fake.clone()
    loose[:, :, :4] = fake[:, :, :4].mean(2, keepdim=True) + 0.02 * torch.randn(fake.shape[0], fake.shape[1], 4, generator=g)
    axes = losses.principal_axes(real)
    per_feature = losses.moment_gap(loose, real).item() - losses.moment_gap(fake, real).item()
    along_axes = losses.moment_gap(loose @ axes, real @ axes).item() - losses.moment_gap(fake @ axes, real @ axes).item()
    assert per_feature < 0.01 and along_axes > 0.2


def test_the_trainer_takes_the_axes_from_its_data_and_the_loss_needs_them(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, pca_weight=1.0))
    torch.testing.assert_close(trainer._axes, losses.principal_axes(tiny_data.windows))
    plain = Trainer(tiny_data, tiny_model, replace(tiny_train, pca_weight=0.0)).step()
    first = trainer.step()
    assert first["loss_d"] == pytest.approx(plain["loss_d"]) and first["loss_g"] > plain["loss_g"]
    real = torch.as_tensor(tiny_data.windows[:8])
    with pytest.raises(ValueError, match="principal axes"):
        losses.generator_loss(torch.zeros(8, real.shape[1]), real, real, "ns", pca_weight=1.0)


# ---------------------------------------------------------------------------------- shape loss
def test_along_the_shape_axes_real_windows_have_unit_spread_and_jitter_is_a_large_gap():
    """Whole windows projected on the shape axes: the real data's spread is CHANGE_UNIT along every direction
    above the floor; a jitter of 0.005 on smooth sines, which per-step moments do not notice, is a gap more
    than twice that between two real batches (whose covariances differ by sampling alone)."""
    real = _sines(n=600)
    shapes = losses.shape_axes(real.numpy())
    assert shapes.axes.shape == (24 * 3, 24 * 3) and 3 <= shapes.lead < 24 * 3  # a few shapes per feature
    spread = (real.flatten(1) @ shapes.axes).double().std(0)
    leading = spread[: shapes.lead]
    torch.testing.assert_close(leading, torch.full_like(leading, losses.CHANGE_UNIT), rtol=1e-3, atol=1e-4)
    assert (spread[shapes.lead:] < losses.CHANGE_UNIT).all()  # floored: real windows hardly vary there
    a, b = real[:300], real[300:]
    jitter = a + 0.005 * torch.randn(a.shape, generator=torch.Generator().manual_seed(4))
    assert losses.moment_gap(jitter, b).item() < losses.moment_gap(a, b).item() + 0.002
    assert losses.shape_gap(jitter, b, shapes).item() > 2 * losses.shape_gap(a, b, shapes).item()


def test_long_windows_keep_the_leading_shape_directions():
    real = _sines(n=600, steps=300, features=2)  # 600 values per window: above SHAPE_EXACT
    shapes = losses.shape_axes(real)
    assert shapes.axes.shape == (600, losses.SHAPE_DIRECTIONS) and torch.isfinite(shapes.axes).all()
    assert 1 <= shapes.lead <= losses.SHAPE_DIRECTIONS


def test_the_shape_gap_sees_shapes_mixed_wrongly_that_per_direction_spreads_miss():
    """Fake windows whose projections on the leading directions have the real spreads, one by one, but
    move together (a generator that makes the fast, turning curves too rarely): only the covariance term
    sees it."""
    real = _sines(n=2000)
    shapes = losses.shape_axes(real)
    a, b = real[:1000], real[1000:]
    proj = a.flatten(1) @ shapes.axes  # (N, K)
    lead = proj[:, : shapes.lead]
    mixed = lead.clone()
    mixed[:, 1] = (lead[:, 0] - lead[:, 0].mean()) / lead[:, 0].std() * lead[:, 1].std() + lead[:, 1].mean()
    change = (mixed - lead) @ torch.linalg.pinv(shapes.axes[:, : shapes.lead])  # back to window values
    fake = a + change.reshape(a.shape)
    fake_lead = (fake.flatten(1) @ shapes.axes)[:, : shapes.lead]
    torch.testing.assert_close(fake_lead.std(0), lead.std(0), rtol=1e-3, atol=1e-4)  # same spread, direction by direction
    base = losses.shape_gap(a, b, shapes).item()
    assert losses.shape_gap(fake, b, shapes).item() > base + 0.03


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
def test_training_adds_the_shape_loss_to_g_only(tiny_data, tiny_model, tiny_train, loss):
    plain = Trainer(tiny_data, tiny_model, replace(tiny_train, loss=loss, shape_weight=0.0)).step()
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, loss=loss, shape_weight=1.0))
    first = trainer.step()
    assert first["loss_d"] == pytest.approx(plain["loss_d"]) and first["loss_g"] > plain["loss_g"]
    torch.testing.assert_close(trainer._shapes.axes, losses.shape_axes(tiny_data.windows).axes)
    assert all(math.isfinite(v) for v in [trainer.step()["loss_g"] for _ in range(3)])
    real = torch.as_tensor(tiny_data.windows[:8])
    with pytest.raises(ValueError, match="shape axes"):
        losses.generator_loss(torch.zeros(8, real.shape[1]), real, real, "ns", shape_weight=1.0)
    with pytest.raises(ValueError, match="shape_weight"):
        TrainConfig(shape_weight=-1.0)


def test_a_conditional_run_matches_each_class_shapes(tiny_data, tiny_model, tiny_train):
    import numpy as np

    labelled = replace(tiny_data, labels=np.arange(len(tiny_data.windows)) % 2, class_names=["a", "b"])
    model = replace(tiny_model, n_classes=2)
    plain = Trainer(labelled, model, replace(tiny_train, shape_weight=0.0)).step()
    first = Trainer(labelled, model, replace(tiny_train, shape_weight=1.0)).step()
    assert first["loss_d"] == pytest.approx(plain["loss_d"]) and first["loss_g"] > plain["loss_g"]


def test_turning_the_shape_loss_on_mid_run_estimates_its_axes_then(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, shape_weight=0.0))
    trainer.step()
    assert trainer._shapes is None
    trainer.train_config = replace(trainer.train_config, shape_weight=0.5)
    assert math.isfinite(trainer.step()["loss_g"]) and trainer._shapes is not None


def test_unrolled_runs_match_the_shapes_of_each_sequence_s_first_chunk(tiny_data, tiny_model, tiny_train, monkeypatch):
    """With unrolls the shape loss sees the first chunk of each sequence only (later chunks of a young unroll
    drove G to a flat output); D and the moment loss still see every chunk."""
    seen = []
    real_gap = losses.shape_gap
    monkeypatch.setattr(losses, "shape_gap", lambda fake, real, shapes: seen.append(tuple(fake.shape)) or
                        real_gap(fake, real, shapes))
    trainer = Trainer(tiny_data, tiny_model, replace(tiny_train, unroll=3, unroll_after=0, shape_weight=1.0))
    assert math.isfinite(trainer.step()["loss_g"])
    assert seen == [(16, 12, 2)]  # batch 16, not 16 x 3 chunks


def test_a_small_set_keeps_one_shape_direction_per_four_windows():
    """148 arrowhead outlines of 251 values have no real spread along most of their 251 directions; the shape
    loss keeps the 37 it can estimate. A large set keeps every direction."""
    few = _sines(n=40, steps=50, features=2).numpy()  # 100 values per window, 40 windows
    axes = losses.shape_axes(few)
    assert axes.axes.shape == (100, 40 // losses.SHAPE_WINDOWS_PER_DIRECTION) and axes.lead <= 10
    many = _sines(n=1000, steps=50, features=2).numpy()
    assert losses.shape_axes(many).axes.shape == (100, 100)


def test_a_conditional_run_matches_each_class_roughness_that_the_pooled_batch_hides():
    """Two classes, one rough and one smooth; fakes that swap the roughness between the classes have the pooled
    batch's spread of changes (the plain change gap barely sees them) but each class's is wrong (arrowhead: G's
    outlines of each class were as smooth as the real ones of the next class, and a classifier trained on them
    put real outlines in the wrong class)."""
    from rgan.train.conditional import class_terms

    smooth = _sines(n=64, steps=24, features=1, seed=7)
    jitter = 0.02 * torch.randn(smooth.shape, generator=torch.Generator().manual_seed(8))
    real = torch.cat([smooth + jitter, smooth])  # class 0 rough, class 1 smooth
    fake = torch.cat([smooth, smooth + jitter])  # the same values, each class's roughness swapped
    labels = torch.cat([torch.zeros(64), torch.ones(64)]).long()
    pooled = losses.change_gap(fake, real).item()
    cfg = TrainConfig(change_weight=1.0, moment_weight=0.0, shape_weight=0.0, class_weight=0.0)
    per_class = class_terms(cfg, fake, real, labels, shapes=lambda: None, critic=lambda: None).item()
    assert per_class > 5 * pooled
    assert class_terms(cfg, real, real, labels, shapes=lambda: None, critic=lambda: None).item() == pytest.approx(0, abs=1e-6)
    off = replace(cfg, change_weight=0.0)
    assert class_terms(off, fake, real, labels, shapes=lambda: None, critic=lambda: None).item() == 0


def test_the_quantile_gap_sees_a_skewed_spread_that_means_and_stds_miss():
    """An exponential and a normal spread with the same mean and std: the moment gap is near 0, the sorted values'
    gap is not; the same batch scores 0, and batches of different sizes are compared at the same quantiles."""
    g = torch.Generator().manual_seed(11)
    skewed = torch.empty(4000, 1).exponential_(1.0, generator=g)
    normal = torch.randn(4000, 1, generator=g) + 1.0
    assert losses.moment_gap(normal[:, None], skewed[:, None]).item() < 0.05
    assert losses.quantile_gap(normal, skewed).item() > 0.2
    assert losses.quantile_gap(skewed, skewed).item() == 0
    assert losses.quantile_gap(skewed[:1000], skewed).item() < 0.05


def test_the_quantile_loss_adds_its_term_to_g_only_and_needs_both_axes(tiny_data, tiny_model, tiny_train):
    real, fake = _sines(features=2), _sines(features=2, seed=5)
    logits = torch.zeros(real.shape[0], real.shape[1])
    axes, shapes = losses.principal_axes(real.numpy()), losses.shape_axes(real.numpy())
    base = losses.generator_loss(logits, fake, real, "ns", axes=axes, shapes=shapes)
    on = losses.generator_loss(logits, fake, real, "ns", axes=axes, shapes=shapes, quantile_weight=2.0)
    expected = 2.0 * (losses.quantile_gap((fake @ axes).flatten(0, 1), (real @ axes).flatten(0, 1))
                      + losses.quantile_gap(fake.flatten(1) @ shapes.axes, real.flatten(1) @ shapes.axes))
    assert on.item() == pytest.approx(base.item() + expected.item(), rel=1e-5) and expected.item() > 0
    with pytest.raises(ValueError, match="quantile_weight"):
        losses.generator_loss(logits, fake, real, "ns", axes=axes, quantile_weight=1.0)
    with pytest.raises(ValueError, match="quantile_weight"):
        TrainConfig(quantile_weight=-0.5)
    plain = Trainer(tiny_data, tiny_model, replace(tiny_train, shape_weight=0.0)).step()
    with_q = Trainer(tiny_data, tiny_model, replace(tiny_train, shape_weight=0.0, quantile_weight=1.0)).step()
    assert with_q["loss_d"] == pytest.approx(plain["loss_d"]) and with_q["loss_g"] > plain["loss_g"]


def _bursty(n: int = 512, steps: int = 24, seed: int = 0) -> torch.Tensor:
    """Random walks whose step size varies from window to window: most calm, a tenth wild (as prices)."""
    g = torch.Generator().manual_seed(seed)
    size = torch.where(torch.rand(n, 1, 1, generator=g) < 0.1, 0.05, 0.01)
    return 0.5 + (size * torch.randn(n, steps, 2, generator=g)).cumsum(1)


def test_the_roughness_gap_sees_wild_windows_made_calm_where_the_change_spread_barely_does():
    real = _bursty()
    assert losses.roughness_gap(real, real).item() == pytest.approx(0.0, abs=1e-6)
    # every window's changes at the overall real spread: against each gap's own miss for windows whose changes are
    # all halved, the change spread (per step) calls this a small miss; but no window is calm and none is wild,
    # and the sorted roughness calls it a larger miss than the halving
    steps = real.diff(dim=1).std() * torch.randn(real.shape, generator=torch.Generator().manual_seed(3))
    even = 0.5 + steps.cumsum(1)
    halved = real.mean(1, keepdim=True) + 0.5 * (real - real.mean(1, keepdim=True))
    assert losses.change_gap(even, real).item() < 0.3 * losses.change_gap(halved, real).item()
    assert losses.roughness_gap(even, real).item() > losses.roughness_gap(halved, real).item() > 0.05
    assert losses.roughness_gap(_bursty(seed=1), real).item() < 0.03  # another draw of the same process
    assert losses.roughness_gap(3.0 * real, 3.0 * real).item() == pytest.approx(0.0, abs=1e-6)


def test_the_roughness_gap_sees_jitter_on_straight_windows_in_the_second_order():
    """Half the real windows straight lines, half bent; the fake ones all a little bent (jitter on the lines):
    the RMS change per window is nearly right, the RMS bend of the straight half is not."""
    g = torch.Generator().manual_seed(4)
    t = torch.arange(24, dtype=torch.float32)[None, :, None]
    slope = 0.01 * torch.rand(256, 1, 2, generator=g)
    bent = torch.cat([torch.zeros(128, 1, 2), torch.ones(128, 1, 2)]) * 0.3 * torch.sin(0.3 * t)
    real = 0.5 + slope * t + bent
    jitter = 0.002 * torch.randn(real.shape, generator=g)
    fake = real + jitter
    first_only = losses.quantile_gap(*(((x.diff(dim=1) / real.diff(dim=1).reshape(-1, 2).std(0)) * losses.CHANGE_UNIT)
                                       .square().mean(1).sqrt() for x in (fake, real)))
    assert first_only.item() < 0.01
    assert losses.roughness_gap(fake, real).item() > 5 * first_only.item()


def test_the_roughness_loss_pulls_smoothed_windows_rougher_and_is_added_to_g_only(tiny_data, tiny_model, tiny_train):
    real = _bursty()
    smooth = real.clone().requires_grad_(True)
    with torch.no_grad():
        smooth.mul_(0.0).add_(real.mean(1, keepdim=True) + 0.7 * (real - real.mean(1, keepdim=True)))
    losses.roughness_gap(smooth, real).backward()
    step = smooth.grad.diff(dim=1)
    # the gradient points along each window's own changes, outward: moving against it makes them larger
    assert (step * smooth.detach().diff(dim=1)).sum().item() < 0
    logits = torch.zeros(real.shape[0], real.shape[1])
    base = losses.generator_loss(logits, smooth.detach(), real, "ns")
    on = losses.generator_loss(logits, smooth.detach(), real, "ns", rough_weight=2.0)
    assert on.item() == pytest.approx(base.item() + 2.0 * losses.roughness_gap(smooth.detach(), real).item(), rel=1e-5)
    with pytest.raises(ValueError, match="rough_weight"):
        TrainConfig(rough_weight=-1.0)
    plain = Trainer(tiny_data, tiny_model, tiny_train).step()
    rough = Trainer(tiny_data, tiny_model, replace(tiny_train, rough_weight=1.0)).step()
    assert rough["loss_d"] == pytest.approx(plain["loss_d"]) and rough["loss_g"] > plain["loss_g"]
