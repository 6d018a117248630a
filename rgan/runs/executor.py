"""Where runs train: the executor seam between the :class:`~rgan.runs.registry.RunRegistry` and a trainer.

Pages use one Run API (start, pause, resume, stop, single steps, slow motion, live settings, snapshots);
the executor decides where the :class:`~rgan.train.Trainer` behind it lives:

- ``local`` (the default): a thread in the web server's process per run, the code of
  :class:`~rgan.runs.run.Run` itself. Nothing about Ray is imported.
- ``ray`` (``RGAN_EXECUTOR=ray``): each run is a detached, named Ray actor on the cluster that
  ``RAY_ADDRESS`` names; the server keeps a poller per run that forwards controls, persists what the
  actor reports and re-attaches to live actors after a restart (see :mod:`rgan.runs.ray_executor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rgan.runs.config import RunnerConfig
from rgan.runs.run import Run

if TYPE_CHECKING:
    from rgan.runs.registry import RunRegistry

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """What a registry asks of an executor."""

    name: str
    run_class: type[Run]  # the class the registry builds runs from (same constructor as Run)

    def configure(self, config: RunnerConfig) -> RunnerConfig:
        """The registry's limits for this executor (e.g. "runs at once" from a cluster's capacity)."""
        ...

    def adopt(self, registry: "RunRegistry") -> None:
        """Take over runs that are still training somewhere (after the web server restarted)."""
        ...

    def reattach(self, run: Run) -> bool:
        """Whether ``run``, read back from disk as active, is still training; if so, follow it again."""
        ...


class LocalExecutor:
    """Runs train in threads of this process: :meth:`Run.start_thread` as it always was."""

    name = "local"
    run_class = Run

    def configure(self, config: RunnerConfig) -> RunnerConfig:
        return config

    def adopt(self, registry: "RunRegistry") -> None:
        pass  # threads die with the process: nothing survives a restart to adopt

    def reattach(self, run: Run) -> bool:
        return False


def make_executor(config: RunnerConfig) -> Executor:
    """The executor ``config.executor`` names (``RGAN_EXECUTOR``); Ray is imported only for ``ray``.

    Raises:
        ValueError: an unknown executor name, or Ray missing or unreachable (the message says what to do).
    """
    name = config.executor
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        try:
            from rgan.runs.ray_executor import RayExecutor
        except ImportError as e:
            raise ValueError(
                "RGAN_EXECUTOR=ray needs Ray: run `pip install -r requirements-ray.txt`, or unset RGAN_EXECUTOR."
            ) from e
        return RayExecutor(config)
    raise ValueError(f"RGAN_EXECUTOR must be one of {', '.join(EXECUTORS)}; got {name!r}.")
