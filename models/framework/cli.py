"""The trainer command-line skeleton shared by every model (signals, stdout protocol, exit status).

A model's command line builds an ``argparse`` parser, adds
``add_common_arguments`` and its own options, and calls
``main(parser, train, argv)`` where ``train(args, emitter, should_stop)``
returns the summary dict (``onnx``: the model written, or None). Behaviour
(see ``protocol`` for the lines):

- SIGTERM/SIGINT set a flag that ``should_stop()`` reports; the loop stops at
  the next batch and the best model so far is written when one epoch was
  validated; exit status 128 + the signal (143, 130);
- ``ValueError``/``OSError`` from ``train``: ``ERROR <text>`` on stderr, exit 1;
- otherwise ``STOPPED <reason>`` when stopped early, ``RESULT <json>``
  last, exit 0 (1 when no model was written).

``OMP_WAIT_POLICY`` is set to PASSIVE (unless already set) before torch is
imported: busy-waiting OpenMP threads make two threads on a shared two-core
machine train about 10x slower than one.
"""
import json
import os
import signal
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import protocol  # noqa: E402

#: Summary keys echoed in the RESULT line.
RESULT_KEYS = ("onnx", "checkpoint", "card", "stopped", "best_epoch", "parameters", "patches_per_second",
               "seconds", "metrics", "init_report", "warnings")


def add_common_arguments(p, epochs=20, lr=1e-3):
    """The options every trainer takes (output, budget, device, seed, init, schedule)."""
    p.add_argument("--out", required=True, metavar="MODEL.onnx", help="ONNX file to write")
    p.add_argument("--epochs", type=int, default=epochs, help=f"epochs (default {epochs})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--lr", type=float, default=lr, help=f"Adam learning rate (default {lr:g})")
    p.add_argument("--schedule", choices=("plateau", "cosine", "constant"), default=None,
                   help="learning-rate schedule (default: the model's)")
    p.add_argument("--patience", type=int, default=None,
                   help="stop after this many epochs without a better validation loss (default: never)")
    p.add_argument("--init", default=None, metavar="WEIGHTS",
                   help="start from a .pt checkpoint/state dict, an .onnx of the same kind or a registered "
                        "pretrained name; default random")
    p.add_argument("--freeze-encoder-epochs", type=int, default=0,
                   help="keep the (pretrained) encoder frozen for the first K epochs (default 0)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop after this many minutes and write the best model so far")
    p.add_argument("--checkpoint", default="auto",
                   help="where to save the .pt checkpoint: 'auto' (next to --out), a path, or 'none'")
    p.add_argument("--card", default="auto",
                   help="model card to write: 'auto' (next to --out, .md), a path, or 'none'")
    return p


def optional_path(value):
    """None for 'none'/'' else the value ('auto' kept)."""
    return None if value is None or str(value).lower() in ("none", "") else value


def main(parser, train, argv=None):
    """Parse ``argv``, run ``train(args, emitter, should_stop)`` under the protocol; exit status out."""
    args = parser.parse_args(argv)
    stop = {"signal": None}

    def on_signal(signum, frame):
        stop["signal"] = signum

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emitter = protocol.Emitter()
    try:
        summary = train(args, emitter, lambda: stop["signal"] is not None)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"{protocol.ERROR} {exc}\n")
        return 1
    if summary.get("stopped"):
        protocol.emit(protocol.STOPPED, summary["stopped"])
    protocol.emit(protocol.RESULT, json.dumps({k: summary.get(k) for k in RESULT_KEYS if k in summary},
                                              default=str))
    if stop["signal"] is not None:
        return 128 + int(stop["signal"])
    if summary.get("onnx") is None:
        sys.stderr.write(f"{protocol.ERROR} training stopped before the first validation: no model was "
                         "written\n")
        return 1
    return 0
