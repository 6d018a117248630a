"""scripts/test.sh (the README's test command) decides what to install; these tests run it against stub
python, id, sudo and apt-get commands that record their arguments, so nothing is installed here."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "test.sh"
BASH = "/bin/bash"
CHMOD = shutil.which("chmod")  # the stubs' PATH holds only the stubs

STUBS = {
    # python: "-c import torch" succeeds only when STUB_TORCH=1; pip and pytest calls are recorded
    "python": """#!/bin/bash
echo "python $*" >> "$STUB_LOG"
if [ "$1" = "-c" ]; then [ "$STUB_TORCH" = 1 ]; exit $?; fi
exit 0
""",
    "id": """#!/bin/bash
echo "$STUB_UID"
""",
    # sudo: "-n true" succeeds only when STUB_SUDO=1; otherwise records, then runs the command like sudo
    "sudo": """#!/bin/bash
if [ "$1" = "-n" ]; then [ "$STUB_SUDO" = 1 ]; exit $?; fi
echo "sudo $*" >> "$STUB_LOG"
while [[ "$1" == *=* ]]; do export "$1"; shift; done
"$@"
""",
    # apt-get: records its arguments and DEBIAN_FRONTEND; "install" creates the chromium stub when asked
    "apt-get": """#!/bin/bash
echo "apt-get $* (DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-})" >> "$STUB_LOG"
if [ "$1" = "install" ] && [ "$STUB_APT_WORKS" = 1 ]; then
    printf '#!/bin/bash\\n' > "$RGAN_CHROMIUM"; CHMOD +x "$RGAN_CHROMIUM"
fi
""",
}


def run(tmp_path: Path, *args: str, torch: bool = True, chromium: bool = True, uid: int = 1000,
        sudo: bool = False, apt_works: bool = True, script: Path = SCRIPT, no_sudo_command: bool = False,
        extra_env: dict[str, str] | None = None):
    """Run the script with stubs on PATH; returns (exit status, stderr, the recorded calls)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in STUBS.items():
        if name == "sudo" and no_sudo_command:
            continue
        path = bin_dir / name
        path.write_text(body.replace("CHMOD", CHMOD))
        path.chmod(0o755)
    chromium_path = tmp_path / "chromium"
    if chromium:
        chromium_path.write_text("#!/bin/bash\n")
        chromium_path.chmod(0o755)
    log = tmp_path / "calls.log"
    log.write_text("")
    env = {
        "PATH": str(bin_dir), "HOME": str(tmp_path), "PYTHON": str(bin_dir / "python"),
        "RGAN_CHROMIUM": str(chromium_path), "STUB_LOG": str(log), "STUB_TORCH": "1" if torch else "0",
        "STUB_UID": str(uid), "STUB_SUDO": "1" if sudo else "0", "STUB_APT_WORKS": "1" if apt_works else "0",
        **(extra_env or {}),
    }
    done = subprocess.run([BASH, str(script), *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    return done.returncode, done.stderr, log.read_text().splitlines()


PIP_DEV = "python -m pip install -q -r requirements-dev.txt"


def test_everything_present_installs_only_the_test_tools_then_runs_pytest(tmp_path):
    status, err, calls = run(tmp_path, "-x", "tests/test_data.py")
    assert status == 0, err
    assert calls == ["python -c import torch", PIP_DEV, "python -m pytest -q -x tests/test_data.py"]


def test_missing_torch_gets_the_cpu_build_first(tmp_path):
    status, err, calls = run(tmp_path, torch=False)
    assert status == 0, err
    assert calls[1:] == ["python -m pip install -q torch==2.13.0", PIP_DEV, "python -m pytest -q"]


def test_torch_pip_arguments_can_be_changed(tmp_path):
    index = "torch --index-url https://download.pytorch.org/whl/cpu"
    status, err, calls = run(tmp_path, torch=False, extra_env={"RGAN_TORCH_PIP_ARGS": index})
    assert status == 0, err
    assert calls[1] == f"python -m pip install -q {index}"


def test_missing_chromium_as_root_installs_it_with_apt_get(tmp_path):
    status, err, calls = run(tmp_path, chromium=False, uid=0)
    assert status == 0, err
    assert calls == ["python -c import torch", PIP_DEV, "apt-get update -q (DEBIAN_FRONTEND=)",
                     "apt-get install -y -q chromium (DEBIAN_FRONTEND=noninteractive)", "python -m pytest -q"]


def test_missing_chromium_with_sudo_installs_it_through_sudo(tmp_path):
    status, err, calls = run(tmp_path, chromium=False, uid=1000, sudo=True)
    assert status == 0, err
    assert calls == ["python -c import torch", PIP_DEV,
                     "sudo apt-get update -q", "apt-get update -q (DEBIAN_FRONTEND=)",
                     "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium",
                     "apt-get install -y -q chromium (DEBIAN_FRONTEND=noninteractive)", "python -m pytest -q"]


def test_an_install_that_leaves_no_chromium_stops(tmp_path):
    status, err, calls = run(tmp_path, chromium=False, uid=0, apt_works=False)
    assert status == 2
    assert "still missing" in err
    assert "python -m pytest -q" not in calls


@pytest.mark.parametrize("sudo_command", [True, False])
def test_missing_chromium_without_root_or_sudo_stops_with_what_to_install(tmp_path, sudo_command):
    status, err, calls = run(tmp_path, chromium=False, uid=1000, sudo=False, no_sudo_command=not sudo_command)
    assert status == 2
    assert "install Debian's chromium package (apt-get install chromium)" in err
    assert "-m 'not browser and not load'" in err
    assert not any(c.startswith(("apt-get", "sudo")) for c in calls)
    assert "python -m pytest -q" not in calls


def test_runs_without_browser_tests_need_no_chromium(tmp_path):
    status, err, calls = run(tmp_path, "-m", "not browser and not load", chromium=False, uid=1000)
    assert status == 0, err
    assert calls[-1] == "python -m pytest -q -m not browser and not load"
    assert not any(c.startswith(("apt-get", "sudo")) for c in calls)


def test_ci_runs_the_same_script_with_its_arguments(tmp_path):
    status, err, calls = run(tmp_path, "-k", "data", script=REPO / ".ci" / "run")
    assert status == 0, err
    assert calls == ["python -c import torch", PIP_DEV, "python -m pytest -q -k data"]


def test_the_script_is_executable_and_checks_bash_syntax():
    assert os.access(SCRIPT, os.X_OK)
    assert subprocess.run([BASH, "-n", str(SCRIPT)]).returncode == 0
