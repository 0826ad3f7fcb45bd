"""The stdout protocol between a trainer process and the QGIS training algorithms (standard library only).

A trainer writes one message per line on stdout, flushed:

- ``PROGRESS <percent>``: 0-100, one decimal;
- ``LOSS epoch=<e> train=<x> val=<y> [key=value ...]``: after every epoch
  (``epoch=0`` is the initial model's validation when it starts from weights);
- ``INFO <text>``: model size, normalisation, init report, warnings;
- ``STOPPED <reason>``: stopped by a signal or the time budget;
- ``RESULT <json>``: last, the summary (paths, metrics, ...).

Errors go to stderr as ``ERROR <text>``. The QGIS side (the subprocess
runner) parses lines with ``parse``.
"""
import json
import math
import sys

PROGRESS = "PROGRESS"
LOSS = "LOSS"
INFO = "INFO"
STOPPED = "STOPPED"
RESULT = "RESULT"
ERROR = "ERROR"
WORDS = (PROGRESS, LOSS, INFO, STOPPED, RESULT)


def emit(word, text="", stream=None):
    """Write one protocol line (``word`` then ``text``) and flush."""
    stream = stream or sys.stdout
    stream.write(f"{word} {text}".rstrip() + "\n")
    stream.flush()


def progress_line(percent):
    return f"{PROGRESS} {float(percent):.1f}"


def loss_line(record, extra_keys=("val_mae_db",)):
    """The LOSS line of an epoch record (dict with epoch, train, val and optional extra keys)."""
    parts = [f"epoch={int(record['epoch'])}"]
    for key in ("train", "val") + tuple(extra_keys):
        value = record.get(key)
        if isinstance(value, (int, float)) and math.isfinite(value):
            parts.append(f"{key}={value:.6g}")
    return f"{LOSS} " + " ".join(parts)


def parse_fields(text):
    """key=value fields of a LOSS line's payload as a dict (numbers as float)."""
    fields = {}
    for item in text.split():
        key, sep, value = item.partition("=")
        if sep:
            try:
                fields[key] = float(value)
            except ValueError:
                fields[key] = value
    return fields


def parse(line):
    """(word, payload) of a protocol line; payload: float (PROGRESS), dict (LOSS, RESULT), str.

    Lines outside the protocol (or malformed) give (None, line).
    """
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    if word == PROGRESS:
        try:
            return word, max(0.0, min(100.0, float(rest)))
        except ValueError:
            return None, line
    if word == LOSS:
        return word, parse_fields(rest)
    if word == RESULT:
        try:
            return word, json.loads(rest)
        except json.JSONDecodeError:
            return None, line
    if word in (INFO, STOPPED):
        return word, rest
    return None, line


class Emitter:
    """Callbacks for ``models.framework.loop.fit`` that write the protocol: progress, log, on_epoch."""

    def __init__(self, stream=None, extra_keys=("val_mae_db",)):
        self.stream = stream
        self.extra_keys = tuple(extra_keys)
        self._last = None

    def progress(self, percent):
        p = round(float(percent), 1)
        if p != self._last:
            self._last = p
            emit(PROGRESS, f"{p:.1f}", self.stream)

    def log(self, text):
        emit(INFO, str(text), self.stream)

    def on_epoch(self, record):
        (self.stream or sys.stdout).write(loss_line(record, self.extra_keys) + "\n")
        (self.stream or sys.stdout).flush()
