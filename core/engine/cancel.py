"""Cancel points inside long block computations (QGIS-free).

The block engine installs the caller's ``is_canceled`` for the thread that
computes a block (``cancel_scope``); filters whose cost per block grows with
the window (Frost's rings, the median's partial windows) call
``cancel_point()`` between steps, so a cancel stops within one step instead of
one (possibly minutes-long) block.
"""
import threading
from contextlib import contextmanager

_local = threading.local()


class Cancelled(RuntimeError):
    """The caller asked to stop; no output was left behind."""


@contextmanager
def cancel_scope(is_canceled):
    """Make ``is_canceled() -> bool`` (or None) the check of ``cancel_point`` on this thread."""
    previous = getattr(_local, "is_canceled", None)
    _local.is_canceled = is_canceled
    try:
        yield
    finally:
        _local.is_canceled = previous


def cancel_point():
    """Raise Cancelled when the check installed by ``cancel_scope`` on this thread says so."""
    check = getattr(_local, "is_canceled", None)
    if check is not None and check():
        raise Cancelled("cancelled by the user")
