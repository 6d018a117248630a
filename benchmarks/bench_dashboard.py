"""Does watching a run in the browser slow its training? Steps/s with the Train page live vs headless.

Usage:
    python -m benchmarks.bench_dashboard                   # 3 rounds x 20 s each side, app defaults
    python -m benchmarks.bench_dashboard --rounds 5 --seconds 30 --small

Alternating windows of the same run configuration (built-in *sines*, the Train form's defaults or, with
``--small``, GRU 16x1 for G and D and batch 32; one torch thread per run as ``RGAN_THREADS_PER_RUN=1``):

- browser: ``streamlit run app.py`` (tests/browser_util.py) with headless Chromium on the Train page,
  started with the Start button, the live panel redrawing about once a second the whole time;
- headless: ``rgan.runs.RunRegistry`` in this process, no server work, no browser page open.

Each window starts a fresh run, skips its first seconds, then measures steps/s from the run's
``metrics.jsonl`` (flushed about once a second): the step of the last record at each flush, over
the wall-clock time between the first and the last flush of the window. The rate of the log's own
``time`` field (summed seconds inside ``Trainer.step``) is shown too: wall vs step-time tells whether a
slowdown comes from CPU contention inside the steps or from waiting between them. Also shown: the CPU
seconds per second used by the process that trains (the Streamlit server, or this script when
headless), i.e. what the live page costs on the server. Prints medians and the ratio browser /
headless (target >= 0.85), with the load average, since other processes on a small machine move
these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_util import chromium, server_pid, streamlit_server

from rgan.alloc import keep_freed_memory
from rgan.data import DataSource, load_dataset
from rgan.models import ModelConfig
from rgan.runs import RUNNING, RunnerConfig, RunRegistry
from rgan.train import TrainConfig

STEPS = 1_000_000  # never finishes within a window
WARMUP_S = 3.0
TIMEOUT_MS = 60_000
STEP_RE = re.compile(r"step ([\d,]+) /")


@dataclass
class Window:
    side: str
    wall_rate: float  # steps per wall-clock second
    step_rate: float  # steps per second spent inside Trainer.step (the log's "time" field)
    steps: int
    seconds: float
    load1: float
    cpu: float  # CPU seconds per wall second of the process that trains (server, or this script)
    note: str = ""


def configs(small: bool) -> tuple[ModelConfig, TrainConfig]:
    if small:
        return (ModelConfig(g_hidden=16, g_layers=1, d_hidden=16, d_layers=1),
                TrainConfig(batch_size=32, steps=STEPS))
    return ModelConfig(), TrainConfig(steps=STEPS)


def _last_record(path: Path) -> dict | None:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 8192))
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) from /proc; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(metrics: Path, seconds: float, side: str, pid: int) -> Window:
    """Watch ``metrics`` flushes for ``seconds`` after a warm-up; steps over wall time between flushes.

    ``pid`` is the process that trains; its CPU use over the window is reported too.
    """
    deadline = time.monotonic() + 60
    while not metrics.exists() or _last_record(metrics) is None:  # the run's first flush
        if time.monotonic() > deadline:
            raise RuntimeError(f"{metrics} got no records within 60 s")
        time.sleep(0.1)
    time.sleep(WARMUP_S)
    flushes: list[tuple[float, int, float]] = []  # (wall, step, time field)
    cpu0 = None
    size = -1
    end = None
    while True:
        new = metrics.stat().st_size
        now = time.monotonic()
        if new != size:
            size = new
            rec = _last_record(metrics)
            if rec is not None:
                flushes.append((now, int(rec["step"]), float(rec["time"])))
                if end is None:
                    end = now + seconds
                    cpu0 = _cpu_seconds(pid)
                elif now >= end:
                    break
        if end is not None and now > end + 10:
            raise RuntimeError(f"{metrics} stopped growing")
        time.sleep(0.05)
    cpu = (_cpu_seconds(pid) - cpu0) / (flushes[-1][0] - flushes[0][0])
    (w0, s0, c0), (w1, s1, c1) = flushes[0], flushes[-1]
    return Window(side, (s1 - s0) / (w1 - w0), (s1 - s0) / max(c1 - c0, 1e-9), s1 - s0, w1 - w0,
                  os.getloadavg()[0], cpu)


# ------------------------------------------------------------------------------------------ browser
def _set_number(page, key: str, value: int) -> None:
    box = page.locator(f".st-key-{key} input[type=number]")
    box.fill(str(value))
    box.press("Tab")


def _progress_step(page) -> int:
    m = STEP_RE.search(page.get_by_test_id("stProgress").first.inner_text())
    return int(m[1].replace(",", "")) if m else -1


def browser_window(browser, base_url: str, runs_dir: Path, model: ModelConfig, train: TrainConfig,
                   seconds: float) -> Window:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(base_url)
        expect(page.get_by_role("heading", name="RGAN Studio", level=1)).to_be_visible(timeout=TIMEOUT_MS)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
        expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible(timeout=TIMEOUT_MS)
        for net in ("g", "d"):
            _set_number(page, f"m_{net}_hidden", getattr(model, f"{net}_hidden"))
            _set_number(page, f"m_{net}_layers", getattr(model, f"{net}_layers"))
        _set_number(page, "t_batch_size", train.batch_size)
        _set_number(page, "t_steps", train.steps)
        page.get_by_role("button", name="Start training").click()
        running = page.get_by_test_id("stMain").locator(".stMarkdownBadge").filter(has_text="running").first
        expect(running).to_be_visible(timeout=TIMEOUT_MS)
        deadline = time.monotonic() + 60
        while not (run_id := parse_qs(urlparse(page.url).query).get("run", [""])[0]):
            if time.monotonic() > deadline:
                raise RuntimeError("no ?run= in the URL after Start")
            time.sleep(0.2)
        shown_before = _progress_step(page)
        pid = server_pid(base_url)
        w = measure(runs_dir / run_id / "metrics.jsonl", seconds, "browser", pid)
        shown_after = _progress_step(page)  # the page kept redrawing during the window
        w.note = f"page showed step {shown_before:,} -> {shown_after:,}"
        page.locator('.st-key-ctl_stop:not([data-stale="true"]) button').first.click()
        stopped = page.get_by_test_id("stMain").locator(".stMarkdownBadge").filter(has_text="stopped").first
        expect(stopped).to_be_visible(timeout=TIMEOUT_MS)
        return w
    finally:
        context.close()


# ----------------------------------------------------------------------------------------- headless
def headless_window(reg: RunRegistry, data, model: ModelConfig, train: TrainConfig, seconds: float) -> Window:
    run = reg.start(DataSource("dataset", "sines"), model, train, owner="bench-headless-owner", data=data)
    try:
        deadline = time.monotonic() + 60
        while run.snapshot().state != RUNNING:
            if time.monotonic() > deadline:
                raise RuntimeError(f"headless run is {run.snapshot().state}")
            time.sleep(0.1)
        return measure(run.dir / "metrics.jsonl", seconds, "headless", os.getpid())
    finally:
        run.stop()
        run.join(30)


# --------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="browser+headless pairs (default 3)")
    ap.add_argument("--seconds", type=float, default=20.0, help="measured seconds per window (default 20)")
    ap.add_argument("--small", action="store_true", help="GRU 16x1 for G and D, batch 32 (default: app defaults)")
    args = ap.parse_args(argv)
    keep_freed_memory()  # the headless side trains in this process; the server's app.py applies it there

    from playwright.sync_api import sync_playwright

    model, train = configs(args.small)
    print(f"cpus {os.cpu_count()} · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    print(f"config: sines · G {model.g_cell.upper()} {model.g_hidden}x{model.g_layers} · "
          f"D {model.d_cell.upper()} {model.d_hidden}x{model.d_layers} · batch {train.batch_size} · "
          f"1 torch thread per run · {args.rounds} x {args.seconds:.0f} s per side")
    windows: list[Window] = []
    with tempfile.TemporaryDirectory(prefix="bench_dashboard_") as tmp:
        tmp = Path(tmp)
        reg = RunRegistry(RunnerConfig(runs_dir=str(tmp / "headless_runs"), threads_per_run=1))
        data = load_dataset("sines", seq_len=24, stride=1)
        with streamlit_server(tmp / "server") as base_url, sync_playwright() as p:
            browser = chromium(p)
            try:
                for r in range(args.rounds):
                    order = ("browser", "headless") if r % 2 == 0 else ("headless", "browser")
                    for side in order:
                        if side == "browser":
                            w = browser_window(browser, base_url, tmp / "server" / "runs", model, train, args.seconds)
                        else:
                            w = headless_window(reg, data, model, train, args.seconds)
                        windows.append(w)
                        print(f"  round {r + 1} {w.side:8s} {w.wall_rate:7.2f} steps/s wall · "
                              f"{w.step_rate:7.2f} steps/s in-step · {w.steps:5d} steps / {w.seconds:5.1f} s · "
                              f"cpu {w.cpu:4.2f} s/s · load1 {w.load1:5.2f}  {w.note}", flush=True)
            finally:
                browser.close()
                reg.shutdown()

    def med(side: str, attr: str) -> float:
        return statistics.median(getattr(w, attr) for w in windows if w.side == side)

    print()
    print("| measure | browser (page live) | headless | ratio |")
    print("|---|---|---|---|")
    for attr, label in (("wall_rate", "steps/s, wall clock (median)"), ("step_rate", "steps/s, time in steps (median)"),
                        ("cpu", "CPU s/s of the training process (median)")):
        b, h = med("browser", attr), med("headless", attr)
        print(f"| {label} | {b:.2f} | {h:.2f} | {b / h:.3f} |")
    ratio = med("browser", "wall_rate") / med("headless", "wall_rate")
    # each round's pair ran back to back, so its ratio is less exposed to load drifting over minutes
    pairs = [w_b.wall_rate / w_h.wall_rate for w_b, w_h in
             zip([w for w in windows if w.side == "browser"], [w for w in windows if w.side == "headless"])]
    print(f"\nper-round ratios {' '.join(f'{r:.3f}' for r in pairs)} · median {statistics.median(pairs):.3f}")
    print(f"ratio browser / headless = {ratio:.3f} (target >= 0.85): {'OK' if ratio >= 0.85 else 'BELOW TARGET'}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end (2 cores: above 2 means other work)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
