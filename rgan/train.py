"""Adversarial training of a recurrent GAN: configuration, one training step, sampling, checkpoints.

The trainer knows nothing about threads or user interfaces: ``step()`` runs one discriminator phase
and one generator phase and returns plain numbers; whoever drives it decides what to do with them.
"""

from __future__ import annotations

import concurrent.futures
import copy
import math
import os
import time
import weakref
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from rgan.alloc import keep_freed_memory
from rgan.configs import config_from_dict
from rgan.data import MinMaxScaler, SequenceData
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.optim import adam

LOSSES = ("ns", "wgan-gp")
DEVICES = ("auto", "cpu", "cuda", "mps")
CHECKPOINT_FORMAT = "rgan-studio-checkpoint"
CHECKPOINT_VERSION = 1
# Real windows up to this size are kept on the device as one tensor; larger data sets are gathered
# batch by batch from the (possibly strided, zero-copy) numpy view.
_MAX_RESIDENT_BYTES = 512 * 2**20
_HAS_TOTAL_NORM = hasattr(torch.nn.utils, "get_total_norm")  # torch >= 2.6: the norm without rescaling


@dataclass(frozen=True)
class TrainConfig:
    """How the two networks are trained."""

    loss: str = "ns"  # "ns": non-saturating GAN loss; "wgan-gp": Wasserstein loss + gradient penalty
    lr_g: float = 2e-3  # generator Adam learning rate (best of a sweep on sines, see benchmarks/results)
    lr_d: float = 2e-3  # discriminator Adam learning rate
    beta1: float = 0.5  # Adam beta1 (0.5 is the usual GAN choice; WGAN-GP prefers 0.0)
    beta2: float = 0.9  # Adam beta2
    d_steps: int = 1  # discriminator updates per generator update
    batch_size: int = 128  # sequences per batch
    steps: int = 5000  # generator updates in a full run
    seed: int = 0  # seeds weights, batches and noise
    device: str = "auto"  # "auto" (CUDA, then MPS, then CPU), "cpu", "cuda" or "mps"
    moment_weight: float = 1.0  # G penalty on per-step mean/std mismatch with the real batch (0 = off)
    label_smoothing: float = 0.0  # one-sided: real targets become 1 - this value ("ns" only)
    gp_weight: float = 10.0  # gradient penalty weight ("wgan-gp" only)
    grad_clip: float = 10.0  # clip each network's gradient norm to this (0 = no clipping)
    ema_decay: float = 0.999  # samples come from an exponential moving average of G's weights (0 = off)
    diff_moment: bool = False  # moment loss also matches per-step mean/std of first differences
    corr_weight: float = 0.0  # G penalty on the gap between real and generated feature correlations (0 = off)
    preview_size: int = 16  # sequences in the fixed-noise preview batch
    overlap: bool = True  # on CPU with one torch thread, D's pass over real data runs beside G's on a second thread

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}.")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}.")
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < 1):
                raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}.")
        for name in ("d_steps", "batch_size", "steps", "preview_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if not (isinstance(self.corr_weight, (int, float)) and self.corr_weight >= 0):
            raise ValueError(f"corr_weight must be a number >= 0, got {self.corr_weight!r}.")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay!r}.")
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {self.label_smoothing!r}.")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}.")
        for name in ("moment_weight", "gp_weight", "grad_clip"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must be a number >= 0, got {getattr(self, name)!r}.")


class TrainingDiverged(RuntimeError):
    """A loss or gradient became NaN or infinite; the weights were left at their last good values."""


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a device name into a ``torch.device``; ``auto`` prefers CUDA, then Apple MPS, then CPU.

    Raises:
        ValueError: the named device is not available on this machine.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("Device 'cuda' was requested but no CUDA GPU is available; use 'auto' or 'cpu'.")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("Device 'mps' was requested but Apple MPS is not available; use 'auto' or 'cpu'.")
    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {name!r}.")
    return torch.device(name)


def settings_notes(train: TrainConfig) -> list[str]:
    """Advice on settings that have no effect with the chosen loss."""
    notes, default = [], TrainConfig()
    if train.loss == "wgan-gp" and train.label_smoothing > 0:
        notes.append(f"Label smoothing ({train.label_smoothing:g}) applies to the non-saturating loss only; this "
                     "WGAN-GP run ignores it.")
    if train.loss == "ns" and train.gp_weight != default.gp_weight:
        notes.append(f"The gradient penalty ({train.gp_weight:g}) applies to the WGAN-GP loss only; this "
                     "non-saturating run ignores it.")
    return notes


def batch_note(batch_size: int, n_sequences: int) -> str | None:
    """Advice when a batch cannot be filled without repeats (batches are drawn with replacement)."""
    if batch_size <= n_sequences:
        return None
    return (
        f"Batch size {batch_size:,} is larger than the {n_sequences:,} training sequences, so every batch holds "
        f"repeats: training works, but the extra rows cost time without new examples. Use a batch of "
        f"{n_sequences:,} or fewer, or get more sequences with a shorter sequence length or a smaller stride."
    )


class Trainer:
    """Owns G, D, their optimisers and the random streams of one training run.

    Args:
        data: the real sequences (scaled to [0, 1]); may be ``None`` for a trainer loaded only to sample.
        model: network sizes.
        train: optimisation settings.
    """

    def __init__(
        self,
        data: SequenceData | None,
        model: ModelConfig = ModelConfig(),
        train: TrainConfig = TrainConfig(),
        *,
        n_features: int | None = None,
        seq_len: int | None = None,
        feature_names: list[str] | None = None,
        scaler: MinMaxScaler | None = None,
        data_info: dict[str, Any] | None = None,
    ) -> None:
        self.model_config = model
        self.train_config = train
        self.device = resolve_device(train.device)
        if data is not None:
            n_features, seq_len = data.n_features, data.seq_len
            feature_names, scaler = list(data.feature_names), data.scaler
            data_info = data.to_dict_info()
        if n_features is None or seq_len is None or scaler is None:
            raise ValueError("Trainer needs either data or n_features, seq_len and scaler.")
        self.n_features = int(n_features)
        self.seq_len = int(seq_len)
        self.feature_names = list(feature_names or [f"x{i}" for i in range(self.n_features)])
        self.scaler = scaler
        self.data_info = dict(data_info or {})

        keep_freed_memory()  # each step reuses the last step's memory instead of faulting in new pages
        torch.manual_seed(train.seed)  # weight initialisation only; every later draw uses self._rng
        self.generator = Generator(self.n_features, model).to(self.device)
        self.discriminator = Discriminator(self.n_features, model).to(self.device)
        # The moving average of G's weights (when on) is what sample() and preview() use: it smooths
        # out the oscillation of adversarial training, so a sample taken at any moment is a good one.
        self.generator_ema: Generator | None = None
        if train.ema_decay > 0:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)
            self.generator_ema.rnn.flatten_parameters()  # a copy's weights are separate tensors; cuDNN wants one block
        # Parameter lists are built once: clipping and the average touch them every step.
        self._params = {m: list(m.parameters()) for m in (self.generator, self.discriminator, self.generator_ema) if m is not None}
        # A second thread for D's pass over real data (see step()); CPU only: CUDA kernels are queued
        # asynchronously already.
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self.set_overlap(train.overlap)
        self.opt_g = adam(self.generator.parameters(), train.lr_g, (train.beta1, train.beta2))
        self.opt_d = adam(self.discriminator.parameters(), train.lr_d, (train.beta1, train.beta2))
        # One CPU generator drives batches and noise so that a run is reproducible and resumable exactly.
        self._rng = torch.Generator().manual_seed(train.seed)
        self.fixed_noise = self._noise(train.preview_size)  # (P, T, noise): the same preview every time
        self.step_count = 0
        self.d_steps = train.d_steps
        # D judges the real and the generated batch in one pass of 2B sequences where that is faster
        # (same numbers up to float rounding). torch has no fused CPU kernel for the GRU: it runs step
        # by step, so its cost is mostly per call, and one call of 2B was 1.1-1.4x faster than two of B.
        # oneDNN's LSTM kernel costs per sequence: one call gained 2-4 % up to 64 hidden units and lost
        # 3 % at 128 (benchmarks/results/session4_2026-11-27.md). CUDA: not measured, left as it was.
        self._fuse_d = self.device.type == "cpu" and (model.d_cell == "gru" or model.d_hidden <= 64)
        self._real: torch.Tensor | np.ndarray | None = None
        if data is not None:
            self._set_real(data.windows)

    # ----------------------------------------------------------------------------------------- data
    def _set_real(self, windows: np.ndarray) -> None:
        if windows.ndim != 3 or windows.shape[1:] != (self.seq_len, self.n_features):
            raise ValueError(
                f"real windows must have shape (N, {self.seq_len}, {self.n_features}), got {windows.shape}."
            )
        self._n_real = windows.shape[0]
        if windows.size * 4 <= _MAX_RESIDENT_BYTES:
            self._real = torch.as_tensor(np.ascontiguousarray(windows, dtype=np.float32), device=self.device)
        else:
            self._real = windows

    @property
    def notes(self) -> list[str]:
        """Advice on these settings with this data (the CLI and the app show it)."""
        batch = batch_note(self.train_config.batch_size, self._n_real) if self._real is not None else None
        return settings_notes(self.train_config) + ([batch] if batch else [])

    def attach_data(self, data: SequenceData) -> None:
        """Give a loaded trainer its real data so that ``step()`` can continue training."""
        if data.n_features != self.n_features or data.seq_len != self.seq_len:
            raise ValueError(
                f"This model was trained on {self.n_features} features x {self.seq_len} steps; the data has "
                f"{data.n_features} features x {data.seq_len} steps."
            )
        self._set_real(data.windows)

    def _batch(self) -> torch.Tensor:
        idx = torch.randint(self._n_real, (self.train_config.batch_size,), generator=self._rng)
        if isinstance(self._real, torch.Tensor):
            return self._real[idx.to(self.device)]
        batch = np.asarray(self._real[idx.numpy()], dtype=np.float32)  # gathers only B windows
        return torch.from_numpy(batch).to(self.device)

    def _noise(self, n: int, rng: torch.Generator | None = None) -> torch.Tensor:
        rng = rng or self._rng
        cfg = self.model_config
        z = torch.randn(n, self.seq_len, cfg.noise_dim, generator=rng)  # (B, T, noise)
        if cfg.static_noise_dim:
            s = torch.randn(n, 1, cfg.static_noise_dim, generator=rng).expand(-1, self.seq_len, -1)
            z = torch.cat([z, s], dim=-1)  # (B, T, noise + static)
        return z.to(self.device)

    # ------------------------------------------------------------------------------------- training
    def set_lr(self, lr_g: float | None = None, lr_d: float | None = None) -> None:
        """Change learning rates; they apply from the next step."""
        for opt, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            if lr is None:
                continue
            if not 0 < lr < 1:
                raise ValueError(f"learning rate must be between 0 and 1, got {lr!r}.")
            for group in opt.param_groups:
                group["lr"] = float(lr)

    def set_overlap(self, on: bool) -> None:
        """Use (or stop using) a second thread for D's pass over the real batch; CPU with one torch
        thread only. Results are the same either way; a server that keeps a core free turns it off."""
        if on and self._pool is None and self.device.type == "cpu":
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rgan-d-real")
            weakref.finalize(self, self._pool.shutdown, wait=False)
        elif not on and self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def set_d_steps(self, d_steps: int) -> None:
        """Change discriminator updates per generator update; applies from the next step."""
        if not isinstance(d_steps, int) or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps!r}.")
        self.d_steps = d_steps

    @property
    def lr_g(self) -> float:
        return float(self.opt_g.param_groups[0]["lr"])

    @property
    def lr_d(self) -> float:
        return float(self.opt_d.param_groups[0]["lr"])

    def _apply_gradients(
        self,
        module: torch.nn.Module,
        opt: torch.optim.Optimizer,
        loss: torch.Tensor,
        what: str,
        note: Callable[[str], None],
    ) -> float:
        """Clip, check and apply the gradients already accumulated in ``module``; returns their norm
        (before clipping)."""
        note("gradients")
        norm, value = self._clip(module, loss)
        if not (math.isfinite(norm) and math.isfinite(value)):
            opt.zero_grad(set_to_none=True)
            raise TrainingDiverged(
                f"The {what} loss or gradient became NaN/Inf at step {self.step_count + 1}; training stopped "
                "and the weights were kept at their last good values. Lower the learning rates or switch loss."
            )
        opt.step()
        note("update")
        return norm

    def _clip(self, module: torch.nn.Module, loss: torch.Tensor | None = None) -> tuple[float, float]:
        """Total gradient norm of ``module`` (and ``loss`` as a float, NaN if not given); gradients are
        rescaled only when the norm exceeds ``grad_clip``.

        Same result as ``clip_grad_norm_``, which multiplies every gradient by a factor of 1.0 when the
        norm is under the limit: skipping that pass saves a sweep over the gradients on most steps, and
        the norm and the loss come back in one device synchronisation (on CUDA each one costs a wait).
        """
        params = self._params[module]
        clip = self.train_config.grad_clip
        if _HAS_TOTAL_NORM:
            total = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
        else:
            total = torch.nn.utils.clip_grad_norm_(params, math.inf)  # the norm, no rescaling
        pair = torch.stack([total.float(), loss.detach().float() if loss is not None else total.new_tensor(math.nan)])
        norm, value = pair.tolist()
        if 0 < clip < norm and math.isfinite(norm):
            if _HAS_TOTAL_NORM:
                torch.nn.utils.clip_grads_with_norm_(params, clip, total)
            else:
                torch.nn.utils.clip_grad_norm_(params, clip)
        return norm, value

    def _judge_real(self, real: torch.Tensor, backward: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits on a real batch and D's loss term for them; with ``backward``, also its gradients."""
        with torch.set_grad_enabled(torch.is_grad_enabled() or backward):
            logits = self.discriminator(real)
            loss = self._real_loss(logits)
            if backward:
                loss.backward()
                loss = loss.detach()
        return logits, loss

    def _real_loss(self, logits: torch.Tensor) -> torch.Tensor:
        cfg = self.train_config
        if cfg.loss == "ns":
            return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 1.0 - cfg.label_smoothing))
        return -logits.mean()

    def _gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        alpha = torch.rand(real.shape[0], 1, 1, generator=self._rng).to(self.device)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        # cuDNN's RNN kernels have no double backward; the penalty needs one, so use the native path.
        with torch.backends.cudnn.flags(enabled=False):
            out = self.discriminator(mixed)
            (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
        return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()

    def step(
        self, update_d: bool = True, update_g: bool = True, on_substep: Callable[[str, str], None] | None = None
    ) -> dict[str, float]:
        """One training step: ``d_steps`` discriminator updates, then one generator update.

        Args:
            update_d: run the discriminator phase (False: D only judges, for teaching).
            update_g: run the generator phase (False: G only generates).
            on_substep: called as ``on_substep(phase, name)`` after each sub-step, for slow-motion
                teaching views: D phase "sample noise", "generate", "judge", "loss", "gradients",
                "update"; G phase (which reuses the last fakes) "judge", "loss", "gradients", "update".

        Returns:
            ``step, loss_d, loss_g, d_real, d_fake, grad_norm_d, grad_norm_g, seconds``. For the "ns"
            loss, ``d_real``/``d_fake`` are mean probabilities D assigns to real/generated sequences;
            for "wgan-gp" they are mean critic scores. A phase that did not run reports NaN norms.

        Raises:
            TrainingDiverged: a loss or gradient became NaN/Inf (weights are not updated with it).
            RuntimeError: the trainer has no real data attached.
        """
        if self._real is None:
            raise RuntimeError("This trainer has no real data; call attach_data() before step().")
        start = time.perf_counter()
        cfg = self.train_config
        G, D = self.generator, self.discriminator
        G.train()
        D.train()
        B = cfg.batch_size
        note = on_substep or (lambda phase, name: None)
        grad_norm_d = grad_norm_g = math.nan

        # (1) update D: push D(real) up and D(G(z)) down, on G's output detached from G's graph.
        D.requires_grad_(update_d)
        n_d = self.d_steps if update_d else 1
        # D's pass over the real batch does not depend on G, so on CPU it runs (forward and backward)
        # on a second thread while this one generates and judges the fakes: the recurrent kernels
        # release the GIL, and small RNNs leave cores idle. The two halves' gradients add up in D's
        # .grad: the same sum as one backward pass, up to float rounding.
        # With more than one intra-op thread the two threads' OpenMP teams fight over the cores
        # (measured: 0.4x on 2 cores), so the overlap is used only where torch runs one thread.
        overlap = self._pool is not None and update_d and on_substep is None and torch.get_num_threads() == 1
        for i in range(n_d):
            real = self._batch()  # (B, T, F)
            z = self._noise(B)
            note("D", "sample noise")
            if update_d:
                self.opt_d.zero_grad(set_to_none=True)
            pending = self._pool.submit(self._judge_real, real, True) if overlap else None
            try:
                # The last D batch's fakes are kept with their graph and reused by the G phase (as in
                # DCGAN): one generator forward per step instead of two.
                keep_graph = update_g and i == n_d - 1
                with torch.set_grad_enabled(keep_graph):
                    fake = G(z)  # (B, T, F)
                note("D", "generate")
                with torch.set_grad_enabled(update_d):
                    if pending is not None:
                        logits_fake = D(fake.detach())  # (B, T) or (B, 1)
                    elif self._fuse_d:  # both halves through D as one batch of 2B
                        logits_real, logits_fake = D(torch.cat([real, fake.detach()])).split(B)
                        loss_real = self._real_loss(logits_real)
                    else:
                        logits_real, loss_real = self._judge_real(real, False)
                        logits_fake = D(fake.detach())
                    if pending is None and update_d:  # a G-only step judges only to report D's loss
                        note("D", "judge")
                    if cfg.loss == "ns":
                        loss_fake = F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
                    else:
                        loss_fake = logits_fake.mean()
                        if update_d:
                            loss_fake = loss_fake + cfg.gp_weight * self._gradient_penalty(real, fake.detach())
                if pending is None:
                    loss_d = loss_real.detach() + loss_fake.detach()
                    if update_d:  # one backward pass over both halves: cheaper than two
                        note("D", "loss")
                        (loss_real + loss_fake).backward()
                else:
                    loss_fake.backward()
            finally:
                if pending is not None:  # never leave the other thread writing D's gradients
                    concurrent.futures.wait([pending])
            if pending is not None:
                logits_real, loss_real = pending.result()  # re-raises what failed there
                loss_d = loss_real + loss_fake.detach()
            if update_d:
                grad_norm_d = self._apply_gradients(D, self.opt_d, loss_d, "discriminator", lambda name: note("D", name))

        # (2) update G: make D call G(z) real. D's weights are frozen so backward skips their gradients.
        D.requires_grad_(False)
        with torch.set_grad_enabled(update_g):
            logits_fake = D(fake)  # the updated D judges the same fakes again, now with G's graph
            if update_g:  # a D-only step judges the fakes only to report G's loss: not a G sub-step
                note("G", "judge")
            if cfg.loss == "ns":
                # Non-saturating: maximise log D(G(z)) instead of minimising log(1 - D(G(z))), which has
                # vanishing gradients exactly when D wins early in training.
                loss_g = F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))
            else:
                loss_g = -logits_fake.mean()
            if cfg.moment_weight > 0:
                # Match per-step mean and spread of each feature to the real batch: a cheap, strong hint
                # against mode collapse (the moment loss of TimeGAN's generator).
                loss_g = loss_g + cfg.moment_weight * _moment_gap(fake, real)
                if cfg.diff_moment:  # the same for step-to-step changes: how fast the series moves
                    loss_g = loss_g + cfg.moment_weight * _moment_gap(fake.diff(dim=1), real.diff(dim=1))
            if cfg.corr_weight > 0 and self.n_features > 1:
                # How features move together (pooled over batch and steps): per-step moments cannot see it.
                loss_g = loss_g + cfg.corr_weight * (_correlation(fake) - _correlation(real)).abs().mean()
        if update_g:
            note("G", "loss")
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            grad_norm_g = self._apply_gradients(G, self.opt_g, loss_g, "generator", lambda name: note("G", name))
            self._update_ema()
        D.requires_grad_(True)

        self.step_count += 1
        # The step's numbers read back in one synchronisation (the losses are detached values, so
        # reading them after the updates gives what the updates saw).
        if cfg.loss == "ns":
            tail = [torch.sigmoid(logits_real.detach()).mean(), torch.sigmoid(logits_fake.detach()).mean()]
        else:
            tail = [logits_real.detach().mean(), logits_fake.detach().mean()]
        tail += [loss_d.detach(), loss_g.detach()]  # all 0-dim
        d_real, d_fake, loss_d_value, loss_g_value = torch.stack([t.float() for t in tail]).tolist()
        return {
            "step": float(self.step_count),
            "loss_d": loss_d_value,
            "loss_g": loss_g_value,
            "d_real": d_real,
            "d_fake": d_fake,
            "grad_norm_d": grad_norm_d,
            "grad_norm_g": grad_norm_g,
            "seconds": time.perf_counter() - start,
        }

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.generator_ema is None:
            return
        # Warm-up: early on the average follows G closely, so young previews are not stuck at the init.
        t = self.step_count + 1
        decay = min(self.train_config.ema_decay, (1 + t) / (10 + t))
        torch._foreach_lerp_(self._params[self.generator_ema], self._params[self.generator], 1.0 - decay)

    @property
    def sampler(self) -> Generator:
        """The network that samples: the weight average when ``ema_decay`` > 0, else G itself."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @torch.no_grad()
    def generator_push(self, z: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where G's loss would move each generated point: for teaching the discriminator's view.

        Returns:
            ``(fake (P, T, F), realness (P, T), push (P, T, F))``: push is minus the gradient of the
            generator's adversarial loss with respect to each generated value (scaled units).
        """
        z = self.fixed_noise if z is None else z.to(self.device)
        self.generator.eval()
        self.discriminator.eval()
        fake = self.generator(z).detach().requires_grad_(True)
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            logits = self.discriminator(fake)
            loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), reduction="sum")
            (grad,) = torch.autograd.grad(loss, fake)
        realness = torch.sigmoid(logits)
        if realness.shape[1] == 1:
            realness = realness.expand(-1, self.seq_len)
        return fake.detach().cpu().numpy(), realness.cpu().numpy(), (-grad).cpu().numpy()

    # ------------------------------------------------------------------------------------- sampling
    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> np.ndarray:
        """Run G (its weight average when on) on a noise batch; returns scaled ``(B, T, F)`` in [0, 1]."""
        sampler = self.sampler
        sampler.eval()
        return sampler(z.to(self.device)).float().cpu().numpy()

    def sample(self, n: int, seed: int | None = None, scaled: bool = False, batch_size: int = 4096) -> np.ndarray:
        """Generate ``n`` sequences ``(n, T, F)``, in the data's own units unless ``scaled``.

        A ``seed`` makes the draw repeatable and leaves the training noise stream untouched.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}.")
        rng = torch.Generator().manual_seed(seed) if seed is not None else torch.Generator().manual_seed(
            int(torch.randint(2**31 - 1, (1,), generator=self._rng))
        )
        parts = [self.generate(self._noise(min(batch_size, n - i), rng)) for i in range(0, n, batch_size)]
        out = np.concatenate(parts, axis=0)
        return out if scaled else self.scaler.inverse_transform(out)

    def preview(self, scaled: bool = True) -> np.ndarray:
        """G's output for the fixed preview noise, so successive previews are comparable."""
        out = self.generate(self.fixed_noise)
        return out if scaled else self.scaler.inverse_transform(out)

    @torch.no_grad()
    def d_realness(self, x_scaled: np.ndarray) -> np.ndarray:
        """D's realness per step ``(N, T)`` (probabilities for "ns"; sigmoid of critic for WGAN)."""
        self.discriminator.eval()
        x = np.array(x_scaled, dtype=np.float32)  # a copy: callers pass read-only views of the data's windows
        logits = self.discriminator(torch.from_numpy(x).to(self.device))
        if logits.shape[1] == 1:
            logits = logits.expand(-1, self.seq_len)
        return torch.sigmoid(logits).cpu().numpy()

    # ---------------------------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly; only tensors and plain Python values."""
        return {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "model_config": asdict(self.model_config),
            "train_config": asdict(self.train_config),
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            **({"generator_ema": self.generator_ema.state_dict()} if self.generator_ema is not None else {}),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "step": self.step_count,
            "d_steps": self.d_steps,
            "rng_state": self._rng.get_state(),
            "fixed_noise": self.fixed_noise.cpu(),
            "scaler": self.scaler.to_dict(),
            "feature_names": list(self.feature_names),
            "n_features": self.n_features,
            "seq_len": self.seq_len,
            "data_info": dict(self.data_info),
            "torch_version": str(torch.__version__),
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write a checkpoint atomically (temporary file, then rename), so a crash never leaves half a file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)
        return path

    @classmethod
    def from_state(
        cls, state: dict[str, Any], data: SequenceData | None = None, device: str = "auto"
    ) -> "Trainer":
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("This file is not an RGAN Studio checkpoint; choose a .pt file saved by RGAN Studio.")
        model = config_from_dict(ModelConfig, state["model_config"])
        train = replace(config_from_dict(TrainConfig, state["train_config"]), device=device)
        trainer = cls(
            None,
            model,
            train,
            n_features=state["n_features"],
            seq_len=state["seq_len"],
            feature_names=state["feature_names"],
            scaler=MinMaxScaler.from_dict(state["scaler"]),
            data_info=state.get("data_info", {}),
        )
        trainer.generator.load_state_dict(state["generator"])
        trainer.discriminator.load_state_dict(state["discriminator"])
        if trainer.generator_ema is not None:
            trainer.generator_ema.load_state_dict(state.get("generator_ema", state["generator"]))
        trainer.opt_g.load_state_dict(state["opt_g"])
        trainer.opt_d.load_state_dict(state["opt_d"])
        trainer.step_count = int(state["step"])
        trainer.d_steps = int(state.get("d_steps", train.d_steps))
        trainer._rng.set_state(state["rng_state"].cpu())
        trainer.fixed_noise = state["fixed_noise"].to(trainer.device)
        if data is not None:
            trainer.attach_data(data)
        return trainer

    @classmethod
    def load(cls, path: str | os.PathLike, data: SequenceData | None = None, device: str = "auto") -> "Trainer":
        """Load a checkpoint safely (``weights_only=True``: no arbitrary code can run).

        Args:
            path: a file written by :meth:`save` (on any device; tensors are mapped to ``device``).
            data: real data to continue training on; without it the trainer can only sample.
            device: where to put the networks.

        Raises:
            ValueError: the file is not a readable RGAN Studio checkpoint.
        """
        target = resolve_device(device)
        try:
            state = torch.load(path, map_location=target, weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as e:  # unpickling refused, truncated file, not a torch file, ...
            raise ValueError(
                f"Could not read {Path(path).name} as a checkpoint ({type(e).__name__}); choose a .pt file saved by "
                "RGAN Studio."
            ) from e
        return cls.from_state(state, data=data, device=device)


def _moment_gap(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute gap between per-step, per-feature batch means plus that between (unbiased) stds."""
    (fake_mean, fake_std), (real_mean, real_std) = _mean_std(fake), _mean_std(real)
    return (fake_mean - real_mean).abs().mean() + (fake_std - real_std).abs().mean()


def _mean_std(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and unbiased std over the batch dimension, written out: ``Tensor.std(0)`` and its backward
    reduce over the outer dimension slowly on CPU (about 1.7x the time of these elementwise ops).

    The variance is floored at 1e-12 before the square root: where every sequence of the batch has the
    same value (a generator saturating its sigmoid at exactly 1.0), the square root's gradient would be
    0/0 = NaN and stop training as if it had diverged; with the floor that term's gradient is 0.
    """
    mean = x.mean(0)
    return mean, (x - mean).square().sum(0).div(x.shape[0] - 1).clamp_min(1e-12).sqrt()


def _correlation(x: torch.Tensor) -> torch.Tensor:
    """Correlation matrix ``(F, F)`` of the features of ``(B, T, F)``, every step of every sequence pooled."""
    flat = x.reshape(-1, x.shape[-1])
    flat = flat - flat.mean(0)
    cov = flat.T @ flat / flat.shape[0]
    std = cov.diagonal().clamp_min(1e-8).sqrt()
    return cov / (std[:, None] * std[None, :])


_SETTING_LABELS = {  # training settings outside the everyday ones, as a run's caption names them
    "moment_weight": "moment loss", "diff_moment": "moment of changes", "corr_weight": "correlation loss",
    "label_smoothing": "label smoothing", "gp_weight": "gradient penalty", "grad_clip": "gradient clip",
    "beta1": "β1", "beta2": "β2", "ema_decay": "weight average",
}


def changed_settings(train: TrainConfig) -> list[str]:
    """The stabiliser and optimiser settings of ``train`` that differ from the defaults, as short
    texts ("label smoothing 0.1", "gradient clip off"), so a run's caption can say how it differs."""
    default, texts = TrainConfig(), []
    for name, label in _SETTING_LABELS.items():
        value = getattr(train, name)
        if value != getattr(default, name):
            if isinstance(value, bool):
                shown = "on" if value else "off"
            else:  # 0 switches a term or clipping off; for the betas it is a value like any other
                shown = "off" if value == 0 and not name.startswith("beta") else f"{value:g}"
            texts.append(f"{label} {shown}")
    return texts


def config_summary(model: ModelConfig, train: TrainConfig) -> dict[str, Any]:
    """Flat dict of both configs, for tables and logs."""
    return {**{f"model.{k}": v for k, v in asdict(model).items()}, **{f"train.{k}": v for k, v in asdict(train).items()}}
