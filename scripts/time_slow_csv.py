"""Print how long load_csv takes on the worst-case CSVs of tests/test_slow_csv.py, at growing sizes.

    python -m scripts.time_slow_csv            # all cases, from the repository root
    python -m scripts.time_slow_csv names      # one case

Linear code roughly doubles its time when the size doubles; a quadratic path quadruples it.
"""

from __future__ import annotations

import sys
import time

from rgan.data import DataConfig, DataError, load_csv


def duplicate_names(k: int) -> bytes:
    return (",".join(["x"] * k) + "\n" + "\n".join(",".join(["1"] * k) for _ in range(30)) + "\n").encode()


def text_columns(k: int) -> bytes:
    header = ",".join(f"t{i}" for i in range(k)) + ",v"
    return (header + "\n" + "\n".join(",".join(["abc"] * k) + f",{r}" for r in range(30)) + "\n").encode()


def first_line(megabytes: int) -> bytes:
    return ("a" * (megabytes * 2**20) + ",b\n" + "\n".join(f"{i},{i}" for i in range(50)) + "\n").encode()


def huge_cells(rows: int) -> bytes:
    return ("a,b\n" + "\n".join(f"{'z' * 100_000},{r}" for r in range(rows)) + "\n").encode()


CASES = {
    "names": ("duplicate column names", duplicate_names, (5_000, 10_000, 20_000)),
    "text": ("text columns", text_columns, (2_500, 5_000, 10_000)),
    "line": ("MB in the first line", first_line, (4, 8, 16)),
    "cells": ("rows of a 100 KB cell", huge_cells, (100, 200, 400)),
}


def main(names: list[str]) -> None:
    for key in names or list(CASES):
        label, make, sizes = CASES[key]
        for size in sizes:
            data = make(size)
            start = time.perf_counter()
            try:
                outcome = f"{load_csv(data, DataConfig(seq_len=3)).n_features:,} features"
            except DataError as e:
                outcome = f"refused: {e}"
            print(f"{size:>7,} {label:<24} {len(data) / 2**20:6.1f} MB  {time.perf_counter() - start:6.2f} s  {outcome}",
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
