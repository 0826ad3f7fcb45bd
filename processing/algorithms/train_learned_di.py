"""Processing algorithm "Train learned difference image model": runs the torch trainer as a subprocess.

QGIS's Python has no torch, so training runs in another interpreter:
``PYTHON -m sar_change.models.train --stack DIR ... --out MODEL.onnx`` (see
models/train.py for the command line and its stdout protocol), with
PYTHONPATH set to the folder holding the plugin so that ``sar_change``
imports. Its stdout is read line by line on a helper thread:

- ``PROGRESS <percent>`` -> feedback.setProgress;
- ``LOSS epoch=<e> train=<x> val=<y> ...`` and ``INFO``/``STOPPED`` lines -> feedback.pushInfo;
- ``RESULT <json>`` -> the summary (best epoch, metrics, checkpoint);
- anything else -> the console log.

The model (and the trainer's .pt checkpoint beside it) is written under a
temporary name in the destination folder and renamed when the trainer exits
with status 0. Cancelling sends SIGTERM to the trainer (it stops at the next
batch), kills it if it is still running after ``TERMINATE_TIMEOUT_S``
seconds, and removes every file written under the temporary name. A non-zero
exit raises QgsProcessingException with the last lines of the trainer's
stderr.

Testing seam: when the environment variable ``SAR_CHANGE_TRAINER`` names a
Python script, that script is run (``PYTHON script ARGS``) instead of
``-m sar_change.models.train``, with the same arguments; the tests use a
tiny fake trainer so the subprocess plumbing is checked without torch.
"""
import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from collections import deque

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...core import learned_di
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
#: Architectures offered, in enum order (the trainer's --arch values).
ARCHITECTURES = ("film", "bottleneck")
#: Seconds to wait for ``python -c "import torch"`` when looking for an interpreter.
TORCH_CHECK_TIMEOUT_S = 120

#: The plugin's package (``sar_change``) and the folder that holds it (put on the child's PYTHONPATH).
PACKAGE = __name__.split(".")[0]
PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN_PARENT = os.path.dirname(PLUGIN_DIR)

HELP = """<p>Trains a learned difference-image model (a conditional U-Net predicting the
target acquisition's VV and VH in dB from the N earlier acquisitions, the DEM and the
acquisition conditions; Alatalo, Sipola &amp; Rantonen 2023, IEEE TGRS 61) on one or more
stacks and saves it as ONNX for <i>Learned difference image</i>.</p>
<p>Training needs PyTorch, which QGIS's Python does not have: it runs in another Python
interpreter as <code>python -m sar_change.models.train</code>, whose progress and losses
appear here. Cancelling stops it and leaves no model behind.</p>
<h3>Parameters</h3>
<ul>
<li><b>Stack folders</b>: one folder per line, each holding acquisitions.csv, the acquisition
GeoTIFFs (VV, VH, linear power) and dem.tif, as written by <i>Simulate Sentinel-1
stack</i> (change_date.tif, when present, keeps changed pixels out of the loss).</li>
<li><b>Python with PyTorch</b>: the interpreter to run. Default: the python3 beside the
running Python if it can import torch, else the path stored in the QGIS setting
<code>sar_change/training_python</code>.</li>
<li><b>Epochs</b>: training passes, each over <b>Patches per epoch</b> (advanced, default
512) random 64 x 64 patches.</li>
<li><b>Earlier acquisitions (N)</b>: inputs per prediction (default 4).</li>
<li><b>Architecture</b>: FiLM (conditions modulate every U-Net block; Perez et al. 2018) or
bottleneck (conditions embedded at the U-Net bottleneck).</li>
<li><b>Initial weights</b> (optional): a .pt checkpoint or a learned-DI .onnx to start from
(transfer learning).</li>
<li><b>Seed</b>: random seed; the same data, settings and seed repeat a run.</li>
<li><b>Threads</b>, <b>Time limit</b> (advanced): torch threads; minutes after which
training stops and the best model so far is saved (0 = none).</li>
<li><b>Model</b>: the .onnx file written; the trainer's checkpoint (.pt, for transfer
learning) is written beside it.</li>
</ul>"""


def _can_import_torch(python):
    """True when ``python -c 'import torch'`` succeeds (within TORCH_CHECK_TIMEOUT_S seconds)."""
    try:
        proc = subprocess.run([python, "-c", "import torch"], capture_output=True,
                              timeout=TORCH_CHECK_TIMEOUT_S, env=_child_env())
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def default_python():
    """The interpreter used when none is given; QgsProcessingException with the fix when none is found.

    The 'python3' beside ``sys.executable`` (e.g. the venv QGIS or the tests run
    in) when it can import torch, else the QgsSettings value ``SETTINGS_KEY``.
    """
    candidate = os.path.join(os.path.dirname(sys.executable), "python3")
    if os.path.isfile(candidate) and _can_import_torch(candidate):
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


def parse_stack_folders(text):
    """Absolute stack folders from text: one per line or ';'-separated.

    A path to an acquisitions.csv stands for its folder. ValueError naming a
    folder without acquisitions.csv.
    """
    folders = []
    for line in str(text or "").replace(";", "\n").splitlines():
        path = line.strip().strip('"').strip("'")
        if not path:
            continue
        if os.path.isfile(path) and os.path.basename(path).lower().endswith(".csv"):
            path = os.path.dirname(path)
        path = os.path.abspath(path)
        if not os.path.isfile(os.path.join(path, "acquisitions.csv")):
            raise ValueError(tr("stack folder {path} holds no acquisitions.csv: give folders of stacks as "
                                "written by 'Simulate Sentinel-1 stack'").format(path=path))
        if path not in folders:
            folders.append(path)
    if not folders:
        raise ValueError(tr("give at least one stack folder (one per line)"))
    return folders


def _child_env():
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


def trainer_command(python, folders, out_path, epochs, inputs, arch, seed, init=None, threads=None,
                    max_minutes=None, patches_per_epoch=None):
    """The trainer's argument list (``SAR_CHANGE_TRAINER`` replaces ``-m sar_change.models.train``)."""
    script = os.environ.get(TRAINER_ENV)
    command = [python, script] if script else [python, "-m", f"{PACKAGE}.models.train"]
    for folder in folders:
        command += ["--stack", folder]
    command += ["--out", out_path, "--epochs", str(int(epochs)), "--inputs", str(int(inputs)),
                "--arch", arch, "--seed", str(int(seed))]
    if init:
        command += ["--init", init]
    if threads:
        command += ["--threads", str(int(threads))]
    if max_minutes:
        command += ["--max-minutes", repr(float(max_minutes))]
    if patches_per_epoch:
        command += ["--patches-per-epoch", str(int(patches_per_epoch))]
    return command


def parse_loss(line):
    """The key=value fields of a 'LOSS epoch=3 train=0.1 val=0.2' line as a dict (numbers as float)."""
    fields = {}
    for item in line.split()[1:]:
        key, sep, value = item.partition("=")
        if sep:
            try:
                fields[key] = float(value)
            except ValueError:
                fields[key] = value
    return fields


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


class TrainLearnedDiAlgorithm(common.SarChangeAlgorithm):
    """Train a learned-DI model in a Python with torch, streaming its progress."""

    STACK_FOLDERS = "STACK_FOLDERS"
    PYTHON = "PYTHON"
    EPOCHS = "EPOCHS"
    INPUTS = "INPUTS"
    ARCH = "ARCH"
    INIT = "INIT"
    SEED = "SEED"
    THREADS = "THREADS"
    MAX_MINUTES = "MAX_MINUTES"
    PATCHES_PER_EPOCH = "PATCHES_PER_EPOCH"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    CHECKPOINT = "CHECKPOINT"
    BEST_EPOCH = "BEST_EPOCH"
    VAL_LOSS = "VAL_LOSS"
    VAL_MAE_DB = "VAL_MAE_DB"

    def name(self):
        return "trainlearneddi"

    def displayName(self):
        return tr("Train learned difference image model")

    def group(self):
        return tr("Learned difference image")

    def groupId(self):
        return "learneddi"

    def shortHelpString(self):
        return tr(HELP)

    def createInstance(self):
        return TrainLearnedDiAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterString(
            self.STACK_FOLDERS, tr("Stack folders (one per line)"), multiLine=True))
        self.addParameter(QgsProcessingParameterFile(
            self.PYTHON, tr("Python with PyTorch (default: python3 beside QGIS's Python, or the setting "
                            "sar_change/training_python)"),
            behavior=QgsProcessingParameterFile.File, optional=True, fileFilter=tr("All files (*)")))
        self.addParameter(number(self.EPOCHS, tr("Epochs"), type=number.Integer, defaultValue=20,
                                 minValue=1))
        self.addParameter(number(self.INPUTS, tr("Earlier acquisitions per prediction (N)"),
                                 type=number.Integer, defaultValue=4, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.ARCH, tr("Architecture"),
            options=[tr("FiLM (conditions in every block)"), tr("Bottleneck (conditions at the bottleneck)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.INIT, tr("Initial weights for transfer learning (.pt or .onnx)"),
            behavior=QgsProcessingParameterFile.File, optional=True, fileFilter=tr("All files (*)")))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=0,
                                 minValue=0))
        threads = number(self.THREADS, tr("Torch threads"), type=number.Integer, defaultValue=2, minValue=1)
        minutes = number(self.MAX_MINUTES, tr("Time limit (minutes; 0 = none)"), type=number.Double,
                         defaultValue=0.0, minValue=0.0)
        patches = number(self.PATCHES_PER_EPOCH, tr("Patches per epoch"), type=number.Integer,
                         defaultValue=512, minValue=1)
        for param in (threads, minutes, patches):
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Model"), fileFilter=tr("ONNX models (*.onnx)")))
        self.addOutput(QgsProcessingOutputFile(self.CHECKPOINT, tr("Checkpoint (.pt)")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, tr("Best epoch")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_LOSS, tr("Validation loss at the best epoch")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_MAE_DB,
                                                 tr("Validation MAE at the best epoch (dB)")))

    def validate(self, parameters, context):
        """Refuse an empty or wrong stack folder list, and stacks the trainer cannot learn from.

        The trainer reads the stack images as linear power: each stack's
        images are checked for valid pixels and against that scale both ways,
        its DEM for valid pixels and its conditions for missing values
        (``common.check_learned_inputs``), before any training starts. The
        model destination (and the .onnx name it gets) must not be an input.
        """
        folders = parse_stack_folders(self.parameterAsString(parameters, self.STACK_FOLDERS, context))
        for folder in folders:
            table = os.path.join(folder, "acquisitions.csv")
            try:
                rows = learned_di.read_stack(table)
            except ValueError as exc:
                raise QgsProcessingException(tr("Stack {path}: {error}").format(path=folder, error=exc)) \
                    from exc
            step = max(1, len(rows) // 8)  # a bounded sample of the images; every row's conditions
            images = [r["path"] for r in rows[::step]]
            common.check_learned_inputs(images, common.SCALE_CHOICES[0],
                                        os.path.join(folder, "dem.tif"), rows,
                                        tr("acquisitions table '{path}'").format(path=table))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        init = self.parameterAsFile(parameters, self.INIT, context)
        if destination and init:
            onnx = destination if destination.lower().endswith(".onnx") else destination + ".onnx"
            stem = os.path.splitext(onnx)[0]
            if any(common.same_file(init, p) for p in (onnx, stem + ".pt")):
                raise QgsProcessingException(tr(
                    "Output 'Model' ({path}) must not overwrite the initial weights {init}: choose another "
                    "model file").format(path=onnx, init=init))

    def processAlgorithm(self, parameters, context, feedback):
        try:
            folders = parse_stack_folders(self.parameterAsString(parameters, self.STACK_FOLDERS, context))
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        python = self.parameterAsFile(parameters, self.PYTHON, context) or default_python()
        if not os.path.isfile(python):
            raise QgsProcessingException(tr("Python interpreter {path} does not exist: give the path of a "
                                            "python3 that has PyTorch").format(path=python))
        init = self.parameterAsFile(parameters, self.INIT, context) or None
        if init and not os.path.isfile(init):
            raise QgsProcessingException(tr("Initial weights {path} do not exist").format(path=init))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        if not destination.lower().endswith(".onnx"):
            destination += ".onnx"
        folder = os.path.dirname(os.path.abspath(destination))
        os.makedirs(folder, exist_ok=True)
        stem = os.path.splitext(os.path.basename(destination))[0]
        prefix = os.path.join(folder, f".{stem}.{uuid.uuid4().hex[:8]}.partial")
        command = trainer_command(
            python, folders, prefix + ".onnx",
            epochs=self.parameterAsInt(parameters, self.EPOCHS, context),
            inputs=self.parameterAsInt(parameters, self.INPUTS, context),
            arch=ARCHITECTURES[self.parameterAsEnum(parameters, self.ARCH, context)],
            seed=self.parameterAsInt(parameters, self.SEED, context), init=init,
            threads=self.parameterAsInt(parameters, self.THREADS, context),
            max_minutes=self.parameterAsDouble(parameters, self.MAX_MINUTES, context),
            patches_per_epoch=self.parameterAsInt(parameters, self.PATCHES_PER_EPOCH, context))
        feedback.pushCommandInfo(" ".join(_quote(c) for c in command))

        try:
            status, summary, stderr = self._run(command, feedback)
        except BaseException:
            _remove_partial(prefix)
            raise
        if status is None:  # cancelled
            _remove_partial(prefix)
            feedback.pushInfo(tr("Cancelled: the trainer was stopped and no model was written."))
            return {}
        if status != 0:
            _remove_partial(prefix)
            tail = "\n".join(stderr[-STDERR_LINES:]) or tr("(nothing on stderr)")
            hint = ""
            if "No module named 'torch'" in tail or "No module named torch" in tail:
                hint = tr(" {python} has no PyTorch: install it there (python -m pip install torch) or give "
                          "another interpreter.").format(python=python)
            raise QgsProcessingException(tr("Training failed (exit status {status}).{hint} Last lines of the "
                                            "trainer's error output:\n{tail}").format(
                status=status, hint=hint, tail=tail))
        if not os.path.isfile(prefix + ".onnx"):
            _remove_partial(prefix)
            raise QgsProcessingException(tr("The trainer exited without writing a model: see the log above"))
        renamed = _publish(prefix, destination)
        results = {self.OUTPUT_MODEL: destination}
        checkpoint = renamed.get(".pt")
        if checkpoint:
            results[self.CHECKPOINT] = checkpoint
        summary = summary or {}
        metrics = summary.get("metrics") or {}
        for key, value in ((self.BEST_EPOCH, summary.get("best_epoch")),
                           (self.VAL_LOSS, metrics.get("val_loss")),
                           (self.VAL_MAE_DB, metrics.get("val_mae_db"))):
            if isinstance(value, (int, float)):
                results[key] = value
        feedback.pushInfo(tr("Model written: {path}").format(path=destination))
        return results

    def _run(self, command, feedback):
        """Run the trainer; returns (exit status or None when cancelled, RESULT summary, stderr lines)."""
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    encoding="utf-8", errors="replace", bufsize=1, env=_child_env())
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
                    summary = self._handle(line, feedback) or summary
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

    def _handle(self, line, feedback):
        """Act on one stdout line of the trainer; returns the RESULT summary when the line is one."""
        word = line.split(" ", 1)[0]
        rest = line[len(word):].strip()
        if word == "PROGRESS":
            try:
                feedback.setProgress(max(0.0, min(100.0, float(rest))))
            except ValueError:
                feedback.pushConsoleInfo(line)
        elif word == "LOSS":
            fields = parse_loss(line)
            epoch = fields.get("epoch")
            feedback.pushInfo(tr("Epoch {epoch}: training loss {train}, validation loss {val}{extra}").format(
                epoch=int(epoch) if isinstance(epoch, float) else epoch, train=fields.get("train"),
                val=fields.get("val"),
                extra=(tr(", validation MAE {mae} dB").format(mae=fields["val_mae_db"])
                       if "val_mae_db" in fields else "")))
        elif word in ("INFO", "STOPPED"):
            feedback.pushInfo(rest if word == "INFO" else tr("Trainer stopped: {reason}").format(reason=rest))
        elif word == "RESULT":
            try:
                return json.loads(rest)
            except json.JSONDecodeError:
                feedback.pushConsoleInfo(line)
        else:
            feedback.pushConsoleInfo(line)
        return None


def _quote(arg):
    return f'"{arg}"' if (" " in arg or not arg) else arg


def _partial_files(prefix):
    folder, base = os.path.split(prefix)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.startswith(base)]


def _remove_partial(prefix):
    """Delete every file whose name starts with the temporary ``prefix`` (model, checkpoint, .partial)."""
    for path in _partial_files(prefix):
        try:
            os.remove(path)
        except OSError:
            pass


def _publish(prefix, destination):
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
