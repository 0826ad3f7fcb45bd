"""Progress callbacks of a run made of several parts."""


def progress_range(progress, start, stop):
    """A callback mapping a part's 0..100 % onto ``start``..``stop`` % of ``progress`` (None stays None)."""
    if progress is None:
        return None
    return lambda percent: progress(start + (stop - start) * percent / 100.0)
