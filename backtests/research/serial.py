"""An executor that runs each task at once in this process (for debugging and small grids)."""

from __future__ import annotations

from concurrent.futures import Executor, Future

__all__ = ["SerialExecutor"]


class SerialExecutor(Executor):
    """``concurrent.futures.Executor`` that calls each submitted function immediately."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return its finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future
