"""The process-wide run registry: starts runs, caps how many train at once, queues the rest, and
lists and revives past runs from the :class:`~rgan.runs.store.RunStore` after a server restart.

Every start and resume first passes :func:`~rgan.runs.admission.admit` (a per-person cap, a memory
budget, free disk space, the runs directory's quota). A training slot is held by a running run only:
a paused one gives it to the next queued run and queues again when resumed while all slots are taken.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from rgan.data import DataError, SequenceData
from rgan.data.source import DataSource
from rgan.models import ModelConfig
from rgan.runs.admission import admit
from rgan.runs.budget import MemoryEstimate
from rgan.runs.config import ACTIVE_STATES, QUEUED, STOPPED, RunnerConfig, default_extra_steps
from rgan.runs.executor import make_executor
from rgan.runs.run import Run
from rgan.runs.store import RunStore
from rgan.train import TrainConfig


class RunRegistry:
    """All runs of one server process: starts them, caps how many train at once, queues the rest.

    Create one per process (the dashboard keeps it in ``st.cache_resource``).
    """

    def __init__(self, config: RunnerConfig | None = None) -> None:
        self.config = config or RunnerConfig()
        self.executor = make_executor(self.config)  # where trainers live: threads here, or Ray actors
        self.config = self.executor.configure(self.config)
        if self.config.max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {self.config.max_concurrent}.")
        self.store = RunStore(self.config.runs_dir)  # every read and write of a run's files goes through it
        self._lock = threading.RLock()
        self._runs: dict[str, Run] = {}
        self._visits: dict[str, float] = {}  # owner token -> when it last drew a page
        self._queue: list[str] = []
        self._active: set[str] = set()  # ids of the runs holding a training slot
        self._admit_lock = threading.Lock()  # one admission at a time: two quick starts cannot both pass a cap
        self.unreadable: set[str] = set()  # run folders whose run.json could not be read (left out of listings)
        self.executor.adopt(self)  # runs still training on a cluster after a restart

    # ------------------------------------------------------------------------------------- starting
    def start(
        self,
        source: DataSource,
        model: ModelConfig,
        train: TrainConfig,
        owner: str,
        data: SequenceData | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Run:
        """Create a run and start it now, or queue it if ``max_concurrent`` runs are training.

        Args:
            source: where the data comes from (kept so the run can resume after a restart).
            model, train: the configurations.
            owner: an opaque token of the browser session that may see this run.
            data: the already loaded data, to skip loading it again.
            extra: JSON-able tags kept with the run (e.g. which teaching preset started it).

        Raises:
            ValueError: refused by :func:`~rgan.runs.admission.admit` (too many runs for this person, over
                the memory budget, too little disk space), or the disk refused its files.
        """
        if data is None:
            try:  # its shape sizes the memory budget
                data = source.load()
            except DataError:
                data = None  # the run fails visibly in its thread, with this message
        with self._admit_lock:
            estimate = self._admit(owner, model, train, data, source.csv_bytes)
            run_id = self.store.new_id()
            run = self.executor.run_class(self, run_id, owner, source, model, train, data=data, extra=extra)
            run.memory_estimate = estimate
            self._persist_initial(run)
            with self._lock:
                self._runs[run_id] = run
                self._queue.append(run_id)
        self._schedule()
        return run

    def _admit(self, owner: str, model: ModelConfig, train: TrainConfig, data: SequenceData | None,
               csv_bytes: bytes | None, resuming: str | None = None) -> MemoryEstimate | None:
        with self._lock:
            runs = list(self._runs.values())
        active = [r for r in runs if r.state in ACTIVE_STATES or r.thread_alive()]
        mine = sum(1 for r in runs if r.state in ACTIVE_STATES and r.owner == owner and r.id != resuming)
        shape = tuple(data.windows.shape) if data is not None else None
        return admit(self.config, self.store, mine, model, train, shape, keep={r.id for r in active},
                     last_seen={r.id: r.last_seen for r in runs}, need_bytes=len(csv_bytes or b""))

    def _persist_initial(self, run: Run) -> None:
        try:
            run.persist_initial()
        except OSError as e:
            raise ValueError(f"The run could not be saved on the server ({e.strerror or e}); free some disk space "
                             "(delete old runs) or ask the operator, then start again.") from e

    def _schedule(self) -> None:
        """Give free training slots to queued runs, first come first served."""
        granted = []
        with self._lock:
            self._queue = [rid for rid in self._queue if self._runs[rid].state == QUEUED]
            while self._queue and len(self._active) < self.config.max_concurrent:
                run = self._runs[self._queue.pop(0)]
                self._active.add(run.id)
                granted.append(run)
        for run in granted:  # outside the lock: a run takes its own lock to act
            if run.started:
                run._apply_go()  # a paused run that asked to go on
            else:
                run.start_thread()

    def _claim_slot(self, run: Run) -> bool:
        """A training slot for a paused run that wants to go on: True if it holds or got one, else it
        is queued (and :meth:`_schedule` lets it go on later)."""
        with self._lock:
            if run.id in self._active:
                return True
            if len(self._active) < self.config.max_concurrent and not self._queue:
                self._active.add(run.id)
                return True
            if run.id not in self._queue:
                self._queue.append(run.id)
            return False

    def _release_slot(self, run: Run) -> bool:
        """A run paused: its slot is free for the next queued run (True if it held one)."""
        with self._lock:
            if run.id not in self._active or self._runs.get(run.id) is not run:
                return False
            self._active.discard(run.id)
            return True

    def _on_run_ended(self, run: Run) -> None:
        with self._lock:
            if self._runs.get(run.id) in (run, None):  # not a resumed successor's slot
                self._active.discard(run.id)
        self._schedule()

    def visited(self, owner: str) -> None:
        """Note that a browser (owner token) drew a page now; see :meth:`visitors`."""
        with self._lock:
            self._visits[owner] = time.time()

    def visitors(self, within_s: float = 60.0) -> int:
        """Browsers that drew a page within ``within_s`` seconds: how many people use this server now."""
        now = time.time()
        with self._lock:
            self._visits = {k: t for k, t in self._visits.items() if now - t < 3600}  # forget old tokens
            return sum(1 for t in self._visits.values() if now - t < within_s)

    def watched(self, within_s: float = 6.0) -> int:
        """Unfinished runs whose live view asked for a snapshot within ``within_s`` seconds: pages polling."""
        now = time.time()
        with self._lock:
            runs = list(self._runs.values())
        return sum(1 for r in runs if r.state in ACTIVE_STATES and now - r.last_seen < within_s)

    def queue_position(self, run_id: str) -> int | None:
        """1 for the next run to start; None if the run is not waiting."""
        with self._lock:
            try:
                return self._queue.index(run_id) + 1
            except ValueError:
                return None

    # ------------------------------------------------------------------------------------- finding
    def get(self, run_id: str, owner: str | None = None) -> Run | None:
        """The run with this id (loading a persisted one from disk), or None.

        Knowing the id is what grants access (it is unguessable); ``owner`` is only used by listings.
        """
        if not self.store.valid_id(run_id):
            return None
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                run = self._load_persisted(run_id)
                if run is not None:
                    self._runs[run_id] = run
            return run

    def list_runs(self, owner: str) -> list[Run]:
        """This owner's runs, in memory and on disk, newest first.

        A folder whose ``run.json`` cannot be read is left out and noted in :attr:`unreadable`.
        """
        for run_id in self.store.ids():
            if run_id in self._runs:
                continue
            who = self.store.owner_of(run_id)
            if who is None:
                self.unreadable.add(run_id)
            elif who == owner and self.get(run_id) is None:
                self.unreadable.add(run_id)
        with self._lock:
            runs = [r for r in self._runs.values() if r.owner == owner]
        return sorted(runs, key=lambda r: r.created, reverse=True)

    def active_count(self) -> int:
        with self._lock:
            return len(self._active)

    def _load_persisted(self, run_id: str) -> Run | None:
        """Rebuild a run from its folder. A run that was training when the server died becomes 'stopped'."""
        record = self.store.read_record(run_id)
        if record is None:
            return None
        run = self.executor.run_class(
            self,
            run_id,
            record.owner,
            record.source,
            record.model,
            record.train,
            created=record.created,
            markers=record.markers,
            history=self.store.read_history(run_id),
            extra=record.extra,
        )
        run.lr_g, run.lr_d, run.d_steps = record.lr_g, record.lr_d, record.d_steps
        run.feature_names = list(record.feature_names)
        run.notes = list(record.notes)
        run.error = record.error
        state = record.state
        if state in ACTIVE_STATES and self.executor.reattach(run):
            run.state = state  # still training on the cluster: followed again, charts continue
            self._active.add(run_id)
            return run
        if state in ACTIVE_STATES:
            state = STOPPED
            run.notes.append("The server stopped while this run was active; resume it from its last checkpoint.")
        run.state = state
        if self.store.has_checkpoint(run_id):
            # The log may run a little past the checkpoint; show what a resume will continue from.
            try:
                ckpt_step = self.store.checkpoint_step(run_id)
                run._trim_history(ckpt_step)
                run.step = ckpt_step
            except Exception as e:
                run.notes.append(f"The checkpoint could not be read ({type(e).__name__}); the run cannot be resumed.")
        return run

    def resume(self, run_id: str, extra_steps: int | None = None) -> Run:
        """Continue a stopped or finished run from its last checkpoint (a new thread, same id).

        A run that already reached its step count gets ``extra_steps`` more (default:
        :func:`default_extra_steps`).

        Raises:
            ValueError: the run is still active (or its thread is still saving), has no readable
                checkpoint, or is refused by :func:`~rgan.runs.admission.admit`.
        """
        ended = self.get(run_id)
        if ended is not None and ended.state not in ACTIVE_STATES:
            # A run is marked ended before its thread writes the final checkpoint and leaves; wait for
            # that outside the lock, which the thread's last step takes.
            ended.join(timeout=5)
        data = None
        if ended is not None and ended.state not in ACTIVE_STATES:
            try:  # before taking the lock: a large upload takes a while to parse
                data = ended.real_data() or ended.source.load()
            except DataError:
                data = None  # the run's thread reports why when it tries
        with self._admit_lock:
            with self._lock:
                old = self.get(run_id)
                if old is None:
                    raise ValueError("No such run.")
                if old.state in ACTIVE_STATES:
                    raise ValueError("This run is still active; pause or stop it first.")
                if old.thread_alive():  # two threads must never write one run's files
                    raise ValueError("This run is still saving its last checkpoint; press Resume again in a moment.")
                if not self.store.has_checkpoint(run_id):
                    raise ValueError("This run has no checkpoint yet, so it cannot be resumed; start a new run instead.")
            estimate = self._admit(old.owner, old.model_config, old.train_config, data, None, resuming=run_id)
            try:  # the log may run past the checkpoint (a crash): cut it back so its steps only go up
                self.store.cut_metrics(run_id, self.store.checkpoint_step(run_id))
            except OSError as e:
                raise ValueError(f"The run's files could not be rewritten ({e.strerror or e}); free some disk space "
                                 "and try again.") from e
            except Exception as e:
                raise ValueError("This run's checkpoint cannot be read, so it cannot be resumed; start a new run "
                                 "instead.") from e
            with self._lock:
                run = self._create_resumed(old, run_id, data, estimate, extra_steps)
        self._schedule()
        return run

    def _create_resumed(self, old: Run, run_id: str, data: SequenceData | None, estimate: MemoryEstimate | None,
                        extra_steps: int | None) -> Run:
        train = old.train_config
        if old.step >= train.steps:
            more = extra_steps if extra_steps is not None else default_extra_steps(train.steps)
            train = replace(train, steps=old.step + max(1, more))
        run = self.executor.run_class(
            self,
            run_id,
            old.owner,
            old.source,
            old.model_config,
            train,
            data=data,
            resume=True,
            history=old.history,
            created=old.created,
            markers=old.markers,
            extra=old.extra,
        )
        run.lr_g, run.lr_d, run.d_steps = old.lr_g, old.lr_d, old.d_steps
        run.feature_names = old.feature_names
        run.evolution = list(old.evolution)  # kept in memory only: it survives a resume, not a restart
        run.memory_estimate = estimate
        self._persist_initial(run)
        self._runs[run_id] = run
        self._queue.append(run_id)
        return run

    def delete(self, run_id: str, owner: str) -> None:
        """Delete an ended run of ``owner`` for good: its folder, and its upload when no run uses it.

        Raises:
            ValueError: no such run, someone else's run, or a run that is still active.
        """
        with self._lock:
            run = self.get(run_id)
            if run is None:
                raise ValueError("No such run.")
            if run.owner != owner:
                raise ValueError("Only the browser that started this run can delete it.")
            if run.state in ACTIVE_STATES or run.thread_alive():
                raise ValueError("This run is still active; stop it first, then delete it.")
            del self._runs[run_id]
            self.store.delete(run_id)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every active run and wait for the threads (used by tests and clean exits)."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            if run.state in ACTIVE_STATES:
                run.stop()
        for run in runs:
            run.join(timeout)
