"""Run a model trainer in another Python (with torch) from a QGIS Processing algorithm.

QGIS's Python has no torch, so every training algorithm starts its trainer as
a subprocess: ``PYTHON -m sar_change.models.<trainer> ARGS`` with PYTHONPATH
set to the folder holding the plugin (so ``sar_change`` imports) and reads
its stdout line by line on helper threads (the protocol of
``models.framework.protocol``):

- ``PROGRESS <percent>`` -> feedback.setProgress;
- ``LOSS epoch=<e> train=<x> val=<y> ...`` and ``INFO``/``STOPPED`` lines -> feedback.pushInfo;
- ``RESULT <json>`` -> the summary returned to the algorithm;
- anything else (and stderr) -> the console log.

``train_model`` writes the model (and every file the trainer writes beside
it: .pt checkpoint, .md card) under a temporary name in the destination
folder and renames them when the trainer exits with status 0. Cancelling
sends SIGTERM (the trainer stops at its next batch), kills it after
``TERMINATE_TIMEOUT_S`` seconds, and removes every temporary file. A non-zero
exit raises QgsProcessingException with the last lines of its stderr.

``TrainingAlgorithm`` is the base of the training algorithms: the
parameters they share (ids, descriptions, defaults, ranges), the check of the
initial weights, the trainer run with the shared arguments and the outputs.

Testing seam: when the environment variable ``SAR_CHANGE_TRAINER`` names a
Python script, that script is run (``PYTHON script ARGS``) instead of the
trainer module; the tests use a fake trainer without torch.
"""
import os
import queue
import subprocess
import sys
import threading
import uuid
from collections import deque
from contextlib import contextmanager

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...models import onnx_runtime
from ...models.framework import protocol
from ...models.framework import runner as framework_runner
from .. import provider_settings
from . import common
from .common import tr

#: QgsSettings key of the Python interpreter (with torch) used for training.
SETTINGS_KEY = "sar_change/training_python"
#: Environment variable naming a script run instead of the trainer module (tests, custom trainers).
TRAINER_ENV = "SAR_CHANGE_TRAINER"
#: Seconds between SIGTERM and kill on cancel (the trainer stops at its next batch, then saves).
TERMINATE_TIMEOUT_S = 30.0
#: Lines of the trainer's stderr quoted in an error.
STDERR_LINES = 20
#: Seconds to wait for ``python -c "import torch"`` when looking for an interpreter.
TORCH_CHECK_TIMEOUT_S = 120

#: The plugin's package (``sar_change``) and the folder that holds it (put on the child's PYTHONPATH).
PACKAGE = __name__.split(".")[0]
PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN_PARENT = os.path.dirname(PLUGIN_DIR)


def child_env():
    """The trainer's environment: PYTHONPATH starting with the plugin's parent folder, unbuffered output.

    PYTHONHOME (set by some QGIS installers for their own Python) is dropped:
    it would point another interpreter at the wrong standard library.
    """
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    paths = [PLUGIN_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def can_import_torch(python):
    """True when ``python -c 'import torch'`` succeeds (within TORCH_CHECK_TIMEOUT_S seconds)."""
    try:
        proc = subprocess.run([python, "-c", "import torch"], capture_output=True,
                              timeout=TORCH_CHECK_TIMEOUT_S, env=child_env())
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def default_python():
    """The interpreter used when none is given; QgsProcessingException with the fix when none is found.

    The 'python3' beside ``sys.executable`` (e.g. the venv QGIS or the tests run
    in) when it can import torch, else the QgsSettings value ``SETTINGS_KEY``.
    """
    candidate = os.path.join(os.path.dirname(sys.executable), "python3")
    if os.path.isfile(candidate) and can_import_torch(candidate):
        return candidate
    setting = provider_settings.training_python()  # Processing options, else SETTINGS_KEY
    if setting:
        if not os.path.isfile(str(setting)):
            raise QgsProcessingException(tr(
                "The Python interpreter {path} set in the QGIS setting {key} does not exist: fix the setting "
                "or give the interpreter as 'Python with PyTorch'").format(path=setting, key=SETTINGS_KEY))
        return str(setting)
    raise QgsProcessingException(tr(
        "No Python interpreter with PyTorch found ({candidate} cannot import torch and the QGIS setting "
        "{key} is empty): install torch (python -m pip install torch) into a Python 3 and give it as "
        "'Python with PyTorch', or store its path in the setting {key}").format(
            candidate=candidate, key=SETTINGS_KEY))


def python_parameter(name):
    """The optional 'Python with PyTorch' file parameter every training algorithm offers."""
    return QgsProcessingParameterFile(
        name, tr("Python with PyTorch (default: python3 beside QGIS's Python, or the setting "
                 "sar_change/training_python)"),
        behavior=QgsProcessingParameterFile.File, optional=True, fileFilter=tr("All files (*)"))


def resolve_python(path):
    """``path`` (the algorithm's PYTHON parameter) or ``default_python()``; checked to exist."""
    python = path or default_python()
    if not os.path.isfile(python):
        raise QgsProcessingException(tr("Python interpreter {path} does not exist: give the path of a "
                                        "python3 that has PyTorch").format(path=python))
    return python


def trainer_command(python, module, arguments):
    """[python, -m sar_change.<module>, *arguments] (``SAR_CHANGE_TRAINER`` replaces ``-m module``)."""
    script = os.environ.get(TRAINER_ENV)
    head = [python, script] if script else [python, "-m", f"{PACKAGE}.{module}"]
    return head + [str(a) for a in arguments]


def stop_process(proc, timeout=None):
    """SIGTERM ``proc``, then kill it if it has not exited after ``timeout`` seconds; returns its status."""
    timeout = TERMINATE_TIMEOUT_S if timeout is None else timeout
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _reader(stream, tag, out_queue, keep=None):
    """Put each line of ``stream`` on ``out_queue`` as (tag, line); (tag, None) at the end."""
    try:
        for line in iter(stream.readline, ""):
            line = line.rstrip("\r\n")
            if keep is not None:
                keep.append(line)
            out_queue.put((tag, line))
    finally:
        out_queue.put((tag, None))


def show_line(line, feedback):
    """Act on one stdout line of a trainer; returns the RESULT summary when the line is one."""
    word, payload = protocol.parse(line)
    if word == protocol.PROGRESS:
        feedback.setProgress(payload)
    elif word == protocol.LOSS:
        epoch = payload.get("epoch")
        epoch = int(epoch) if isinstance(epoch, float) else epoch
        mae = (tr(", validation MAE {mae} dB").format(mae=payload["val_mae_db"])
               if "val_mae_db" in payload else "")
        if epoch == 0:
            feedback.pushInfo(tr("Initial model: validation loss {val}{extra}").format(
                val=payload.get("val"), extra=mae))
        else:
            feedback.pushInfo(tr("Epoch {epoch}: training loss {train}, validation loss {val}{extra}").format(
                epoch=epoch, train=payload.get("train"), val=payload.get("val"), extra=mae))
    elif word == protocol.INFO:
        feedback.pushInfo(payload)
    elif word == protocol.STOPPED:
        feedback.pushInfo(tr("Trainer stopped: {reason}").format(reason=payload))
    elif word == protocol.RESULT:
        return payload
    else:
        feedback.pushConsoleInfo(line)
    return None


def run_trainer(command, feedback):
    """Run a trainer command; returns (exit status or None when cancelled, RESULT summary, stderr lines)."""
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace", bufsize=1, env=child_env())
    except OSError as exc:
        raise QgsProcessingException(tr("Cannot start {python}: {error}").format(
            python=command[0], error=exc)) from exc
    lines = queue.Queue()
    stderr = deque(maxlen=200)
    readers = [threading.Thread(target=_reader, args=(proc.stdout, "out", lines), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr, "err", lines, stderr), daemon=True)]
    for reader in readers:
        reader.start()
    summary = None
    open_streams = 2
    cancelled = False
    try:
        while open_streams:
            if feedback.isCanceled():
                cancelled = True
                feedback.pushInfo(tr("Stopping the trainer..."))
                stop_process(proc)
                break
            try:
                tag, line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                open_streams -= 1
            elif tag == "err":
                feedback.pushConsoleInfo(line)
            else:
                summary = show_line(line, feedback) or summary
        if not cancelled:
            proc.wait()
    finally:
        if proc.poll() is None:  # an exception in the loop: never leave the trainer running
            stop_process(proc)
        for reader in readers:
            reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    return (None if cancelled else proc.returncode), summary, list(stderr)


def quote(arg):
    return f'"{arg}"' if (" " in arg or not arg) else arg


def onnx_destination(path):
    """``path`` with .onnx appended when it lacks it; its folder is created."""
    if not path.lower().endswith(".onnx"):
        path += ".onnx"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return path


def partial_prefix(destination):
    """A unique temporary name prefix beside ``destination`` (hidden, ends in .partial)."""
    folder = os.path.dirname(os.path.abspath(destination))
    stem = os.path.splitext(os.path.basename(destination))[0]
    return os.path.join(folder, f".{stem}.{uuid.uuid4().hex[:8]}.partial")


def _partial_files(prefix):
    folder, base = os.path.split(prefix)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.startswith(base)]


def remove_partial(prefix):
    """Delete every file whose name starts with the temporary ``prefix`` (model, checkpoint, .partial)."""
    for path in _partial_files(prefix):
        try:
            os.remove(path)
        except OSError:
            pass


def publish(prefix, destination):
    """Rename prefix.onnx to ``destination`` and prefix<rest> to <destination stem><rest>; {rest: path}."""
    stem = os.path.splitext(destination)[0]
    renamed = {}
    for path in sorted(_partial_files(prefix), key=lambda p: not p.endswith(".onnx")):
        rest = path[len(prefix):]
        if rest.endswith(".partial"):  # the trainer's own temporary file: never published
            os.remove(path)
            continue
        target = destination if rest == ".onnx" else stem + rest
        os.replace(path, target)
        renamed[rest] = target
    return renamed


def train_model(python, module, arguments, destination, feedback):
    """Run ``module`` with ``arguments(partial_onnx_path)`` and publish its model as ``destination``.

    Returns (files, summary): files maps '.onnx', '.pt', '.md', ... to the
    published paths; (None, None) when cancelled (nothing left behind).
    Raises QgsProcessingException when the trainer fails (stderr quoted).
    """
    destination = onnx_destination(destination)
    prefix = partial_prefix(destination)
    command = trainer_command(python, module, arguments(prefix + ".onnx"))
    feedback.pushCommandInfo(" ".join(quote(c) for c in command))
    try:
        status, summary, stderr = run_trainer(command, feedback)
    except BaseException:
        remove_partial(prefix)
        raise
    if status is None:
        remove_partial(prefix)
        feedback.pushInfo(tr("Cancelled: the trainer was stopped and no model was written."))
        return None, None
    if status != 0:
        remove_partial(prefix)
        tail = "\n".join(stderr[-STDERR_LINES:]) or tr("(nothing on stderr)")
        hint = ""
        if "No module named 'torch'" in tail or "No module named torch" in tail:
            hint = tr(" {python} has no PyTorch: install it there (python -m pip install torch) or give "
                      "another interpreter.").format(python=python)
        raise QgsProcessingException(tr("Training failed (exit status {status}).{hint} Last lines of the "
                                        "trainer's error output:\n{tail}").format(
            status=status, hint=hint, tail=tail))
    if not os.path.isfile(prefix + ".onnx"):
        remove_partial(prefix)
        raise QgsProcessingException(tr("The trainer exited without writing a model: see the log above"))
    files = publish(prefix, destination)
    feedback.pushInfo(tr("Model written: {path}").format(path=destination))
    return files, summary or {}


def parse_folder_list(text, markers, problem, empty=None):
    """Absolute folders from text: one per line or ';'-separated; a path to a .csv stands for its folder.

    ``markers``: file names one of which every folder must hold; ``problem``:
    the ValueError text for a folder without any, formatted with ``path``.
    Raises ValueError (``empty``, or a generic text) when no folder is given.
    """
    folders = []
    for line in str(text or "").replace(";", "\n").splitlines():
        path = line.strip().strip('"').strip("'")
        if not path:
            continue
        if os.path.isfile(path) and os.path.basename(path).lower().endswith(".csv"):
            path = os.path.dirname(path)
        path = os.path.abspath(path)
        if not any(os.path.isfile(os.path.join(path, name)) for name in markers):
            raise ValueError(problem.format(path=path))
        if path not in folders:
            folders.append(path)
    if not folders:
        raise ValueError(empty or tr("give at least one folder (one per line)"))
    return folders


def folder_arguments(flag, folders):
    """``[flag, folder]`` for each folder, flattened (e.g. ``--pairs A --pairs B``)."""
    return [arg for folder in folders for arg in (flag, folder)]


def budget_arguments(init=None, threads=None, max_minutes=None, patches_per_epoch=None):
    """The optional trainer arguments every training algorithm passes (--init, --threads, --max-minutes,
    --patches-per-epoch), for the values that are set."""
    arguments = []
    if init:
        arguments += ["--init", init]
    if threads:
        arguments += ["--threads", str(int(threads))]
    if max_minutes:
        arguments += ["--max-minutes", repr(float(max_minutes))]
    if patches_per_epoch:
        arguments += ["--patches-per-epoch", str(int(patches_per_epoch))]
    return arguments


def metric_outputs(summary, keys):
    """{output name: value} for (output name, summary path) pairs whose value is a number.

    A summary path is a key, or 'metrics.<key>'.
    """
    out = {}
    for name, path in keys:
        value = summary
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, (int, float)):
            out[name] = value
    return out


def init_weights_problem(path, kind):
    """Why the initial weights file ``path`` cannot start a ``kind`` model, or None (QGIS side, no torch).

    Refused: a missing file, a file that is neither a .pt checkpoint nor an .onnx model, an .onnx that
    does not load or is of another kind (checked when onnxruntime is installed).
    """
    if not os.path.isfile(path):
        return tr("Initial weights {path} do not exist: give a .pt checkpoint or an .onnx model").format(
            path=path)
    if os.path.splitext(path)[1].lower() not in (".pt", ".onnx"):
        return tr("Initial weights {path} are neither a .pt checkpoint nor an .onnx model: give one of "
                  "those (or start from random weights)").format(path=path)
    if path.lower().endswith(".onnx") and onnx_runtime.available():
        try:
            framework_runner.load(path, kind=kind, threads=1)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for unreadable files
            return tr("Initial weights {path}: {error}; give a '{kind}' model (or a .pt checkpoint)").format(
                path=path, error=str(exc).splitlines()[0][:300], kind=kind)
    return None


def weights_file_parameter(name, description):
    """The optional initial-weights file parameter (a .pt checkpoint or an .onnx model)."""
    return QgsProcessingParameterFile(name, description, behavior=QgsProcessingParameterFile.File,
                                      optional=True, fileFilter=tr("All files (*)"))


@contextmanager
def refused_values():
    """Turn a ValueError (a value the algorithm cannot use; message: the fix) into QgsProcessingException."""
    try:
        yield
    except ValueError as exc:
        raise QgsProcessingException(str(exc)) from exc


class TrainingAlgorithm(common.SarChangeAlgorithm):
    """Base of the algorithms that train a model in a Python with torch (``train_model``).

    What they share lives here, so that ids, descriptions, defaults and ranges
    are the same in every one of them: ``shared_parameter`` (PYTHON, EPOCHS,
    SEED, THREADS, MAX_MINUTES, PATCHES_PER_EPOCH), ``add_model_outputs``
    (OUTPUT_MODEL and the outputs every trainer reports), ``initial_weights``
    (the INIT file check) and ``train`` (the trainer run with the shared
    arguments and the results). Each algorithm adds its parameters in its own
    order and sets TRAINER_MODULE and METRICS.
    """

    PYTHON = "PYTHON"
    INIT = "INIT"
    EPOCHS = "EPOCHS"
    SEED = "SEED"
    THREADS = "THREADS"
    MAX_MINUTES = "MAX_MINUTES"
    PATCHES_PER_EPOCH = "PATCHES_PER_EPOCH"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    CHECKPOINT = "CHECKPOINT"
    CARD = "CARD"
    BEST_EPOCH = "BEST_EPOCH"

    #: The trainer's module under the plugin package (``python -m sar_change.<module>``).
    TRAINER_MODULE = ""
    #: (output id, path in the trainer's RESULT summary) of the numbers returned besides the best epoch.
    METRICS = ()

    def shared_parameter(self, name, default=None):
        """The parameter ``name`` as every training algorithm offers it.

        ``default``: the default of EPOCHS, MAX_MINUTES (minutes) and
        PATCHES_PER_EPOCH, which differ between trainers; SEED defaults to 0 and
        THREADS (torch threads) to 2.
        """
        number = QgsProcessingParameterNumber
        if name == self.PYTHON:
            return python_parameter(name)
        if name == self.MAX_MINUTES:
            return number(name, tr("Time limit (minutes; 0 = none)"), type=number.Double,
                          defaultValue=default, minValue=0.0)
        integers = {self.EPOCHS: (tr("Epochs"), default, 1),
                    self.SEED: (tr("Random seed"), 0, 0),
                    self.THREADS: (tr("Torch threads"), 2, 1),
                    self.PATCHES_PER_EPOCH: (tr("Patches per epoch"), default, 1)}
        description, value, minimum = integers[name]
        return number(name, description, type=number.Integer, defaultValue=value, minValue=minimum)

    def add_shared_parameters(self, *specs, advanced=False):
        """Add shared parameters in the order given; a spec is a name or (name, default)."""
        for spec in specs:
            name, default = (spec, None) if isinstance(spec, str) else spec
            parameter = self.shared_parameter(name, default)
            if advanced:
                self.add_advanced_parameter(parameter)
            else:
                self.addParameter(parameter)

    def add_model_outputs(self, metrics, card=True):
        """The model destination (the last parameter), then the outputs: checkpoint, model card (when
        ``card``), best epoch and ``metrics`` ((output id, description) pairs, as in METRICS)."""
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Model"), fileFilter=tr("ONNX models (*.onnx)")))
        self.addOutput(QgsProcessingOutputFile(self.CHECKPOINT, tr("Checkpoint (.pt)")))
        if card:
            self.addOutput(QgsProcessingOutputFile(self.CARD, tr("Model card (.md)")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, tr("Best epoch")))
        for name, description in metrics:
            self.addOutput(QgsProcessingOutputNumber(name, description))

    def initial_weights(self, parameters, context, kind=None):
        """The INIT file (None when empty); ValueError when it is missing, or when ``kind`` is given and
        it cannot start a model of that kind (``init_weights_problem``), or when the model written
        (OUTPUT_MODEL, or the checkpoint the trainer writes beside it) would overwrite it."""
        init = self.parameterAsFile(parameters, self.INIT, context) or None
        if not init:
            return None
        if kind:
            problem = init_weights_problem(init, kind)
        elif not os.path.isfile(init):
            problem = tr("Initial weights {path} do not exist").format(path=init)
        else:
            problem = None
        if problem:
            raise ValueError(problem)
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        if destination:
            onnx = destination if destination.lower().endswith(".onnx") else destination + ".onnx"
            # The output policy checks OUTPUT_MODEL; the <model>.pt the trainer also writes is named by
            # no parameter.
            if any(common.same_file(init, p) for p in (onnx, os.path.splitext(onnx)[0] + ".pt")):
                raise ValueError(tr(
                    "Output 'Model' ({path}) must not overwrite the initial weights {init}: choose another "
                    "model file").format(path=onnx, init=init))
        return init

    def train(self, parameters, context, feedback, arguments, init=None):
        """Run TRAINER_MODULE, publish its model as OUTPUT_MODEL and return the algorithm's results.

        ``arguments(partial_onnx)``: the trainer arguments of this algorithm
        (its inputs, ``--out partial_onnx``, its own options); the shared ones
        follow (--epochs, --seed, and --init, --threads, --max-minutes,
        --patches-per-epoch when set). ``init``: the initial weights (a path or
        a registered name). Returns {} when cancelled.
        """
        python = resolve_python(self.parameterAsFile(parameters, self.PYTHON, context))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        shared = ["--epochs", str(self.parameterAsInt(parameters, self.EPOCHS, context)),
                  "--seed", str(self.parameterAsInt(parameters, self.SEED, context))]
        shared += budget_arguments(init, self.parameterAsInt(parameters, self.THREADS, context),
                                   self.parameterAsDouble(parameters, self.MAX_MINUTES, context),
                                   self.parameterAsInt(parameters, self.PATCHES_PER_EPOCH, context))
        files, summary = train_model(python, self.TRAINER_MODULE, lambda partial: arguments(partial) + shared,
                                     destination, feedback)
        return self.model_results(files, summary)

    def model_results(self, files, summary):
        """The results of a ``train_model`` run ({} when cancelled): the model, the checkpoint and card
        when the algorithm has those outputs, the best epoch and METRICS."""
        if files is None:
            return {}
        results = {self.OUTPUT_MODEL: files[".onnx"]}
        for name, rest in ((self.CHECKPOINT, ".pt"), (self.CARD, ".md")):
            if files.get(rest) and self.outputDefinition(name) is not None:
                results[name] = files[rest]
        results.update(metric_outputs(summary, ((self.BEST_EPOCH, "best_epoch"),) + tuple(self.METRICS)))
        return results
