"""Running the networks outside training: G's input noise, samples, D's verdicts, G's push.

Functions of networks and tensors; :class:`~rgan.train.Trainer` calls them with its own networks,
random stream and fixed preview noise.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from rgan.models import ModelConfig


def draw_noise(n: int, seq_len: int, model: ModelConfig, rng: torch.Generator, device: torch.device) -> torch.Tensor:
    """G's input for ``seq_len`` steps, ``(n, burn-in + T, noise + static)``: fresh noise at every step, then
    (when ``static_noise_dim``) per-sequence noise repeated over the steps. G's burn-in steps
    (``ModelConfig.burn_in_steps``) come first. Drawn on the CPU from ``rng``, so runs repeat exactly."""
    seq_len += model.burn_in_steps
    z = torch.randn(n, seq_len, model.noise_dim, generator=rng)  # (n, T, noise)
    if model.static_noise_dim:
        s = torch.randn(n, 1, model.static_noise_dim, generator=rng).expand(-1, seq_len, -1)  # (n, T, static)
        z = torch.cat([z, s], dim=-1)  # (n, T, noise + static)
    return z.to(device)


@torch.no_grad()
def generate(generator: torch.nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None) -> np.ndarray:
    """``generator`` in eval mode on a noise batch ``(B, T, noise)`` (and classes ``(B,)`` when conditional);
    returns ``(B, T, F)`` as float32 numpy. T may exceed the training length: one recurrent pass over all T
    steps carries the state on, each step's noise fresh and the per-sequence noise held, as in training."""
    generator.eval()
    return (generator(z) if labels is None else generator(z, labels)).float().cpu().numpy()


def _module(net) -> torch.nn.Module:
    """The module behind a network or a ``functools.partial`` of one (which fixes its labels)."""
    return getattr(net, "func", net)


@torch.no_grad()
def d_realness(discriminator: torch.nn.Module, x_scaled: np.ndarray, device: torch.device) -> np.ndarray:
    """D's realness per step ``(N, T)`` of scaled sequences ``(N, T, F)`` (the sigmoid of D's logits)."""
    _module(discriminator).eval()
    x = np.array(x_scaled, dtype=np.float32)  # a copy: callers pass read-only views of the data's windows
    logits = discriminator(torch.from_numpy(x).to(device))  # (N, T) or (N, 1)
    if logits.shape[1] == 1:
        logits = logits.expand(-1, x.shape[1])
    return torch.sigmoid(logits).cpu().numpy()


@torch.no_grad()
def generator_push(
    generator: torch.nn.Module, discriminator: torch.nn.Module, z: torch.Tensor
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where G's loss would move each generated point: for teaching the discriminator's view.

    Returns:
        ``(fake (P, T, F), realness (P, T), push (P, T, F))``: push is minus the gradient of the
        generator's adversarial loss with respect to each generated value (scaled units).
    """
    _module(generator).eval()
    _module(discriminator).eval()
    fake = generator(z).detach().requires_grad_(True)  # (P, T, F)
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        logits = discriminator(fake)  # (P, T) or (P, 1)
        loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), reduction="sum")
        (grad,) = torch.autograd.grad(loss, fake)
    realness = torch.sigmoid(logits)
    if realness.shape[1] == 1:
        realness = realness.expand(-1, fake.shape[1])
    return fake.detach().cpu().numpy(), realness.cpu().numpy(), (-grad).cpu().numpy()
