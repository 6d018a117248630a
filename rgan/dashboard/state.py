"""Per-browser state for the pages: the run registry, the owner token, the current run and data.

- The registry is one per server process (``st.cache_resource``); runs live there, not in the session.
- The owner token identifies this browser's runs. It is random, kept in ``st.session_state`` and in a
  cookie (set by a one-line script), so that a page refresh (a new session) still finds the same runs
  while the address bar never shows it: a link a student copies carries no token. An older link's
  ``?me=<token>`` is still accepted once, then removed from the address.
- The current run id is in ``?run=<id>`` (and in the session), so a refresh re-attaches to it; a run
  opened by anyone else's browser is shown read-only (:func:`is_owner`).
- The current data is a :class:`~rgan.data.source.DataSource` in the session; loading is cached per server,
  so switching pages does not parse a file again. With no choice made, the "sines" data set is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from rgan.data import DataError, SequenceData
from rgan.models import ModelConfig
from rgan.data.source import DataSource
from rgan.runs import Run, RunnerConfig, RunRegistry
from rgan.train import TrainConfig, Trainer

T = TypeVar("T")

OWNER_PARAM, RUN_PARAM = "me", "run"
OWNER_COOKIE = "rgan_owner"
COOKIE_DAYS = 365  # how long a browser keeps its token without a visit
_OWNER_KEY, _RUN_KEY, _SOURCE_KEY = "rgan_owner", "rgan_run", "rgan_source"
RUN_KEY = _RUN_KEY  # the session key of the current run (the runs list clears it when that run is deleted)
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
DEFAULT_SOURCE = DataSource("dataset", "sines")  # what Train uses before anything is chosen


# ------------------------------------------------------------------------------------- registry
@st.cache_resource(show_spinner=False)
def _registry(_config: RunnerConfig, key: str) -> RunRegistry:
    # ``key`` (the config's repr) is the cache key; a different runs dir gets its own registry.
    return RunRegistry(_config)


def registry() -> RunRegistry:
    """The process-wide run registry, configured from the environment (``RGAN_RUNS_DIR``, ...)."""
    config = RunnerConfig.from_env()
    return _registry(config, repr(config))


# ----------------------------------------------------------------------------------- owner token
def _valid_token(value: object) -> bool:
    return isinstance(value, str) and 16 <= len(value) <= 64 and set(value) <= _TOKEN_CHARS


def _leave_legacy_pages_mode() -> None:
    """Make sure app.py's ``st.navigation`` is in charge, even on a server's very first request.

    Streamlit decides per process whether a ``pages/`` folder means the old (v1) multipage mode; it
    only switches that off when ``st.navigation`` runs. If the first request after a (re)start
    opens e.g. ``/train?run=...`` directly, the page would run without app.py (no page config, an
    automatic page list). Switch the mode off and, in a brand-new session (no clicks to lose), rerun
    so that app.py runs and routes to this page. Renaming ``pages/`` would make this unnecessary.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the flag has no v1 mode to leave
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        if _OWNER_KEY not in st.session_state:
            st.rerun()


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(OWNER_COOKIE)
    except Exception:  # no browser behind this session (e.g. a test harness without cookies)
        return None
    return value if _valid_token(value) else None


def _remember(token: str) -> None:
    """Keep ``token`` in this browser's cookie. Streamlit reads cookies but cannot set them, so a
    tiny same-origin script does (the token is URL-safe: no quoting needed). The element takes no room:
    its style hides the box that holds it."""
    st.html(
        f"<script>document.cookie = '{OWNER_COOKIE}={token}; path=/; max-age={COOKIE_DAYS * 86400}; "
        "SameSite=Strict';</script>"
        "<style>.stElementContainer:has(> .stHtml > script) { display: none; }</style>",
        unsafe_allow_javascript=True,
    )


def owner() -> str:
    """This browser's owner token: from this session, an older link's ``?me=``, the browser's cookie,
    or new. The address bar never keeps it.

    Every page calls this first (it also makes sure app.py's navigation is in charge).
    """
    _leave_legacy_pages_mode()
    token = st.session_state.get(_OWNER_KEY)
    if token is None:
        from_url = st.query_params.get(OWNER_PARAM)
        token = from_url if _valid_token(from_url) else (_cookie_token() or secrets.token_urlsafe(18))
        st.session_state[_OWNER_KEY] = token
    if OWNER_PARAM in st.query_params:
        del st.query_params[OWNER_PARAM]  # a link copied from the address bar must not carry it
    registry().visited(token)
    return token


def keep_owner_cookie() -> None:
    """Have the browser keep this session's owner token; app.py calls it on every run, before the page.

    The script goes out on every run of a session whose browser did not bring the cookie, always as
    the first element of the main area, so the browser keeps one element there and runs the script
    once, whenever it mounts. (Sent once per session, a click that reran the page before the browser
    had loaded the element's code replaced it unrun: the cookie never came, once in CI with eight
    sessions loading one server.) A browser that brings the cookie gets nothing.
    """
    token = owner()
    if _cookie_token() != token:
        _remember(token)


def is_owner(run: Run) -> bool:
    """Whether this browser started ``run`` (and so may control or delete it); others only watch."""
    return run.owner == owner()


# ------------------------------------------------------------------------------------ current run
def set_current_run(run_id: str | None) -> None:
    if run_id is None:
        st.session_state.pop(_RUN_KEY, None)
        if RUN_PARAM in st.query_params:
            del st.query_params[RUN_PARAM]
        return
    st.session_state[_RUN_KEY] = run_id
    if st.query_params.get(RUN_PARAM) != run_id:
        st.query_params[RUN_PARAM] = run_id


def current_run(reg: RunRegistry | None = None) -> Run | None:
    """The run named by ``?run=`` (or chosen earlier in this session), or None.

    An id that names no run is dropped from the URL with a warning.
    """
    reg = reg or registry()
    run_id = st.query_params.get(RUN_PARAM) or st.session_state.get(_RUN_KEY)
    if not run_id:
        return None
    run = reg.get(run_id)
    if run is None:
        st.warning("The run in the link was not found on this server; start a new one or pick one of yours.")
        set_current_run(None)
        return None
    set_current_run(run.id)
    if _SOURCE_KEY not in st.session_state and run.owner == owner():
        # A refreshed page (new session) attached to its run: its data is the current data again,
        # unless the owner chose other data since.
        st.session_state[_SOURCE_KEY] = _chosen_data().get(run.owner) or run.source
    return run


def start_run(
    model: ModelConfig,
    train: TrainConfig,
    source: DataSource | None = None,
    data: SequenceData | None = None,
    extra: dict[str, Any] | None = None,
) -> Run:
    """Start (or queue) a run for this browser on the given data (default: the current data) and attach to it.

    Raises:
        DataError: the data cannot be loaded.
    """
    if source is None:
        source, data = current_data()
    elif data is None:
        data = load_source(source)
    run = registry().start(source, model, train, owner(), data=data, extra=extra)
    set_current_run(run.id)
    return run


# ----------------------------------------------------------------------------------------- data
def _source_key(source: DataSource) -> str:
    digest = hashlib.sha256(source.csv_bytes).hexdigest() if source.csv_bytes is not None else ""
    parts = [source.kind, source.name, asdict(source.config), source.params, digest]
    return json.dumps(parts, sort_keys=True, default=str)


@st.cache_resource(show_spinner="Loading data…", max_entries=12, ttl=3600)
def _load_cached(_source: DataSource, key: str) -> SequenceData:
    # Shared across sessions: callers must treat the result as read-only.
    return _source.load()


def load_source(source: DataSource) -> SequenceData:
    """Load the data a source describes (cached per server).

    Raises:
        DataError: the data cannot be loaded; the message says what to do.
    """
    return _load_cached(source, _source_key(source))


class _ChosenData:
    """Each owner's last "Use this data" choice, kept by the server so that a reloaded page (a new
    session with the same ``?me=``) trains on it instead of silently falling back to the default.
    The most recent ``limit`` owners are kept (an uploaded file travels with its choice)."""

    def __init__(self, limit: int = 64) -> None:
        self._lock = threading.Lock()
        self._by_owner: OrderedDict[str, DataSource] = OrderedDict()
        self._limit = limit

    def put(self, who: str, source: DataSource) -> None:
        with self._lock:
            self._by_owner[who] = source
            self._by_owner.move_to_end(who)
            while len(self._by_owner) > self._limit:
                self._by_owner.popitem(last=False)

    def get(self, who: str) -> DataSource | None:
        with self._lock:
            return self._by_owner.get(who)


@st.cache_resource(show_spinner=False)
def _chosen_data() -> _ChosenData:
    return _ChosenData()


def current_source() -> DataSource:
    """The data chosen in this session, else this owner's last choice on this server, else sines."""
    source = st.session_state.get(_SOURCE_KEY)
    if source is None:
        source = _chosen_data().get(owner())
        if source is None:
            return DEFAULT_SOURCE
        st.session_state[_SOURCE_KEY] = source
    return source


def current_data() -> tuple[DataSource, SequenceData]:
    """The data chosen on the Data page, or the built-in default.

    Raises:
        DataError: the chosen data can no longer be loaded.
    """
    source = current_source()
    return source, load_source(source)


def set_current_data(source: DataSource) -> None:
    st.session_state[_SOURCE_KEY] = source
    _chosen_data().put(owner(), source)


def real_examples(data: SequenceData, k: int = 8, seed: int = 0) -> np.ndarray:
    """``k`` real sequences picked at random (the same ones every time), in the data's units ``(k, T, F)``."""
    picks = np.sort(np.random.default_rng(seed).choice(data.n_sequences, min(k, data.n_sequences), replace=False))
    return data.scaler.inverse_transform(data.windows[picks])


def run_data(run: Run) -> SequenceData | None:
    """The real data of a run (loaded again for runs read back from disk), or None if it cannot be loaded."""
    data = run.real_data()
    if data is not None:
        return data
    try:
        return load_source(run.source)
    except (DataError, ValueError):
        return None


# -------------------------------------------------------------------------------------- trainers
@st.cache_resource(show_spinner="Loading checkpoint…", max_entries=6)
def _checkpoint_trainer(path: str, mtime_ns: int) -> Trainer:
    return Trainer.load(path, device="auto")


def load_checkpoint(path: str | os.PathLike) -> Trainer:
    """A trainer read from a checkpoint file (cached until the file changes; only for sampling).

    Raises:
        ValueError: the file is not a readable RGAN Studio checkpoint.
    """
    path = Path(path)
    return _checkpoint_trainer(str(path), path.stat().st_mtime_ns)


def use_trainer(run: Run, fn: Callable[[Trainer], T]) -> T | None:
    """``fn(trainer)`` on the run's live trainer, or on its last checkpoint; None when it has neither."""
    out = run.with_trainer(fn)
    if out is not None:
        return out
    if run.checkpoint_path.exists():
        return fn(load_checkpoint(run.checkpoint_path))
    return None
