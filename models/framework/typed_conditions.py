"""Typed-in conditions of a model: the ``name=value`` pairs a user writes in a Processing text box.

Shared by the learned DI's acquisition conditions (one acquisition per line)
and the coherence model's weather between the dates (one pair per box).
Values stay strings: each model's schema converts and range-checks them.
"""


def name_values(text, example):
    """{name: value string} of comma-separated ``name=value`` pairs in ``text`` (one line).

    Empty items and items starting with ``#`` are skipped; an item without
    ``=`` raises ValueError quoting it, with ``example`` (e.g. ``rain_mm=12.5``)
    showing the form to write.
    """
    out = {}
    for item in str(text).split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"cannot read {item!r}: write name=value, e.g. {example}")
        out[key.strip()] = value.strip()
    return out
