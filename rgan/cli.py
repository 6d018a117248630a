"""Command line: ``python -m rgan {train,sample,evaluate,datasets}``."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from rgan.alloc import keep_freed_memory
from rgan.configs import add_config_arguments, config_from_arguments
from rgan.data import DataConfig, DataError, SequenceData
from rgan.data.export import FORMATS, draw_lengths, own_layout_frame, samples_frame
from rgan.data import list_datasets
from rgan.logs import append_jsonl, write_json_atomic
from rgan.models import CELLS, G_OUTPUTS, ModelConfig
from rgan.data.source import DataSource
from rgan.train import DEVICES, LOSSES, TrainConfig, Trainer, TrainingDiverged
from rgan.train.recipe import describe, recipe_for, whole_length_to_offer


class CliError(Exception):
    """A problem the user can fix; printed on one line, exit status 2."""


def _defaults(cls: type) -> dict:
    return {f.name: f.default for f in fields(cls)}


def _add_data_args(p: argparse.ArgumentParser, required: bool) -> None:
    src = p.add_mutually_exclusive_group(required=required)
    src.add_argument("--dataset", metavar="NAME", help="built-in dataset (see `python -m rgan datasets`)")
    src.add_argument("--data", metavar="FILE.csv", help="your own CSV file")
    d = _defaults(DataConfig)
    p.add_argument("--seq-len", type=int, default=d["seq_len"], help="time steps per sequence (default %(default)s)")
    p.add_argument("--stride", type=int, default=d["stride"], help="step between sliding windows (default %(default)s)")
    p.add_argument(
        "--layout",
        choices=("auto", "time_rows", "sequence_rows", "long"),
        default="auto",
        help="CSV layout: rows are time steps, rows are sequences, or long/panel with an id column (default: detect)",
    )
    p.add_argument("--features", metavar="COL,COL", help="comma-separated feature columns (default: all numeric)")
    p.add_argument("--time-column", metavar="COL", action="append",
                   help="the time axis: a date/time column, or calendar columns year and quarter/month, given as "
                        "'--time-column year --time-column quarter' or '--time-column year,quarter' "
                        "(default: detect)")
    p.add_argument("--id-column", metavar="COL", help="sequence id column for the long layout (default: detect)")
    p.add_argument("--label-column", metavar="COL",
                   help="a class label per sequence to condition on: the label column of a wide file or a column "
                        "constant within each id of a long file (default: none)")
    p.add_argument(
        "--missing",
        choices=("interpolate", "drop", "zero", "refuse"),
        default=d["missing"],
        help="what to do with missing values (default %(default)s)",
    )


def _time_columns(values: list[str] | None) -> str | tuple[str, ...] | None:
    """The --time-column values (repeated or comma-separated) as DataConfig.time_column."""
    names = [name.strip() for value in values or [] for name in value.split(",") if name.strip()]
    if not names:
        return None
    return names[0] if len(names) == 1 else tuple(names)


def _data_source(args: argparse.Namespace) -> DataSource:
    config = DataConfig(
        layout=args.layout,
        seq_len=args.seq_len,
        stride=args.stride,
        features=tuple(c.strip() for c in args.features.split(",")) if args.features else None,
        time_column=_time_columns(args.time_column),
        id_column=args.id_column,
        label_column=args.label_column,
        missing=args.missing,
    )
    if args.dataset:
        return DataSource("dataset", args.dataset, config)
    path = Path(args.data)
    if not path.is_file():
        raise CliError(f"{args.data}: no such file; check the path.")
    return DataSource("file", str(path.resolve()), config)


def _load_data(args: argparse.Namespace) -> SequenceData:
    return _data_source(args).load()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rgan",
        description="RGAN Studio: train recurrent GANs (LSTM/GRU) on time series, sample and evaluate them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,sample,evaluate,datasets}")

    t = sub.add_parser("train", help="train a model on a CSV or a built-in dataset", description="Train a recurrent GAN.")
    _add_data_args(t, required=True)
    g = t.add_argument_group("model")
    # n_classes comes from the data's --label-column
    add_config_arguments(g, ModelConfig, skip=("d_per_step", "n_classes"),
                         choices={"g_cell": CELLS, "d_cell": CELLS, "g_output": G_OUTPUTS})
    g.add_argument(  # the inverse of ModelConfig.d_per_step, a flag since per-step is the default
        "--d-per-sequence", action="store_true", help="one realness logit per sequence instead of one per step"
    )
    o = t.add_argument_group("training")
    # preview_size (the dashboard's preview batch) and overlap (an internal CPU speed-up) keep their defaults
    add_config_arguments(
        o, TrainConfig, skip=("preview_size", "overlap"), choices={"loss": LOSSES, "device": DEVICES}
    )
    o.add_argument("--recipe", choices=("auto", "standard"), default="auto",
                   help="auto: the recipe for the data's size (small tables: smaller networks, fewer steps), applied to "
                        "settings left at their defaults; standard: the settings as given (default %(default)s)")
    o.add_argument("--max-seconds", type=float, default=None, help="stop after this many seconds of training")
    o.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    o.add_argument("--checkpoint-every", type=int, default=500, help="save a checkpoint every N steps (default %(default)s)")
    o.add_argument("--resume", metavar="FILE.pt", help="continue from a checkpoint (same data)")
    t.add_argument("--out", required=True, metavar="DIR", help="output folder: checkpoint.pt, metrics.jsonl, config.json")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    s = sub.add_parser("sample", help="generate sequences from a checkpoint into a CSV")
    s.add_argument("--checkpoint", required=True, metavar="FILE.pt")
    s.add_argument("--n", type=int, default=100, help="number of sequences (default %(default)s)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    s.add_argument("--length", type=int, default=None, metavar="L",
                   help="steps per sequence; longer than seq_len runs the generator on (default: seq_len, or the "
                        "file's own: a wide file's row length, a long file's lengths)")
    s.add_argument("--label", action="append", metavar="VALUE",
                   help="make this class (repeat for several, made in turn; default: the training frequencies)")
    s.add_argument("--format", choices=FORMATS, default="own",
                   help="own: the training file's layout, columns and time axis; long: sample_id, step, features "
                        "(default %(default)s)")
    s.add_argument("--out", required=True, metavar="FILE.csv")
    s.add_argument("--device", choices=DEVICES, default="auto")

    e = sub.add_parser("evaluate", help="score a checkpoint's samples against real data")
    e.add_argument("--checkpoint", required=True, metavar="FILE.pt")
    _add_data_args(e, required=False)
    e.add_argument("--n", type=int, default=None, help="sequences to generate (default: as many as real windows, max 5000)")
    e.add_argument("--quick", action="store_true", help="fewer classifier iterations (a rough, fast estimate)")
    e.add_argument("--length", type=int, default=None, metavar="L",
                   help="also generate sequences of L steps and score windows cut from their start and their end "
                        "against real windows (where long samples drift)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--device", choices=DEVICES, default="auto")
    e.add_argument("--json", metavar="OUT.json", help="also write the scores as JSON")

    sub.add_parser("datasets", help="list the built-in datasets")
    return parser


def cmd_datasets(args: argparse.Namespace) -> int:
    infos = list_datasets()
    width = max(len(i.name) for i in infos)
    for info in infos:
        print(f"{info.name:<{width}}  [{info.kind}] {info.description}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    source = _data_source(args)
    data = source.load()
    try:
        model = config_from_arguments(ModelConfig, args, d_per_step=not args.d_per_sequence)
        train = config_from_arguments(TrainConfig, args)
        recipe, made = recipe_for(data), {}
        if args.recipe == "auto" and not args.resume:
            model, train, made = recipe.apply(model, train)
        trainer = Trainer.load(args.resume, data=data, device=args.device) if args.resume else Trainer(data, model, train)
    except (ValueError, FileNotFoundError) as e:
        raise CliError(str(e)) from e
    trainer.data_info["source"] = source.to_json()  # lets `rgan evaluate` find the data again
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        out / "config.json",
        {
            "model": asdict(trainer.model_config),
            "train": asdict(trainer.train_config),
            "data": data.to_dict_info(),
            "data_report": data.report.lines(),
        },
    )
    log_path, ckpt_path = out / "metrics.jsonl", out / "checkpoint.pt"
    print(
        f"data: {data.name}: {data.n_sequences} sequences x {data.seq_len} steps x {data.n_features} features; "
        f"device: {trainer.device}",
        file=sys.stderr,
    )
    if not args.resume:
        print(describe(recipe, made) if args.recipe == "auto" else "Recipe: standard (--recipe standard).", file=sys.stderr)
    whole = whole_length_to_offer(data)
    if whole and not args.resume:
        print(f"note: every sequence in this file is {whole} steps long; windows of {data.seq_len} cut each into "
              f"pieces and samples come back {data.seq_len} steps long. Pass --seq-len {whole} to copy whole sequences.",
              file=sys.stderr)
    for note in ([recipe.warning] if recipe.warning else []) + trainer.notes:
        print(f"note: {note}", file=sys.stderr)
    from tqdm import tqdm

    start, pending, stopped_by = time.perf_counter(), [], "steps"
    remaining = max(0, (args.steps if args.resume else train.steps) - trainer.step_count)
    bar = tqdm(total=remaining, disable=args.quiet, unit="step", dynamic_ncols=True, file=sys.stderr)
    try:
        for _ in range(remaining):
            stats = trainer.step()
            stats["time"] = time.perf_counter() - start
            pending.append(stats)
            bar.update(1)
            if trainer.step_count % 10 == 0:
                bar.set_postfix(loss_d=f"{stats['loss_d']:.3f}", loss_g=f"{stats['loss_g']:.3f}", refresh=False)
                append_jsonl(log_path, pending)
                pending.clear()
            if trainer.step_count % args.checkpoint_every == 0:
                trainer.save(ckpt_path)
            if args.max_seconds is not None and stats["time"] >= args.max_seconds:
                stopped_by = "time"
                break
    except TrainingDiverged as e:
        bar.close()
        append_jsonl(log_path, pending)
        print(f"error: {e}", file=sys.stderr)
        trainer.save(ckpt_path)
        return 3
    except KeyboardInterrupt:
        stopped_by = "interrupted"
    bar.close()
    append_jsonl(log_path, pending)
    trainer.save(ckpt_path)
    elapsed = time.perf_counter() - start
    print(
        f"stopped by {stopped_by} at step {trainer.step_count} after {elapsed:.1f} s; wrote {ckpt_path} and {log_path}",
        file=sys.stderr,
    )
    return 0


def _load_checkpoint(path: str, device: str) -> Trainer:
    if not Path(path).is_file():
        raise CliError(f"{path}: no such checkpoint file; check the path.")
    try:
        return Trainer.load(path, device=device)
    except ValueError as e:
        raise CliError(str(e)) from e


def cmd_sample(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise CliError(f"--n must be at least 1, got {args.n}.")
    if args.length is not None and args.length < 1:
        raise CliError(f"--length must be at least 1, got {args.length}.")
    trainer = _load_checkpoint(args.checkpoint, args.device)
    info, own = trainer.data_info, args.format == "own"
    length, lengths = args.length, None
    if own and length is None:  # the file's own lengths: a wide file's row, a long file's distribution
        value_columns = (info.get("file") or {}).get("value_columns")
        lengths = draw_lengths(info, args.n, args.seed)
        length = len(value_columns) if value_columns else (int(lengths.max()) if lengths is not None else None)
    try:
        samples, labels = trainer.sample(args.n, seed=args.seed, length=length, classes=args.label, with_labels=True)
    except ValueError as e:
        raise CliError(str(e)) from e
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if own:
        table = own_layout_frame(samples, trainer.feature_names, info, labels, lengths)
    else:
        label_column = (info.get("file") or {}).get("label_column") or "label"
        table = samples_frame(samples, trainer.feature_names, labels, trainer.class_names, label_column)
    table.to_csv(out, index=False)
    print(f"wrote {args.n} sequences x {samples.shape[1]} steps x {trainer.n_features} features to {out}", file=sys.stderr)
    cfg = trainer.train_config
    unroll = cfg.unroll if trainer.step_count > cfg.unroll_after else 1  # 1: it stopped before unrolled steps began
    trained = trainer.seq_len * unroll
    if samples.shape[1] > 2 * trained:
        print(f"Note: G was trained to run {trained} steps (windows of {trainer.seq_len}, unroll "
              f"{unroll}); past that its samples may drift off the data. "
              f"`python -m rgan evaluate --checkpoint {args.checkpoint} --length {samples.shape[1]}` scores their "
              "start and end; training with --unroll 4 keeps their ends on the data (see README, Benchmarks).",
              file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from rgan import metrics

    trainer = _load_checkpoint(args.checkpoint, args.device)
    if args.dataset or args.data:
        data = _load_data(args)
    else:
        data = _recorded_data(trainer, Path(args.checkpoint))
    if data.n_features != trainer.n_features or data.seq_len != trainer.seq_len:
        raise CliError(
            f"The data has {data.n_features} features x {data.seq_len} steps but the model makes "
            f"{trainer.n_features} x {trainer.seq_len}; pass matching data or --seq-len."
        )
    if args.length is not None and args.length < trainer.seq_len:
        raise CliError(f"--length must be at least seq_len ({trainer.seq_len}) to cut windows; got {args.length}.")
    real = np.asarray(data.windows, dtype=np.float32)
    real_labels = data.labels if trainer.model_config.n_classes and data.n_classes == trainer.model_config.n_classes else None
    n = args.n or min(len(real), 5000)
    rng = np.random.default_rng(args.seed)
    if len(real) > n:
        keep = rng.choice(len(real), n, replace=False)
        real, real_labels = real[keep], None if real_labels is None else real_labels[keep]
    # The checkpoint's scaler maps samples to [0, 1] on the training data's range; re-express them on
    # this data's range so both sides are scaled identically.
    fake, fake_labels = trainer.sample(n, seed=args.seed, with_labels=True)
    fake = data.scaler.transform(fake)
    scores = metrics.evaluate(real, fake, quick=args.quick, seed=args.seed)
    if real_labels is not None:
        tstr = metrics.tstr_accuracy(real, real_labels, fake, fake_labels, class_names=trainer.class_names,
                                     iterations=200 if args.quick else 600, seed=args.seed)
        scores.update({k: tstr[k] for k in ("tstr_accuracy", "trtr_accuracy", "tstr_ratio")})
        scores.update({f"tstr_class_{name}": v["tstr"] for name, v in tstr["per_class"].items()})
    if args.length is not None:
        scores.update(_drift_scores(trainer, data, real, args))
    for name, value in scores.items():
        print(f"{name:<28} {value:.4f}" if isinstance(value, float) else f"{name:<28} {value}")
    if args.json:
        write_json_atomic(args.json, {"checkpoint": str(args.checkpoint), "data": data.name, "n": n, "scores": scores})
    return 0


def _drift_scores(trainer: Trainer, data: SequenceData, real: np.ndarray, args: argparse.Namespace) -> dict:
    """Discriminative scores of windows cut from the start and from the end of ``--length`` samples."""
    from rgan import metrics

    long_samples = data.scaler.transform(trainer.sample(len(real), seed=args.seed + 1, length=args.length))  # (n, L, F)
    start, end = metrics.start_end_scores(real, long_samples, iterations=300 if args.quick else 2000, seed=args.seed)
    return {f"discriminative_start_of_{args.length}": start, f"discriminative_end_of_{args.length}": end}


def _recorded_data(trainer: Trainer, checkpoint: Path) -> SequenceData:
    """The data a checkpoint was trained on, as recorded in it (a dashboard run keeps its upload beside it)."""
    recorded = trainer.data_info.get("source")
    if isinstance(recorded, dict) and recorded.get("kind") in ("dataset", "file", "csv"):
        upload = checkpoint.parent / "data.csv"
        source = DataSource.from_json(recorded, upload.read_bytes() if upload.is_file() else None)
        if source.kind != "file" or Path(source.name).is_file():
            try:
                return source.load()
            except DataError as e:
                raise CliError(f"The recorded training data could not be loaded ({e}); pass --data or --dataset.") from e
    raise CliError("The checkpoint does not say where its training data is; pass --data FILE.csv or --dataset NAME.")


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "datasets": cmd_datasets}


def main(argv: list[str] | None = None) -> int:
    keep_freed_memory()  # once per process, before training allocates (see rgan/alloc.py)
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (DataError, CliError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
