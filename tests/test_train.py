"""Models, training step, sampling, divergence handling and checkpoints."""

from __future__ import annotations

import math
import pickle
import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from rgan.dashboard import diagram
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import D_SUBSTEPS, G_SUBSTEPS, TrainConfig, Trainer, TrainingDiverged, changed_settings, resolve_device
from rgan.train.losses import correlation, moment_gap
from rgan.train.speed import clip_gradients

STAT_KEYS = {"step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "seconds"}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("per_step", [True, False])
def test_model_shapes(cell: str, per_step: bool):
    cfg = ModelConfig(noise_dim=4, static_noise_dim=3, g_cell=cell, d_cell=cell, g_hidden=6, d_hidden=5, g_layers=2, d_per_step=per_step,
                      burn_in=0)  # G writes every step of z
    g, d = Generator(3, cfg), Discriminator(3, cfg)
    x = g(torch.randn(7, 11, 7))
    assert x.shape == (7, 11, 3)
    burnt = Generator(3, replace(cfg, burn_in=2))  # G reads its burn-in's noise first, then writes the rest
    assert burnt(torch.randn(7, 11, 7)).shape == (7, 9, 3)
    assert float(x.detach().min()) > 0 and float(x.detach().max()) < 1
    assert d(x).shape == ((7, 11) if per_step else (7, 1))


def test_g_and_d_sized_independently():
    cfg = ModelConfig(g_cell="lstm", g_hidden=10, g_layers=2, d_cell="gru", d_hidden=4, d_layers=1)
    g, d = Generator(2, cfg), Discriminator(2, cfg)
    assert isinstance(g.rnn, torch.nn.LSTM) and g.rnn.hidden_size == 10 and g.rnn.num_layers == 2
    assert isinstance(d.rnn, torch.nn.GRU) and d.rnn.hidden_size == 4 and d.rnn.num_layers == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"g_cell": "rnn"}, "g_cell must be one of ('lstm', 'gru'), got 'rnn'."),
        ({"d_hidden": 0}, "d_hidden must be a positive integer, got 0."),
        ({"static_noise_dim": -1}, "static_noise_dim must be an integer >= 0, got -1."),
    ],
)
def test_model_config_rejects(kwargs, message):
    with pytest.raises(ValueError) as e:
        ModelConfig(**kwargs)
    assert str(e.value) == message


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "hinge"}, "loss must be one of ('ns', 'wgan-gp'), got 'hinge'."),
        ({"lr_g": 0}, "lr_g must be a number between 0 and 1, got 0."),
        ({"batch_size": 0}, "batch_size must be a positive integer, got 0."),
        ({"device": "tpu"}, "device must be one of ('auto', 'cpu', 'cuda', 'mps'), got 'tpu'."),
        ({"ema_decay": 1.0}, "ema_decay must be in [0, 1), got 1.0."),
        ({"corr_weight": -1.0}, "corr_weight must be a number >= 0, got -1.0."),
        ({"beta1": 1.0}, "beta1 must be in [0, 1), got 1.0."),
        ({"beta2": -0.1}, "beta2 must be in [0, 1), got -0.1."),
        ({"grad_clip": float("nan")}, "grad_clip must be a number >= 0, got nan."),
        ({"gp_weight": -1.0}, "gp_weight must be a number >= 0, got -1.0."),
    ],
)
def test_train_config_rejects(kwargs, message):
    with pytest.raises(ValueError) as e:
        TrainConfig(**kwargs)
    assert str(e.value) == message


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU is available"):
            resolve_device("cuda")
        assert resolve_device("auto").type in ("cpu", "mps")


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_returns_finite_stats(tiny_data, tiny_model, tiny_train, loss, cell):
    from dataclasses import replace

    trainer = Trainer(tiny_data, replace(tiny_model, g_cell=cell, d_cell=cell), replace(tiny_train, loss=loss, d_steps=2))
    for i in range(3):
        stats = trainer.step()
        assert set(stats) == STAT_KEYS
        assert all(math.isfinite(v) for v in stats.values())
        assert stats["step"] == i + 1
    if loss == "ns":
        assert 0 < stats["d_real"] < 1 and 0 < stats["d_fake"] < 1


def test_tiny_training_run_learns(tiny_data, tiny_model):
    """After a short run, D's edge shrinks towards chance and samples move towards the data's range."""
    trainer = Trainer(tiny_data, tiny_model, TrainConfig(batch_size=64, steps=300, device="cpu", seed=0, lr_g=3e-3, lr_d=3e-3))
    real = np.asarray(tiny_data.windows)
    before = np.abs(trainer.sample(256, seed=0, scaled=True).mean(axis=(0, 1)) - real.mean(axis=(0, 1))).mean()
    for _ in range(300):
        trainer.step()
    after = np.abs(trainer.sample(256, seed=0, scaled=True).mean(axis=(0, 1)) - real.mean(axis=(0, 1))).mean()
    assert after < before
    assert after < 0.1


def test_phase_only_steps_update_only_that_network(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, tiny_train)
    g0 = [p.clone() for p in trainer.generator.parameters()]
    d0 = [p.clone() for p in trainer.discriminator.parameters()]
    stats = trainer.step(update_d=True, update_g=False)
    assert all(torch.equal(a, b) for a, b in zip(g0, trainer.generator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d0, trainer.discriminator.parameters()))
    assert math.isnan(stats["grad_norm_g"]) and math.isfinite(stats["grad_norm_d"])
    d1 = [p.clone() for p in trainer.discriminator.parameters()]
    trainer.step(update_d=False, update_g=True)
    assert all(torch.equal(a, b) for a, b in zip(d1, trainer.discriminator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(g0, trainer.generator.parameters()))


def test_substeps_are_reported_in_order(tiny_data, tiny_model, tiny_train):
    seen = []
    Trainer(tiny_data, tiny_model, tiny_train).step(on_substep=lambda phase, name: seen.append((phase, name)))
    names = ["sample noise", "generate", "judge", "loss", "gradients", "update"]
    assert seen == [("D", n) for n in names] + [("G", n) for n in names[2:]]
    assert seen == [("D", n) for n in D_SUBSTEPS] + [("G", n) for n in G_SUBSTEPS]  # the names the views import
    assert all(substep in diagram.EXPLAIN for substep in seen)


def test_a_one_phase_step_reports_only_that_phase(tiny_data, tiny_model, tiny_train):
    """Slow motion's 'D step only' ended on a G sub-step: G's loss is still computed, for the chart."""
    trainer, seen = Trainer(tiny_data, tiny_model, tiny_train), []
    trainer.step(update_g=False, on_substep=lambda phase, name: seen.append((phase, name)))
    assert seen == [("D", n) for n in ["sample noise", "generate", "judge", "loss", "gradients", "update"]]
    seen.clear()
    trainer.step(update_d=False, on_substep=lambda phase, name: seen.append((phase, name)))
    assert seen == [("D", "sample noise"), ("D", "generate")] + [("G", n) for n in ["judge", "loss", "gradients", "update"]]


def test_same_seed_same_run(tiny_data, tiny_model, tiny_train):
    a, b = Trainer(tiny_data, tiny_model, tiny_train), Trainer(tiny_data, tiny_model, tiny_train)
    for _ in range(5):
        sa, sb = a.step(), b.step()
        assert sa["loss_d"] == sb["loss_d"] and sa["loss_g"] == sb["loss_g"]
    np.testing.assert_array_equal(a.sample(4, seed=3), b.sample(4, seed=3))


def test_sample_units_and_repeatability(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, tiny_train)
    scaled = trainer.sample(10, seed=5, scaled=True)
    assert scaled.shape == (10, 12, 2)
    np.testing.assert_allclose(trainer.sample(10, seed=5), tiny_data.scaler.inverse_transform(scaled), rtol=1e-6)
    np.testing.assert_array_equal(trainer.preview(), trainer.preview())
    assert not np.array_equal(trainer.sample(10, seed=5), trainer.sample(10, seed=6))


def test_nan_stops_training_and_keeps_weights(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, tiny_train)
    trainer.step()
    good = {k: v.clone() for k, v in trainer.generator.state_dict().items()}
    trainer._real = torch.full_like(trainer._real, float("nan"))
    with pytest.raises(TrainingDiverged, match="NaN/Inf at step 2"):
        trainer.step()
    for k, v in trainer.generator.state_dict().items():
        assert torch.equal(v, good[k])
        assert torch.isfinite(v).all()


def test_lr_and_d_steps_change(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, tiny_train)
    trainer.set_lr(lr_g=5e-4)
    trainer.set_d_steps(3)
    assert trainer.lr_g == 5e-4 and trainer.lr_d == tiny_train.lr_d and trainer.d_steps == 3
    with pytest.raises(ValueError) as e:
        trainer.set_lr(lr_d=2.0)
    assert str(e.value) == "lr_d must be a number between 0 and 1, got 2.0."  # TrainConfig's own check
    with pytest.raises(ValueError) as e:
        trainer.set_d_steps(0)
    assert str(e.value) == "d_steps must be a positive integer, got 0."
    assert trainer.lr_d == tiny_train.lr_d and trainer.d_steps == 3  # a refused change changes nothing


def test_checkpoint_resume_is_identical(tiny_data, tiny_model, tiny_train, tmp_path):
    """Stopping, saving, loading and continuing gives the same losses as never stopping."""
    straight = Trainer(tiny_data, tiny_model, tiny_train)
    expected = [straight.step() for _ in range(8)]

    first = Trainer(tiny_data, tiny_model, tiny_train)
    for _ in range(4):
        first.step()
    path = first.save(tmp_path / "ckpt.pt")
    resumed = Trainer.load(path, data=tiny_data, device="cpu")
    assert resumed.step_count == 4
    got = [resumed.step() for _ in range(4)]
    for e, g in zip(expected[4:], got):
        assert e["loss_d"] == g["loss_d"] and e["loss_g"] == g["loss_g"] and e["step"] == g["step"]
    np.testing.assert_array_equal(straight.preview(), resumed.preview())


def test_weight_average_samples_and_survives_a_checkpoint(tiny_data, tiny_model, tiny_train, tmp_path):
    """With ema_decay the samples come from the averaged G, which lags G and is restored by load()."""
    from dataclasses import replace

    cfg = replace(tiny_train, ema_decay=0.9, diff_moment=True)
    trainer = Trainer(tiny_data, tiny_model, cfg)
    for _ in range(30):
        trainer.step()
    assert trainer.sampler is trainer.generator_ema
    live = [p.detach().clone() for p in trainer.generator.parameters()]
    avg = [p.detach().clone() for p in trainer.generator_ema.parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(live, avg))  # an average, not a copy
    z = trainer.fixed_noise
    with torch.no_grad():
        np.testing.assert_allclose(trainer.preview(), trainer.generator_ema.eval()(z).numpy(), atol=1e-6)
    resumed = Trainer.load(trainer.save(tmp_path / "ema.pt"), data=tiny_data, device="cpu")
    np.testing.assert_array_equal(resumed.preview(), trainer.preview())
    assert resumed.step()["loss_g"] == trainer.step()["loss_g"]
    np.testing.assert_array_equal(resumed.preview(), trainer.preview())


def test_correlation_term_pulls_feature_correlations_towards_the_data():
    """Two features that always move together: G learns that faster with the correlation term on."""
    from rgan.data import DataConfig, from_array

    rng = np.random.default_rng(0)
    base = rng.random((256, 8, 1)).astype(np.float32)
    x = np.concatenate([base, 1.0 - base], axis=2)  # correlation -1 at every step
    data = from_array(x, ["a", "b"], DataConfig(seq_len=8))
    real_corr = correlation(torch.as_tensor(x))
    assert real_corr[0, 1] == pytest.approx(-1.0, abs=1e-5)
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=8, d_hidden=8, g_layers=1)
    gaps = {}
    for weight in (0.0, 5.0):
        trainer = Trainer(data, model, TrainConfig(batch_size=64, device="cpu", seed=0, corr_weight=weight, ema_decay=0.0))
        for _ in range(60):
            trainer.step()
        fake = torch.as_tensor(trainer.sample(512, seed=0, scaled=True))
        gaps[weight] = float((correlation(fake)[0, 1] - real_corr[0, 1]).abs())
    assert gaps[5.0] < 0.5 * gaps[0.0], gaps


def test_checkpoint_is_weights_only_and_samples_without_data(tiny_data, tiny_model, tiny_train, tmp_path):
    trainer = Trainer(tiny_data, tiny_model, tiny_train)
    trainer.step()
    path = trainer.save(tmp_path / "c.pt")
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert state["feature_names"] == ["a", "b"] and state["step"] == 1
    loaded = Trainer.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.sample(3, seed=1), trainer.sample(3, seed=1))
    with pytest.raises(RuntimeError, match="no real data"):
        loaded.step()


class _Evil:
    def __reduce__(self):
        return (eval, ("__import__('pathlib').Path('PWNED').touch()",))


def test_crafted_pickle_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"format": "rgan-studio-checkpoint", "x": _Evil()}, f)
    with pytest.raises(ValueError, match=r"This file is not a checkpoint \(not a zip archive"):
        Trainer.load(path, device="cpu")
    assert not (tmp_path / "PWNED").exists()


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"hello": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="not an RGAN Studio checkpoint"):
        Trainer.load(path, device="cpu")


def test_a_checkpoint_with_missing_entries_is_refused(tiny_data, tiny_model, tiny_train, tmp_path):
    state = Trainer(tiny_data, tiny_model, tiny_train).state_dict()
    del state["opt_d"], state["rng_state"]
    with pytest.raises(ValueError) as e:
        Trainer.from_state(state, device="cpu")
    assert str(e.value) == (
        "This checkpoint lacks opt_d, rng_state; the file is damaged. Choose another .pt file saved by RGAN Studio."
    )


def test_generator_push_points_towards_realness(tiny_data, tiny_model, tiny_train):
    trainer = Trainer(tiny_data, tiny_model, tiny_train)
    for _ in range(5):
        trainer.step()
    fake, realness, push = trainer.generator_push()
    assert fake.shape == push.shape == (tiny_train.preview_size, 12, 2)
    assert realness.shape == (tiny_train.preview_size, 12)
    # A small move along the push must raise D's mean realness of that sequence.
    x = torch.as_tensor(fake + 1e-2 * push / (np.abs(push).max() + 1e-12))
    with torch.no_grad():
        moved = torch.sigmoid(trainer.discriminator(x)).mean()
    assert float(moved) > float(realness.mean())


def test_moment_gap_matches_torch_mean_and_std():
    gen = torch.Generator().manual_seed(0)
    fake = torch.randn(64, 12, 3, generator=gen, requires_grad=True)
    real = torch.rand(64, 12, 3, generator=gen) * 4 + 1
    ours = moment_gap(fake, real)
    ref = (fake.mean(0) - real.mean(0)).abs().mean() + (fake.std(0) - real.std(0)).abs().mean()
    assert torch.allclose(ours, ref, rtol=1e-5)
    (g_ours,) = torch.autograd.grad(ours, fake)
    (g_ref,) = torch.autograd.grad(ref, fake)
    assert torch.allclose(g_ours, g_ref, rtol=1e-4, atol=1e-7)
    # the written-out gradient against finite differences, in double precision
    x = torch.rand(9, 4, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    r = torch.rand(9, 4, 2, dtype=torch.float64, generator=gen)
    assert torch.autograd.gradcheck(lambda x: moment_gap(x, r) * 3.0, (x,))


def test_moment_gap_of_a_collapsed_batch_has_a_finite_gradient():
    """All B generated values equal at a step (std 0): the std term contributes no gradient, not NaN."""
    fake = torch.full((16, 5, 2), 0.5, requires_grad=True)
    real = torch.rand(16, 5, 2, generator=torch.Generator().manual_seed(1))
    (g,) = torch.autograd.grad(moment_gap(fake, real), fake)
    assert torch.isfinite(g).all()
    assert torch.allclose(g, g[0].expand_as(g))  # only the mean term: the same push on every sequence


@pytest.mark.parametrize("clip", [0.0, 1e-3, 1e6])
def test_gradient_clipping_matches_clip_grad_norm(tiny_data, tiny_model, clip):
    ours = Trainer(tiny_data, tiny_model, TrainConfig(device="cpu", grad_clip=clip))
    ref = Trainer(tiny_data, tiny_model, TrainConfig(device="cpu", grad_clip=clip))
    x = torch.randn(8, tiny_data.seq_len, tiny_data.n_features)
    for t in (ours, ref):
        t.discriminator(x).pow(2).sum().backward()
    norm, no_loss = clip_gradients(list(ours.discriminator.parameters()), clip)
    assert math.isnan(no_loss)
    ref_norm = float(torch.nn.utils.clip_grad_norm_(ref.discriminator.parameters(), clip if clip > 0 else math.inf))
    assert norm == pytest.approx(ref_norm, rel=1e-6) and norm > 0
    for a, b in zip(ours.discriminator.parameters(), ref.discriminator.parameters()):
        assert torch.allclose(a.grad, b.grad, rtol=1e-5, atol=1e-9)
    if clip == 1e-3:  # actually clipped: the total norm is now the limit
        total = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in ours.discriminator.parameters()]))
        assert float(total) == pytest.approx(clip, rel=1e-3)


@pytest.fixture
def one_thread():
    """The overlap of D's real pass runs only where torch uses one intra-op thread."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
def test_overlapped_real_pass_gives_the_same_run(tiny_data, tiny_model, loss, one_thread, monkeypatch):
    """D's real-batch pass on a second thread (the CPU default with one torch thread) changes only the
    speed: the same numbers up to float rounding, and the same run bit for bit when repeated."""
    runs = []
    for overlap in (True, False, True):
        t = Trainer(tiny_data, tiny_model, TrainConfig(device="cpu", loss=loss, d_steps=2, seed=5, overlap=overlap))
        assert (t._pool is not None) == overlap
        t._fuse_d = False  # without the overlap, D's real pass goes through _judge_real on this thread
        calls = []
        judge = t._judge_real

        def spy(real, backward, labels=None):
            calls.append((backward, threading.current_thread().name.startswith("rgan-d-real")))
            return judge(real, backward, labels=labels)

        monkeypatch.setattr(t, "_judge_real", spy)
        runs.append(([t.step() for _ in range(3)], t))
        assert calls == [(overlap, overlap)] * 6  # 2 D steps x 3, each on the second thread or on this one
    (a, ta), (b, tb), (c, tc) = runs
    for sa, sb, sc in zip(a, b, c):
        for key in ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"):
            assert sa[key] == pytest.approx(sb[key], rel=1e-4, abs=1e-6), key
            assert sa[key] == sc[key], key  # repeatable exactly
    for pa, pb, pc in zip(ta.discriminator.parameters(), tb.discriminator.parameters(), tc.discriminator.parameters()):
        assert torch.allclose(pa, pb, rtol=1e-4, atol=1e-6) and torch.equal(pa, pc)


@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
@pytest.mark.parametrize("d_cell,per_step", [("gru", True), ("gru", False), ("lstm", True)])
def test_fused_discriminator_pass_gives_the_same_run(tiny_data, loss, d_cell, per_step):
    """One D pass over real and fake stacked (the CPU default for GRUs and small LSTMs) changes only the
    speed: the same loss and the same gradients for D as two passes, up to float rounding. (Later steps
    are not compared: Adam's first updates divide each gradient by its own size, so a rounding-level
    difference in a near-zero component becomes a difference of the learning rate.)"""
    model = ModelConfig(noise_dim=3, static_noise_dim=2, g_hidden=8, d_hidden=8, d_cell=d_cell, d_per_step=per_step)
    cfg = TrainConfig(device="cpu", loss=loss, seed=3, overlap=False, label_smoothing=0.1 if loss == "ns" else 0)
    fused, split = Trainer(tiny_data, model, cfg), Trainer(tiny_data, model, cfg)
    assert fused._fuse_d  # the CPU default for both cells at this size
    wide_lstm = ModelConfig(noise_dim=3, g_hidden=8, d_hidden=128, d_cell="lstm")
    assert not Trainer(tiny_data, wide_lstm, cfg)._fuse_d  # oneDNN's LSTM: two passes were faster at 128
    fused._fuse_d, split._fuse_d = True, False
    calls = []
    forward = fused.discriminator.forward
    fused.discriminator.forward = lambda x, labels=None: calls.append(x.shape[0]) or forward(x, labels)
    a, b = fused.step(update_g=False), split.step(update_g=False)
    for key in ("loss_d", "d_real", "grad_norm_d"):
        assert a[key] == pytest.approx(b[key], rel=1e-5, abs=1e-7), key
    for pa, pb in zip(fused.discriminator.parameters(), split.discriminator.parameters()):
        assert pa.grad is not None and torch.allclose(pa.grad, pb.grad, rtol=1e-4, atol=1e-7)
    assert calls[0] == 2 * cfg.batch_size  # one pass over both halves
    fused.step(), split.step()
    assert calls.count(2 * cfg.batch_size) == 2


def test_overlap_thread_failure_surfaces(tiny_data, tiny_model, monkeypatch, one_thread):
    t = Trainer(tiny_data, tiny_model, TrainConfig(device="cpu"))
    before = [p.detach().clone() for p in t.discriminator.parameters()]

    def boom(real, backward, labels=None):
        raise RuntimeError("out of memory in the real pass")

    monkeypatch.setattr(t, "_judge_real", boom)
    with pytest.raises(RuntimeError, match="out of memory in the real pass"):
        t.step()
    assert all(torch.equal(p, q) for p, q in zip(before, t.discriminator.parameters()))


def test_d_realness_takes_read_only_windows_without_a_warning(tiny_data, tiny_model):
    """The dashboard passes read-only views of the data's windows; torch warns about those if wrapped."""
    import warnings

    trainer = Trainer(tiny_data, tiny_model, TrainConfig(device="cpu"))
    windows = np.asarray(tiny_data.windows[:4])
    windows.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        realness = trainer.d_realness(windows)
    assert realness.shape == (4, tiny_data.seq_len) and ((realness > 0) & (realness < 1)).all()


def test_a_batch_larger_than_the_data_gets_a_note(tiny_data, tiny_model, tiny_train):
    n = tiny_data.n_sequences
    fits = Trainer(tiny_data, tiny_model, tiny_train.__class__(batch_size=n, device="cpu"))
    assert fits.notes == []
    too_big = Trainer(tiny_data, tiny_model, tiny_train.__class__(batch_size=n + 1, device="cpu"))
    (note,) = too_big.notes
    assert f"Batch size {n + 1:,} is larger than the {n:,} training sequences" in note
    assert f"Use a batch of {n:,} or fewer" in note
    assert np.isfinite(too_big.step()["loss_d"])  # a note, not a refusal: it still trains


def test_settings_that_the_loss_ignores_get_a_note(tiny_data, tiny_model):
    wgan = Trainer(tiny_data, tiny_model, TrainConfig(loss="wgan-gp", label_smoothing=0.1, batch_size=8, device="cpu"))
    assert wgan.notes == ["Label smoothing (0.1) applies to the non-saturating loss only; this WGAN-GP run ignores it."]
    ns = Trainer(tiny_data, tiny_model, TrainConfig(gp_weight=5.0, batch_size=8, device="cpu"))
    assert ns.notes == ["The gradient penalty (5) applies to the WGAN-GP loss only; this non-saturating run ignores it."]
    assert Trainer(tiny_data, tiny_model, TrainConfig(batch_size=8, device="cpu")).notes == []
    never = Trainer(tiny_data, tiny_model, TrainConfig(unroll=4, unroll_after=500, steps=500, batch_size=8, device="cpu"))
    assert never.notes == ["Unroll 4 starts after step 500, but the run stops at step 500: G never runs unrolled. "
                           "Lower *Unroll after* (`--unroll-after`) or raise the steps."]
    assert Trainer(tiny_data, tiny_model, TrainConfig(unroll=4, unroll_after=499, steps=500, batch_size=8,
                                                      device="cpu")).notes == []


def test_changed_settings_name_what_differs_from_the_defaults():
    assert changed_settings(TrainConfig()) == []
    texts = changed_settings(TrainConfig(moment_weight=0.0, diff_moment=True, beta1=0.0, grad_clip=0.0, lr_g=0.1))
    assert texts == ["moment loss off", "moment of changes on", "gradient clip off", "β1 0"]  # lr is shown elsewhere
    assert changed_settings(TrainConfig(change_weight=0.5)) == ["change loss 0.5"]
    assert changed_settings(TrainConfig(shape_weight=0.3)) == ["shape loss 0.3"]
