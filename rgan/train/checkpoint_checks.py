"""Checks that what a checkpoint claims is what RGAN Studio writes, made before anything it describes is built.

A checkpoint is a file from anyone (an upload on a shared server), and what it claims decides how much
memory loading it takes: a config of 20,000 hidden units x 4 layers, or a ``seq_len`` of 10^8, makes a
loader that trusts it allocate gigabytes. So, after checkpoint_archive.py has checked the file, its
description is loaded on torch's ``meta`` device (shapes without memory) and :func:`check_contents`
checks every config value against :mod:`rgan.limits`' ranges, the data's shape and names, then every
tensor's shape and type against G, D and their optimisers built on ``meta`` from those configs, and
that the tensors claim no more bytes than the archive holds. Only then is the file loaded for real.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import torch

from rgan import limits
from rgan.configs import config_from_dict
from rgan.models import ClassCritic, Discriminator, Generator, ModelConfig
from rgan.optim import adam

from .checkpoint_archive import NOT_OURS as _NOT_OURS
from .checkpoint_archive import CheckpointError
from .config import TrainConfig
from .sampling import draw_noise
from .warp import LAMBDA_LIMIT

CHECKPOINT_VERSION_WARP = 2  # a file with a power scale (warp.py): older readers refuse it instead of ignoring it

_KINDS = {"int": int, "float": float, "bool": bool, "str": str}  # the field types a config may have
_ADAM_STATE = {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
_WALK_BUDGET = 2_000_000  # containers and values visited in a whole state (a legit one has ~100,000)
# Phrases for the sizes a lie inflates: "This checkpoint claims a generator of 20,000 hidden units".
_CLAIMS = {
    "g_hidden": "a generator of {} hidden units", "d_hidden": "a discriminator of {} hidden units",
    "g_layers": "a generator of {} layers", "d_layers": "a discriminator of {} layers",
    "noise_dim": "{} noise features per step", "static_noise_dim": "{} noise features per sequence",
    "seq_len": "sequences of {} steps", "n_features": "{} features", "preview_size": "a preview of {} sequences",
    "batch_size": "batches of {} sequences", "n_classes": "{} label classes",
    "label_dim": "label embeddings of {} numbers",
}


def check_contents(state: dict[str, Any], data_bytes: int | None = None) -> None:
    """Check a loaded (usually ``meta``) state against :mod:`rgan.limits` and against G, D and their
    optimisers built on ``meta`` from its own configs; with ``data_bytes`` (the archive's tensor data),
    also that its tensors claim no more storage than the archive holds.

    Raises:
        CheckpointError: the first value out of range, of the wrong type, or tensor of the wrong shape.
    """
    tensors = _walk(state)
    model = _config(state, "model_config", ModelConfig, limits.MODEL)
    train = _config(state, "train_config", TrainConfig, limits.TRAIN)
    n_features = _number(state, "n_features", int, limits.DATA["n_features"])
    seq_len = _number(state, "seq_len", int, limits.DATA["seq_len"])
    _number(state, "step", int, limits.CHECKPOINT["step"])
    if "d_steps" in state:
        _number(state, "d_steps", int, limits.TRAIN["d_steps"])
    if "lr" in state:
        if not (isinstance(state["lr"], (list, tuple)) and len(state["lr"]) == 2):
            raise CheckpointError(f"This checkpoint's lr is not a pair of learning rates, so {_NOT_OURS}.")
        for name, value in zip(("lr_g", "lr_d"), state["lr"]):
            _number({name: value}, name, float, limits.TRAIN[name], where="lr.")
    version = state.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version > CHECKPOINT_VERSION_WARP:
        raise CheckpointError(f"This checkpoint's format version is {str(version)[:20]}; this RGAN Studio reads "
                              f"versions 1 and {CHECKPOINT_VERSION_WARP}, so update RGAN Studio or save the model again.")
    names = state["feature_names"]
    if not (isinstance(names, list) and len(names) == n_features and all(isinstance(n, str) for n in names)):
        raise CheckpointError(f"This checkpoint's feature names are not {n_features:,} names, so {_NOT_OURS}.")
    scaler = state["scaler"]
    for key in ("data_min", "data_max"):
        values = scaler.get(key) if isinstance(scaler, dict) else None
        if not (isinstance(values, list) and len(values) == n_features
                and all(_is_number(v, float) and math.isfinite(v) for v in values)):
            raise CheckpointError(f"This checkpoint's scaler {key} is not {n_features:,} numbers, so {_NOT_OURS}.")
    if "warp" in state:
        _check_warp(state["warp"], n_features)
    if not _plain(state.get("data_info", {}), depth=4):
        raise CheckpointError(f"This checkpoint's data description is not plain text and numbers, so {_NOT_OURS}.")
    _check_tensors(state, model, train, n_features, seq_len)
    if data_bytes is not None:
        _check_storage(tensors, data_bytes)


def _check_warp(warp: Any, n_features: int) -> None:
    """The power scale of skewed features (rgan/train/warp.py): lists of one length, distinct features in range,
    exponents within the fit's limit (the ranges are derived from them again on loading)."""
    keys = ("features", "lambdas", "lows", "highs", "skews")
    lists = [warp.get(k) if isinstance(warp, dict) else None for k in keys]
    if not (all(isinstance(v, list) for v in lists) and len({len(v) for v in lists[:4]}) == 1
            and len(lists[0]) <= n_features and len(lists[4]) in (0, len(lists[0]))):
        raise CheckpointError(f"This checkpoint's power scale is not lists of one length, so {_NOT_OURS}.")
    features, lambdas, lows, highs, skews = lists
    if not (all(_is_number(f, int) and 0 <= f < n_features for f in features) and len(set(features)) == len(features)
            and all(_is_number(v, float) and math.isfinite(v) for v in lambdas + lows + highs + skews)
            and all(abs(v) <= LAMBDA_LIMIT for v in lambdas)):
        raise CheckpointError(f"This checkpoint's power scale names features or numbers out of range, so {_NOT_OURS}.")


def _walk(state: Any) -> list[torch.Tensor]:
    """Every tensor reachable from ``state``; each container is visited once, and at most a budget of
    values (a pickle can make a list hold the same list a million times)."""
    tensors: list[torch.Tensor] = []
    seen: set[int] = set()
    todo, budget = [state], _WALK_BUDGET
    while todo:
        item = todo.pop()
        budget -= 1
        if budget < 0:
            raise CheckpointError(f"This checkpoint holds over {_WALK_BUDGET:,} values, so {_NOT_OURS}.")
        if isinstance(item, torch.Tensor):
            if item.layout != torch.strided or item.is_quantized:
                raise CheckpointError(f"This checkpoint holds a {item.layout} tensor, which RGAN Studio never "
                                      f"writes, so {_NOT_OURS}.")
            tensors.append(item)
        elif isinstance(item, (dict, list, tuple)) and id(item) not in seen:
            seen.add(id(item))
            todo.extend(item.values() if isinstance(item, dict) else item)
    return tensors


def _plain(value: Any, depth: int, budget: int = 1_000_000) -> bool:
    """True for JSON-like values (str, numbers, None, lists and str-keyed dicts of them) at most ``depth``
    containers deep and ``budget`` values in all (shared lists count each time they appear)."""
    todo = [(value, depth)]
    while todo:
        item, left = todo.pop()
        budget -= 1
        if budget < 0:
            return False
        if item is None or isinstance(item, (str, int, float, bool)):
            continue
        if left <= 0:
            return False
        if isinstance(item, (list, tuple)):
            todo.extend((v, left - 1) for v in item)
        elif isinstance(item, dict) and all(isinstance(k, str) for k in item):
            todo.extend((v, left - 1) for v in item.values())
        else:
            return False
    return True


def _is_number(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if kind is int else isinstance(value, (int, float))


def _out_of_range(name: str, value: Any, lo: float, hi: float, where: str = "") -> CheckpointError:
    shown = limits.describe(value)
    if name in _CLAIMS:
        bound = (f"at most {limits.describe(hi)} are allowed" if value > hi
                 else f"at least {limits.describe(lo)} are needed")
        return CheckpointError(f"This checkpoint claims {_CLAIMS[name].format(shown)}; {bound}.")
    return CheckpointError(f"This checkpoint claims {where}{name} = {shown}; it must be from {limits.describe(lo)} "
                           f"to {limits.describe(hi)}.")


def _number(state: dict[str, Any], key: str, kind: type, bounds: tuple[float, float], where: str = "") -> Any:
    value = state[key]
    if not _is_number(value, kind):
        what = "a whole number" if kind is int else "a number"
        raise CheckpointError(f"This checkpoint's {where}{key} is {type(value).__name__}, not {what}, so {_NOT_OURS}.")
    if not bounds[0] <= value <= bounds[1]:  # also refuses NaN
        raise _out_of_range(key, value, *bounds, where=where)
    return value


def _config(state: dict[str, Any], key: str, cls: type, table: dict[str, tuple[float, float]]) -> Any:
    """``cls`` from ``state[key]``, every field's type and range checked first (absent fields: defaults)."""
    values = state[key]
    if not isinstance(values, dict):
        raise CheckpointError(f"This checkpoint's {key} is not a table of settings, so {_NOT_OURS}.")
    for f in fields(cls):
        if f.name not in values:
            continue
        kind = f.type if isinstance(f.type, type) else _KINDS.get(f.type)  # annotations are strings here
        if kind in (int, float):
            bounds = limits.CHECKPOINT.get(f.name) or table.get(f.name)
            if bounds is None:  # a new setting without a range: refuse rather than trust it
                raise CheckpointError(f"This checkpoint sets {f.name}, which has no allowed range in rgan/limits.py; "
                                      "add one there.")
            _number(values, f.name, kind, bounds, where=f"{key}.")
        elif kind is None or not isinstance(values[f.name], kind) or (kind is str and len(values[f.name]) > 100):
            raise CheckpointError(f"This checkpoint's {key}.{f.name} is {type(values[f.name]).__name__}, which "
                                  f"RGAN Studio never writes there, so {_NOT_OURS}.")
    try:
        return config_from_dict(cls, values)
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"This checkpoint's settings are invalid ({str(e)[:160]}), so {_NOT_OURS}.") from e


def _check_tensors(state: dict[str, Any], model: ModelConfig, train: TrainConfig, n_features: int,
                   seq_len: int) -> None:
    """Compare every tensor with the networks and optimisers these configs make, built on ``meta``."""
    with torch.device("meta"):
        nets = {"generator": Generator(n_features, model), "discriminator": Discriminator(n_features, model)}
    expected = {name: net.state_dict() for name, net in nets.items()}
    if train.ema_decay > 0 and "generator_ema" in state:
        expected["generator_ema"] = expected["generator"]
    for name, want in expected.items():
        _same_tensors(name, state[name], want)
    optimisers = [("opt_g", nets["generator"]), ("opt_d", nets["discriminator"])]
    if "critic" in state or "opt_critic" in state:  # the class critic: conditional models with a class weight
        if not model.n_classes:
            raise CheckpointError(f"This checkpoint has a class critic but no label classes, so {_NOT_OURS}.")
        with torch.device("meta"):
            critic = ClassCritic(n_features, model.n_classes, seq_len)
        _same_tensors("critic", state.get("critic"), critic.state_dict())
        optimisers.append(("opt_critic", critic))
    for opt_key, net in optimisers:
        _check_optimizer(opt_key, state.get(opt_key), adam(net.parameters(), train.lr_g))
    cpu_rng = torch.Generator().get_state()
    _same_tensor("rng_state", state["rng_state"], cpu_rng.shape, cpu_rng.dtype)
    # (P, T, noise): T is seq_len, or seq_len x unroll for long previews, after G's burn-in steps
    noise, burn = state["fixed_noise"], model.burn_in_steps
    width = draw_noise(1, 1, model, torch.Generator(), torch.device("cpu")).shape[-1]
    length = noise.shape[1] if isinstance(noise, torch.Tensor) and noise.dim() == 3 else seq_len + burn
    length = length if length in (seq_len + burn, seq_len * train.unroll + burn) else seq_len + burn
    _same_tensor("fixed_noise", noise, torch.Size([train.preview_size, length, width]), torch.float32)


def _shape_text(shape: torch.Size | tuple[int, ...]) -> str:
    return " x ".join(f"{n:,}" for n in shape) or "a single number"


def _same_tensor(name: str, found: Any, shape: torch.Size, dtype: torch.dtype) -> None:
    if not isinstance(found, torch.Tensor):
        raise CheckpointError(f"This checkpoint's {name} is {type(found).__name__}, not a tensor, so {_NOT_OURS}.")
    if found.shape != shape:
        raise CheckpointError(f"This checkpoint's weights do not match its settings ({name} is "
                              f"{_shape_text(found.shape)}, expected {_shape_text(shape)}): {_NOT_OURS}.")
    if found.dtype != dtype:
        raise CheckpointError(f"This checkpoint's weights do not match its settings ({name} is {found.dtype}, "
                              f"expected {dtype}): {_NOT_OURS}.")


def _same_tensors(name: str, found: Any, want: dict[str, torch.Tensor]) -> None:
    if not isinstance(found, dict):
        raise CheckpointError(f"This checkpoint's {name} is {type(found).__name__}, not weights, so {_NOT_OURS}.")
    for key, tensor in want.items():  # in the network's order: the first layer's mismatch is named first
        if key not in found:
            raise CheckpointError(f"This checkpoint's weights do not match its settings ({name} lacks {key}): "
                                  f"{_NOT_OURS}.")
        _same_tensor(f"{name}.{key}", found[key], tensor.shape, tensor.dtype)
    extra = sorted(map(str, set(found) - set(want)))
    if extra:
        raise CheckpointError(f"This checkpoint's weights do not match its settings ({name} has an unknown "
                              f"{extra[0][:60]}): {_NOT_OURS}.")


def _check_optimizer(name: str, found: Any, optimizer: torch.optim.Optimizer) -> None:
    """The optimiser's groups list the same parameters; its per-parameter state has Adam's tensors, each
    a single number or the parameter's shape."""
    want = optimizer.state_dict()
    params = [p for group in optimizer.param_groups for p in group["params"]]
    groups = found.get("param_groups") if isinstance(found, dict) else None
    state = found.get("state") if isinstance(found, dict) else None
    if (not isinstance(groups, list) or not isinstance(state, dict) or len(groups) != len(want["param_groups"])
            or any(not isinstance(g, dict) or g.get("params") != w["params"] or not _plain(g, depth=2)
                   for g, w in zip(groups, want["param_groups"]))):
        raise CheckpointError(f"This checkpoint's optimiser state ({name}) does not match its settings: {_NOT_OURS}.")
    for index, entry in state.items():
        if not (_is_number(index, int) and 0 <= index < len(params)) or not isinstance(entry, dict) \
                or not set(entry) <= _ADAM_STATE:
            raise CheckpointError(f"This checkpoint's optimiser state ({name}) does not match its settings: "
                                  f"{_NOT_OURS}.")
        for key, tensor in entry.items():
            one = isinstance(tensor, torch.Tensor) and tensor.numel() == 1 and key == "step"
            _same_tensor(f"{name}.state.{index}.{key}", tensor, tensor.shape if one else params[index].shape,
                         torch.float32)


def _check_storage(tensors: list[torch.Tensor], data_bytes: int) -> None:
    """Every tensor lies inside its storage, and the storages claim no more bytes than the archive holds
    (torch allocates what the description claims before it reads the entry)."""
    storages: dict[int, int] = {}
    for t in tensors:
        storage = t.untyped_storage()
        extent = t.storage_offset() + sum((n - 1) * s for n, s in zip(t.shape, t.stride())) + 1 if t.numel() else 0
        if any(s < 0 for s in t.stride()) or t.storage_offset() < 0 or extent * t.element_size() > storage.nbytes():
            raise CheckpointError(f"This checkpoint has a tensor that reaches past its data, so {_NOT_OURS}.")
        # On meta every tensor gets a storage object of its own; views of one entry share its file offset.
        storages[getattr(storage, "_checkpoint_offset", None) or storage._cdata] = storage.nbytes()
    if sum(storages.values()) > data_bytes:
        raise CheckpointError(f"This checkpoint's tensors claim {sum(storages.values()):,} bytes but it holds "
                              f"{data_bytes:,}, so {_NOT_OURS}.")
