"""Many browser sessions against one server: queueing, time to finish, reload latency, memory.

The scenario of ``tests/test_load.py`` (it lives there, :func:`run_scenario`): ``--sessions`` headless
Chromium contexts (one browser, Playwright's async API) each upload their own small CSV on the Data page
(hostile file names included), use it, and start a short tiny-model run on Train, all pressing Start
together against ONE ``streamlit run app.py`` with ``RGAN_MAX_RUNS=--max-runs`` and one torch thread per
run. While runs train, one session's link is reloaded and, alternately, a one-line Streamlit app served
the same way (same flags, same config.toml) under the same browser load. Printed: sessions, runs
finished / shown a queue position, time from Start to all finished, reload latency median/max next to
the empty app's, the server's peak RSS and CPU.

Usage:
    python -m benchmarks.bench_load                          # 8 sessions, 2 at once, 200 steps
    python -m benchmarks.bench_load --sessions 12 --steps 300 --reloads 5
    python -m benchmarks.bench_load --env STREAMLIT_RUNNER_POST_SCRIPT_GC=false   # try a server setting

Needs Debian's Chromium (/usr/bin/chromium). Numbers depend on what else the machine runs: the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_load  # noqa: E402  (the scenario, its helpers and browser_util)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--max-runs", type=int, default=2, help="RGAN_MAX_RUNS of the server")
    ap.add_argument("--steps", type=int, default=200, help="steps per run (tiny model)")
    ap.add_argument("--reloads", type=int, default=5, help="reloads measured while runs train")
    ap.add_argument("--idle-reloads", type=int, default=3, help="reloads measured before any session")
    ap.add_argument("--budget", type=float, default=300.0, help="seconds allowed from Start to all finished")
    ap.add_argument("--keep", action="store_true", help="keep the runs folder and server logs (path printed)")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for both servers (repeatable)")
    args = ap.parse_args(argv)
    env = dict(kv.split("=", 1) for kv in args.env)
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    try:
        res = test_load.run_scenario(tmp, n=args.sessions, max_runs=args.max_runs, steps=args.steps,
                                     reloads=args.reloads, budget_s=args.budget, idle_reloads=args.idle_reloads,
                                     env=env, strict=False)
    finally:
        if args.keep:
            print(f"runs and server logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("=" * 100)
    if env:
        print("server environment:", " ".join(args.env))
    print(test_load.summary(res))
    print(f"benchmark wall time {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
