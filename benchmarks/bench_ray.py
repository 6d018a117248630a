"""A class on one server: the local executor against the Ray executor on a two-node local cluster.

Usage:
    python -m benchmarks.bench_ray                         # 8 sessions, 200 steps, 2 x 20 s overhead windows
    python -m benchmarks.bench_ray --sessions 4 --steps 150 --rounds 1 --seconds 15   # shorter

In one run, on this machine:

1. Load: ``--sessions`` headless Chromium sessions (one browser context each) open Train on ONE
   ``streamlit run app.py``, set tiny sizes and press Start one after the other; once with the local
   executor (``RGAN_MAX_RUNS=2``, threads in the server) and once with ``RGAN_EXECUTOR=ray`` against
   a two-node local Ray cluster (``ray.cluster_utils.Cluster``, one CPU per node, so also two runs at
   once). Runs are counted finished from their ``run.json``. Printed per executor: runs finished per
   minute, the web server's CPU use while runs train (CPU seconds per second), the time a session's
   reload takes to show its run again under load, the server's peak memory.
2. Dashboard overhead on Ray: steps/s of a run with its Train page open in the browser, against a
   run with no page open (started from this process through the same cluster), from the runs'
   ``metrics.jsonl`` (``benchmarks/bench_dashboard.py``'s windows), on a fresh one-node cluster
   after the load part has settled. Measured twice in one run:
   - ``pinned`` (the figure the target is about): the Ray node and its actors on the last core, the
     web server, Chromium and this script on the others, as in a deployment where the browser runs
     on a student's laptop and the web server on the head node. Training is off the server's
     interpreter, so the target is >= 0.98.
   - ``shared``: everything on all cores, as the tests run it. On a two-core machine Chromium's
     rendering takes CPU from the actor, so this ratio shows what a browser on the same box costs.

Needs Ray (``requirements-ray.txt``) and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_util import chromium, server_pid, streamlit_server  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

# The clusters' own token, in the environment of this process (its clusters and ray.init) and of the web
# servers it starts: nothing depends on, or is written to, ~/.ray/auth_token. Set before Ray is imported,
# which reads its settings once.
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
os.environ.update(AUTH)

import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from benchmarks.bench_dashboard import browser_window, headless_window  # noqa: E402
from benchmarks.bench_dashboard import _cpu_seconds as cpu_s  # noqa: E402
from rgan.data import load_dataset  # noqa: E402
from rgan.models import ModelConfig  # noqa: E402
from rgan.runs import RunnerConfig, RunRegistry  # noqa: E402
from rgan.runs.ray_executor import NAMESPACE  # noqa: E402
from rgan.train import TrainConfig  # noqa: E402


TIMEOUT_MS = 60_000
TINY = {"m_g_hidden": 4, "m_d_hidden": 4, "m_g_layers": 1, "m_d_layers": 1, "m_noise_dim": 2,
        "m_static_noise_dim": 0, "t_batch_size": 16}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def local_cluster(nodes: int) -> Cluster:
    """``nodes`` Ray nodes of one CPU each on this machine (small object stores: the runs send little)."""
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * 2**20,
                                                      "include_dashboard": False})
    for _ in range(nodes - 1):
        c.add_node(num_cpus=1, object_store_memory=80 * 2**20)
    c.wait_for_nodes()
    return c


ALL_CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


@contextmanager
def on_cores(cores: list[int]):
    """Run the block with this thread pinned to ``cores``: processes it starts inherit them."""
    if not cores or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def settle(limit_s: float) -> None:
    """Wait (up to ``limit_s``) until the one-minute load falls under half the cores: the load part's
    Ray workers and browsers have gone."""
    t0 = time.monotonic()
    while os.getloadavg()[0] > max(1.0, len(ALL_CORES) / 2) and time.monotonic() - t0 < limit_s:
        time.sleep(2)
    print(f"\nsettled for {time.monotonic() - t0:.0f} s · load1 {os.getloadavg()[0]:.2f}", flush=True)


def overhead(mode: str, tmp: Path, rounds: int, seconds: float) -> float:
    """Median steps/s with the Train page open over median steps/s with no page; one fresh node."""
    train_cores = ALL_CORES[-1:] if mode == "pinned" else ALL_CORES
    front_cores = ALL_CORES[:-1] if mode == "pinned" else ALL_CORES
    print(f"\n--- dashboard overhead on Ray, {mode}: training on cores {train_cores}, server and browser on "
          f"{front_cores}; {rounds} x {seconds:.0f} s per side", flush=True)
    with on_cores(train_cores):
        cluster = local_cluster(1)
    env = {"RGAN_EXECUTOR": "ray", "RAY_ADDRESS": cluster.address, **AUTH}
    model = ModelConfig(g_hidden=16, g_layers=1, d_hidden=16, d_layers=1)
    train = TrainConfig(batch_size=32, steps=1_000_000, device="cpu")
    data = load_dataset("sines", seq_len=24, stride=1)
    windows = []
    try:
        with on_cores(front_cores):
            ray.init(address=cluster.address, namespace=NAMESPACE, log_to_driver=False)
            reg = RunRegistry(RunnerConfig(runs_dir=str(tmp / "headless_runs"), executor="ray", threads_per_run=1))
            with streamlit_server(tmp, env=env) as base_url, sync_playwright() as p:
                browser = chromium(p)
                try:
                    for r in range(rounds):
                        for side in (("browser", "headless") if r % 2 == 0 else ("headless", "browser")):
                            if side == "browser":
                                w = browser_window(browser, base_url, tmp / "runs", model, train, seconds)
                            else:
                                w = headless_window(reg, data, model, train, seconds)
                            windows.append(w)
                            print(f"  round {r + 1} {w.side:8s} {w.wall_rate:7.2f} steps/s · server cpu {w.cpu:4.2f} "
                                  f"s/s · load1 {w.load1:5.2f}  {w.note}", flush=True)
                finally:
                    browser.close()
                    reg.shutdown(timeout=20)
    finally:
        ray.shutdown()
        cluster.shutdown()
    b = statistics.median(w.wall_rate for w in windows if w.side == "browser")
    h = statistics.median(w.wall_rate for w in windows if w.side == "headless")
    print(f"Ray, {mode}: steps/s with the page open {b:.2f} vs no page {h:.2f}: ratio {b / h:.3f}", flush=True)
    return b / h


def _fill_and_open(browser, base: str, steps: int):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/train")
    expect(page.get_by_role("heading", name="Train", level=1)).to_be_visible(timeout=TIMEOUT_MS)
    for key, value in {**TINY, "t_steps": steps}.items():
        box = page.locator(f".st-key-{key} input[type=number]")
        box.fill(str(value))
        box.press("Tab")
        expect(box).to_have_value(str(value), timeout=TIMEOUT_MS)
    return page


def _states(runs_dir: Path) -> list[str]:
    states = []
    for meta in runs_dir.glob("*/run.json"):
        try:
            states.append(json.loads(meta.read_text(encoding="utf-8"))["state"])
        except (OSError, ValueError, KeyError):
            states.append("?")  # being rewritten
    return states


def class_scenario(name: str, tmp: Path, env: dict[str, str], sessions: int, steps: int, reloads: int,
                   budget_s: float) -> dict:
    """``sessions`` browser sessions start a run each against one server; what it costs the server."""
    runs_dir = tmp / "runs"
    with streamlit_server(tmp, env={"RGAN_MAX_RUNS": "2", **env}) as base, sync_playwright() as p:
        browser = chromium(p)
        try:
            pid = server_pid(base)
            pages = [_fill_and_open(browser, base, steps) for _ in range(sessions)]
            rss, cpu0, t0 = rss_mb(pid), cpu_s(pid), time.monotonic()
            for page in pages:
                page.get_by_test_id("stSidebar").get_by_role("button", name="Start training").click()
            reload_s: list[float] = []
            finished_at = float("nan")
            while time.monotonic() - t0 < budget_s:
                states = _states(runs_dir)
                rss = max(rss, rss_mb(pid))
                if len(states) == sessions and all(s == "finished" for s in states):
                    finished_at = time.monotonic() - t0
                    break
                if len(reload_s) < reloads and any(s in ("running", "queued") for s in states):
                    page = pages[len(reload_s) % len(pages)]
                    r0 = time.monotonic()
                    page.reload()
                    expect(page.get_by_test_id("stProgress").first).to_be_visible(timeout=TIMEOUT_MS)
                    reload_s.append(time.monotonic() - r0)
                time.sleep(0.5)
            span = finished_at if finished_at == finished_at else time.monotonic() - t0
            cpu = (cpu_s(pid) - cpu0) / span
            done = sum(s == "finished" for s in _states(runs_dir))
        finally:
            browser.close()
    row = {"executor": name, "finished": f"{done}/{sessions}", "per_min": done / (span / 60), "span": span,
           "server_cpu": cpu, "reload_med": statistics.median(reload_s) if reload_s else float("nan"),
           "reload_max": max(reload_s, default=float("nan")), "rss": rss}
    print(f"  {row}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--steps", type=int, default=200, help="steps per run in the load part (tiny model)")
    ap.add_argument("--reloads", type=int, default=3, help="reloads measured while runs train")
    ap.add_argument("--budget", type=float, default=300.0, help="seconds allowed from Start to all finished")
    ap.add_argument("--rounds", type=int, default=3, help="page-open / no-page window pairs (overhead part)")
    ap.add_argument("--seconds", type=float, default=20.0, help="measured seconds per overhead window")
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="measure the overhead only with everything sharing all cores")
    ap.add_argument("--skip-load", action="store_true", help="only the overhead part")
    args = ap.parse_args(argv)
    print(f"cpus {os.cpu_count()} · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    tmp = Path(tempfile.mkdtemp(prefix="bench_ray_"))
    rows = []
    if not args.skip_load:
        cluster = local_cluster(2)
        # The cluster's address is explicit, so the server sends the cluster's token.
        ray_env = {"RGAN_EXECUTOR": "ray", "RAY_ADDRESS": cluster.address, **AUTH}
        try:
            for name, env in (("local", {}), ("ray (2 nodes x 1 CPU)", ray_env)):
                print(f"\n--- load: {args.sessions} sessions, executor {name}", flush=True)
                rows.append(class_scenario(name, tmp / name.split()[0], env, args.sessions, args.steps,
                                           args.reloads, args.budget))
        finally:
            cluster.shutdown()
    settle(limit_s=90)
    ratios = {}
    sides = ("pinned", "shared") if args.pin and len(ALL_CORES) >= 2 else ("shared",)
    try:
        for mode in sides:
            ratios[mode] = overhead(mode, tmp / f"overhead_{mode}", args.rounds, args.seconds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    if rows:
        print("| executor | runs finished | runs/min | Start -> all finished | server CPU s/s while training "
              "| reload median / max | server peak RSS |")
        print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['executor']} | {r['finished']} | {r['per_min']:.1f} | {r['span']:.0f} s | {r['server_cpu']:.2f} "
              f"| {r['reload_med']:.2f} / {r['reload_max']:.2f} s | {r['rss']:.0f} MB |")
    for mode, ratio in ratios.items():
        verdict = ("target >= 0.98: " + ("OK" if ratio >= 0.98 else "BELOW TARGET")) if mode == "pinned" else \
            "browser on the actor's cores; for reference"
        print(f"Ray, {mode}: overhead ratio {ratio:.3f} ({verdict})")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end (2 cores: above 2 means other work)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
