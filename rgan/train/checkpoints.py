"""Checkpoints: everything needed to resume a run exactly, as tensors and plain Python values.

A checkpoint is a dict written by ``torch.save``: both configs as ``asdict`` dicts, the weights of G, D,
G's weight average and the class critic (when there is one), their optimisers, the step, the random
stream, the fixed preview noise, the scaler, the power scale of skewed features and the data's shape. Files are written atomically and read
with ``weights_only=True``, so no code in a file runs on loading; and only after checkpoint_archive.py
has checked the file and checkpoint_checks.py what it claims (configs within rgan/limits.py, tensor
shapes against networks built on ``meta``), so no lie in a file makes the loader allocate more than the
file holds. :func:`read_state`
is the one way in: the command line, the Compare page's upload and resuming a run all come through it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import torch

from rgan import limits
from rgan.configs import config_from_dict
from rgan.data import MinMaxScaler, SequenceData
from rgan.logs import atomic_write_bytes
from rgan.models import ModelConfig

from . import checkpoint_archive as archive
from . import checkpoint_checks as checks
from .checkpoint_archive import CheckpointError
from .config import TrainConfig
from .warp import FeatureWarp

if TYPE_CHECKING:
    from .trainer import Trainer

_TrainerT = TypeVar("_TrainerT", bound="Trainer")

CHECKPOINT_FORMAT = "rgan-studio-checkpoint"
CHECKPOINT_VERSION = 1
_REQUIRED = (  # "generator_ema", "d_steps", "lr" and "data_info" are optional: older files lack them
    "model_config", "train_config", "generator", "discriminator", "opt_g", "opt_d", "step", "rng_state",
    "fixed_noise", "scaler", "feature_names", "n_features", "seq_len",
)


def trainer_state(trainer: Trainer) -> dict[str, Any]:
    """Everything needed to resume ``trainer`` exactly; only tensors and plain Python values."""
    ema = trainer.generator_ema
    return {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION if trainer.warp is None else checks.CHECKPOINT_VERSION_WARP,
        "model_config": asdict(trainer.model_config),
        "train_config": asdict(trainer.train_config),
        "generator": trainer.generator.state_dict(),
        "discriminator": trainer.discriminator.state_dict(),
        **({"generator_ema": ema.state_dict()} if ema is not None else {}),
        "opt_g": trainer.opt_g.state_dict(),
        "opt_d": trainer.opt_d.state_dict(),
        **({"critic": trainer.critic.state_dict(), "opt_critic": trainer.opt_critic.state_dict()}
           if trainer.critic is not None else {}),
        "step": trainer.step_count,
        "d_steps": trainer.d_steps,
        "lr": [trainer.lr_g, trainer.lr_d],  # the set rates (the optimisers hold them times the schedule's factor)
        "rng_state": trainer._rng.get_state(),
        "fixed_noise": trainer.fixed_noise.cpu(),  # (P, T, noise)
        "scaler": trainer.scaler.to_dict(),
        "feature_names": list(trainer.feature_names),
        "n_features": trainer.n_features,
        "seq_len": trainer.seq_len,
        "data_info": dict(trainer.data_info),
        **({"warp": trainer.warp.to_state()} if trainer.warp is not None else {}),
        "torch_version": str(torch.__version__),
    }


def save_state(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``state`` atomically (temporary file, then rename), so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, lambda f: torch.save(state, f))


def read_state(path: str | os.PathLike, device: torch.device, max_bytes: int | None = None) -> dict[str, Any]:
    """Read a checkpoint file safely, its tensors mapped to ``device``: the archive and everything it
    claims are checked first (checkpoint_archive.py, checkpoint_checks.py), then it is read with ``weights_only=True``.

    Args:
        max_bytes: the largest total of the archive's entries; None: ``RGAN_MAX_CHECKPOINT_MB`` or 256 MB.

    Raises:
        FileNotFoundError: there is no such file.
        CheckpointError: (a ValueError) the file is refused; the message says why in one sentence.
    """
    problem = archive.torch_floor_problem()
    if problem:
        raise CheckpointError(problem)
    if max_bytes is None:
        try:
            max_bytes = limits.checkpoint_max_bytes()
        except ValueError as e:
            raise CheckpointError(str(e)) from e
    data_bytes = archive.check_archive(path, max_bytes)
    described = archive.load(path, "meta")  # shapes, configs and names; no tensor data is read
    check_state(described)
    checks.check_contents(described, data_bytes)
    return archive.load(path, device)


def check_state(state: Any) -> None:
    """Check that ``state`` is an RGAN Studio checkpoint with every entry a trainer needs.

    Raises:
        CheckpointError: it is not one, or entries are missing (the message names them).
    """
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError("This file is not an RGAN Studio checkpoint; choose a .pt file saved by RGAN Studio.")
    missing = [key for key in _REQUIRED if key not in state]
    if missing:
        raise CheckpointError(
            f"This checkpoint lacks {', '.join(missing)}; the file is damaged. Choose another .pt file saved by "
            "RGAN Studio."
        )


def rebuild(cls: type[_TrainerT], state: Any, data: SequenceData | None, device: str) -> _TrainerT:
    """A ``cls`` trainer exactly as ``state`` describes it, its networks on ``device``, with ``data``
    attached when given.

    Every value and tensor shape is checked (:func:`checkpoint_checks.check_contents`) before the networks
    are built, also for a ``state`` that did not come through :func:`read_state`.

    Raises:
        CheckpointError: ``state`` is not a complete, consistent RGAN Studio checkpoint.
        ValueError: ``data`` does not fit it.
    """
    check_state(state)
    checks.check_contents(state)
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
    try:  # checked above; a failure here is a case the checks missed, still told in one sentence
        trainer.generator.load_state_dict(state["generator"])
        trainer.discriminator.load_state_dict(state["discriminator"])
        if trainer.generator_ema is not None:
            trainer.generator_ema.load_state_dict(state.get("generator_ema", state["generator"]))
        trainer.opt_g.load_state_dict(state["opt_g"])
        trainer.opt_d.load_state_dict(state["opt_d"])
        if "critic" in state:
            trainer.make_critic()
            trainer.critic.load_state_dict(state["critic"])
            trainer.opt_critic.load_state_dict(state["opt_critic"])
        trainer._rng.set_state(state["rng_state"].cpu())
    except (RuntimeError, KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"This checkpoint's weights could not be loaded ({type(e).__name__}), so it was not "
                              "written by RGAN Studio or was modified.") from e
    trainer.step_count = int(state["step"])
    if "lr" in state:
        trainer.set_lr(*state["lr"])
    else:  # older files: constant rates, held by the optimisers
        trainer.sync_lr_from_optimisers()
    trainer.d_steps = int(state.get("d_steps", train.d_steps))
    trainer.fixed_noise = state["fixed_noise"].to(trainer.device)
    trainer.use_warp(FeatureWarp.from_state(state["warp"]) if "warp" in state else None)  # as trained, never refitted
    if data is not None:
        trainer.attach_data(data)
    return trainer
