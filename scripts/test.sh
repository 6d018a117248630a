#!/usr/bin/env bash
# The test command: set up what the tests need on a fresh machine, then run pytest.
#
#   bash scripts/test.sh                                 # everything (about 5 minutes on 2 cores)
#   bash scripts/test.sh -m 'not browser and not load'   # no Chromium needed (none is installed)
#
# 1. PyTorch's CPU build when torch is missing (a plain `torch` requirement pulls a multi-GB CUDA build);
# 2. requirements-dev.txt (pytest, hypothesis, playwright and the runtime requirements);
# 3. Debian's chromium when it is missing and browser tests are selected (Playwright's own browser
#    download does not work here), with apt-get as root or through sudo; when neither is possible it
#    stops with exit status 2 and says what to install;
# 4. python -m pytest -q with this script's arguments.
#
# Settings (the tests of this script point them at stubs): PYTHON (python3, else python), RGAN_CHROMIUM
# (/usr/bin/chromium), RGAN_TORCH_PIP_ARGS ("torch==2.13.0"; e.g. "torch --index-url
# https://download.pytorch.org/whl/cpu").
set -euo pipefail
cd "${BASH_SOURCE[0]%/*}/.."
PYTHON="${PYTHON:-$(command -v python3 || command -v python || echo python3)}"
CHROMIUM="${RGAN_CHROMIUM:-/usr/bin/chromium}"
read -r -a TORCH_PIP_ARGS <<< "${RGAN_TORCH_PIP_ARGS:-torch==2.13.0}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "scripts/test.sh: $*" >&2; }

if ! "$PYTHON" -c "import torch" >/dev/null 2>&1; then
    say "torch is missing; installing the CPU build (${TORCH_PIP_ARGS[*]})"
    "$PYTHON" -m pip install -q "${TORCH_PIP_ARGS[@]}"
fi
"$PYTHON" -m pip install -q -r requirements-dev.txt

needs_browser=1
case " $* " in *"not browser"*) needs_browser=0 ;; esac
if [ "$needs_browser" = 1 ] && [ ! -x "$CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        say "$CHROMIUM is missing; installing Debian's chromium with apt-get"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        say "$CHROMIUM is missing; installing Debian's chromium with sudo apt-get"
        sudo apt-get update -q
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
    else
        say "$CHROMIUM is missing and this user can install packages neither as root nor through sudo;" \
            "install Debian's chromium package (apt-get install chromium) and run this again, or run" \
            "without the browser tests: bash scripts/test.sh -m 'not browser and not load'"
        exit 2
    fi
    if [ ! -x "$CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then
        say "chromium was installed but $CHROMIUM is still missing; install Debian's chromium package by hand"
        exit 2
    fi
fi

exec "$PYTHON" -m pytest -q "$@"
