"""Config dataclasses as data: field comments read from the source, and command-line options made from them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields

import pytest

from rgan.cli import build_parser
from rgan.configs import add_config_arguments, config_from_arguments, config_from_dict, field_comments
from rgan.models import CELLS, ModelConfig
from rgan.train import DEVICES, LOSSES, TrainConfig

CONFIGS = [ModelConfig, TrainConfig]


@dataclass(frozen=True)
class _Base:
    inherited: int = 1  # from the base class


@dataclass(frozen=True)
class _Awkward(_Base):
    """A docstring # with a hash."""

    plain: int = 3  # a plain comment
    hashed: str = "#not-a-comment"  # the real one
    spread: tuple = (
        1,  # not this one
        2,
    )  # the line that closes the default
    inside: tuple = (  # the first comment inside, when the last line has none
        1,
    )
    percent: float = 0.5  # 50% of the time
    flag: bool = False  # switch it on
    on: bool = True  # switch it off
    bare: int = 0
    hidden: int = field(default=1, init=False)  # not settable

    def method(self) -> None:
        local: int = 5  # not a field
        del local


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {opt: action for action in parser._actions for opt in action.option_strings}


def _train_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


# ----------------------------------------------------------------------------------------- comments
@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_config_field_has_a_comment(cls):
    comments = field_comments(cls)
    missing = [f.name for f in fields(cls) if not comments.get(f.name)]
    assert not missing, f"{cls.__name__} fields without a one-line comment: {missing}"


def test_field_comments_read_the_source_not_the_values():
    assert field_comments(_Awkward) == {
        "inherited": "from the base class",
        "plain": "a plain comment",
        "hashed": "the real one",
        "spread": "the line that closes the default",
        "inside": "the first comment inside, when the last line has none",
        "percent": "50% of the time",
        "flag": "switch it on",
        "on": "switch it off",
        "hidden": "not settable",
    }


def test_field_comments_refuses_a_non_dataclass():
    with pytest.raises(TypeError, match="needs a dataclass"):
        field_comments(int)


# ---------------------------------------------------------------------------------------- arguments
@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_field_becomes_an_option_with_its_default_and_help(cls):
    parser = argparse.ArgumentParser()
    added = add_config_arguments(parser, cls)
    assert added == [f.name for f in fields(cls)]
    options = _options(parser)
    for f in fields(cls):
        action = options["--" + f.name.replace("_", "-")]
        assert action.dest == f.name
        assert action.default == f.default and type(action.default) is type(f.default)
        assert action.help and action.help.strip() != "(default %(default)s)", f.name
    assert config_from_arguments(cls, parser.parse_args([])) == cls()


def test_types_choices_flags_rename_and_skip():
    parser = argparse.ArgumentParser()
    added = add_config_arguments(parser, _Awkward, skip=("spread", "inside"), rename={"plain": "simple"},
                                 choices={"hashed": ("#not-a-comment", "other")})
    assert added == ["inherited", "plain", "hashed", "percent", "flag", "on", "bare"]
    options = _options(parser)
    assert "--plain" not in options and "--spread" not in options and "--hidden" not in options
    assert options["--hashed"].choices == ("#not-a-comment", "other")
    assert options["--percent"].help % {"default": 0.5} == "50% of the time (default 0.5)"
    assert options["--bare"].help == "(default %(default)s)"  # no comment: the default alone
    args = parser.parse_args(["--simple", "7", "--percent", "0.25", "--flag", "--no-on", "--hashed", "other"])
    assert (args.plain, args.percent, args.flag, args.on, args.hashed) == (7, 0.25, True, False, "other")
    built = config_from_arguments(_Awkward, args, bare=9)
    assert (built.plain, built.bare, built.spread, built.hidden) == (7, 9, (1, 2), 1)
    with pytest.raises(SystemExit):
        parser.parse_args(["--hashed", "third"])
    with pytest.raises(TypeError, match=r"no field\(s\) \['nope'\]"):
        add_config_arguments(argparse.ArgumentParser(), _Awkward, skip=("nope",))


# ------------------------------------------------------------------------------------- the real CLI
def test_train_options_come_from_the_configs():
    options = _options(_train_parser())
    offered = [(ModelConfig, f) for f in fields(ModelConfig) if f.name not in ("d_per_step", "n_classes")]  # n_classes: from --label-column
    offered += [(TrainConfig, f) for f in fields(TrainConfig) if f.name not in ("preview_size", "overlap")]
    comments = {cls: field_comments(cls) for cls in CONFIGS}
    for cls, f in offered:
        action = options["--" + f.name.replace("_", "-")]
        assert action.default == f.default, f.name
        assert action.help.startswith(comments[cls][f.name].replace("%", "%%")), f.name
    assert options["--g-cell"].choices == options["--d-cell"].choices == CELLS
    assert options["--loss"].choices == LOSSES and options["--device"].choices == DEVICES
    assert options["--diff-moment"].nargs == 0 and options["--d-per-sequence"].nargs == 0  # flags, as before
    for special in ("--d-per-sequence", "--max-seconds", "--threads", "--checkpoint-every", "--resume", "--out"):
        assert special in options


def test_train_defaults_build_the_default_configs():
    args = _train_parser().parse_args(["--dataset", "sines", "--out", "o"])
    assert config_from_arguments(ModelConfig, args, d_per_step=not args.d_per_sequence) == ModelConfig()
    assert config_from_arguments(TrainConfig, args) == TrainConfig()
    args = _train_parser().parse_args(["--dataset", "sines", "--out", "o", "--d-per-sequence", "--g-cell", "lstm"])
    model = config_from_arguments(ModelConfig, args, d_per_step=not args.d_per_sequence)
    assert (model.d_per_step, model.g_cell) == (False, "lstm")


def test_config_from_dict_ignores_unknown_keys():
    assert config_from_dict(ModelConfig, {"g_hidden": 5, "from_the_future": 1}) == ModelConfig(
        g_hidden=5, **ModelConfig.STORED_BEFORE)


def test_config_from_dict_gives_old_files_the_values_they_meant():
    """A checkpoint from before D judged changes rebuilds a levels-only D with constant rates; new files keep
    what they say."""
    old = config_from_dict(ModelConfig, {"g_hidden": 5})
    assert old.d_diffs is False and old.g_output == "levels" and ModelConfig().d_diffs is True
    assert config_from_dict(ModelConfig, {"d_diffs": True}).d_diffs is True
    assert config_from_dict(TrainConfig, {}).lr_decay_steps == 0 and TrainConfig().lr_decay_steps > 0
    assert config_from_dict(TrainConfig, {}).pca_weight == 0.0 and TrainConfig().pca_weight == 1.0
