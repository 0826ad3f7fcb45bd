"""Optional Python packages of the plugin: check them, install them into a plugin-owned folder.

QGIS-free (no Qt, no qgis import), so Processing algorithms, the dialog and the
tests share it. The packages go into a folder of their own with
``pip install --target`` (PEP 668's externally-managed marker does not apply to
a target folder, so this works with Debian's system Python too), constrained to
the numpy of the running Python; the folder is appended to ``sys.path`` at plugin
load, after the interpreter's own site-packages, so QGIS's numpy, scipy and
GDAL always win over the copies pip puts beside the new packages.
"""
import glob
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

#: Seconds allowed for probing an interpreter (``python -c ...``).
PROBE_TIMEOUT_S = 30


@dataclass(frozen=True)
class Package:
    """An optional dependency: import name, pip requirement and what it is for."""

    module: str
    requirement: str
    purpose: str


ONNXRUNTIME = Package("onnxruntime", "onnxruntime", "apply ONNX models (learned DI, saved SVM models)")
SKLEARN = Package("sklearn", "scikit-learn", "train the SVM change classifier")
SKL2ONNX = Package("skl2onnx", "skl2onnx", "save trained SVM models as .onnx")
#: Every optional package, in install order.
OPTIONAL = (ONNXRUNTIME, SKLEARN, SKL2ONNX)

#: What each algorithm needs: a list of groups, each satisfied by ANY package of the group.
REQUIREMENTS = {
    "learneddi": ((ONNXRUNTIME,),),
    "segment": ((ONNXRUNTIME,),),
    "sartooptical": ((ONNXRUNTIME,),),
    "svmchange": ((SKLEARN, ONNXRUNTIME),),
}


def is_available(package):
    """True when ``package`` can be imported by this Python (found on sys.path; not imported)."""
    importlib.invalidate_caches()
    try:
        return importlib.util.find_spec(package.module) is not None
    except (ImportError, ValueError):
        return False


def missing_packages(packages=OPTIONAL):
    """The packages of ``packages`` that this Python cannot import."""
    return [p for p in packages if not is_available(p)]


def unmet_requirements(algorithm_name):
    """Groups of packages needed by ``algorithm_name`` of which none is importable (empty: runnable)."""
    return [group for group in REQUIREMENTS.get(algorithm_name, ()) if not any(map(is_available, group))]


def default_folder(profile_dir):
    """Plugin-owned folder for this Python's packages: ``<profile>/python/sar_change_dependencies/pyXY``.

    Per Python version, since binary wheels (onnxruntime) only fit one.
    """
    version = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(profile_dir, "python", "sar_change_dependencies", version)


def add_to_sys_path(folder):
    """Append ``folder`` to sys.path (after site-packages) when it exists; True when added now."""
    if not folder or not os.path.isdir(folder):
        return False
    folder = os.path.abspath(folder)
    if folder in (os.path.abspath(p) for p in sys.path if p):
        return False
    sys.path.append(folder)
    importlib.invalidate_caches()
    return True


# --------------------------------------------------------------------------- interpreter and pip

def _version_tag():
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def _python_candidates():
    """Paths that may be this process's Python interpreter (QGIS's sys.executable is often QGIS itself)."""
    version = _version_tag()
    exe = sys.executable or ""
    candidates = []
    if os.path.basename(exe).lower().startswith("python"):
        candidates.append(exe)
    for base in dict.fromkeys((sys.exec_prefix, sys.prefix, os.path.dirname(exe))):
        if not base:
            continue
        if os.name == "nt":  # OSGeo4W / standalone installer: apps/Python3x/python.exe
            candidates += [os.path.join(base, "python.exe"), os.path.join(base, "python3.exe")]
        else:  # Linux /usr/bin/python3.x; macOS QGIS.app Python.framework/Versions/3.x/bin
            candidates += [os.path.join(base, "bin", f"python{version}"),
                           os.path.join(base, "bin", "python3")]
    candidates += [shutil.which(f"python{version}"), shutil.which("python3"), shutil.which("python")]
    return [c for c in dict.fromkeys(candidates) if c and os.path.isfile(c)]


#: No console window flashing up for each probe on Windows.
NO_WINDOW = {"creationflags": subprocess.CREATE_NO_WINDOW} if os.name == "nt" else {}


def _run(command, timeout=PROBE_TIMEOUT_S, env=None):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, **NO_WINDOW)
    except (OSError, subprocess.SubprocessError):
        return None


def find_python():
    """Path of an interpreter with this process's Python version (major.minor), or None."""
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in _python_candidates():
        proc = _run([candidate, "-c", probe])
        if proc is not None and proc.returncode == 0 and proc.stdout.strip() == _version_tag():
            return candidate
    return None


def _bundled_pip_wheels():
    """pip wheels shipped with this Python (ensurepip's, or Debian's /usr/share/python-wheels)."""
    folders = [os.path.join(os.path.dirname(p), "_bundled") for p in _module_paths("ensurepip")]
    folders.append("/usr/share/python-wheels")
    return [w for f in folders for w in sorted(glob.glob(os.path.join(f, "pip-*.whl")))]


def _module_paths(name):
    spec = importlib.util.find_spec(name)
    return [spec.origin] if spec is not None and spec.origin else []


def find_pip(python, work_dir):
    """A command list that runs pip for ``python``, trying in turn:

    1. ``python -m pip`` (pip installed beside that Python);
    2. ``python <pip wheel>/pip``: the pip wheel ensurepip bundles, run from the zip;
    3. a throw-away venv in ``work_dir`` (``python -m venv``), whose pip serves the same Python version.

    Returns ``(command, how)`` or ``(None, reasons)`` when none works.
    """
    reasons = []
    for command, how in [([python, "-m", "pip"], "python -m pip")] + [
            ([python, os.path.join(w, "pip")], f"pip wheel {w}") for w in _bundled_pip_wheels()]:
        proc = _run(command + ["--version"])
        if proc is not None and proc.returncode == 0:
            return command, how
        reasons.append(f"{how}: {(proc.stderr or proc.stdout).strip()[-200:] if proc else 'cannot start'}")
    venv = os.path.join(work_dir, "pip-venv")
    proc = _run([python, "-m", "venv", venv], timeout=300)
    venv_python = os.path.join(venv, "Scripts", "python.exe") if os.name == "nt" else \
        os.path.join(venv, "bin", "python")
    if proc is not None and proc.returncode == 0 and os.path.isfile(venv_python):
        command = [venv_python, "-m", "pip"]
        check = _run(command + ["--version"])
        if check is not None and check.returncode == 0:
            return command, "temporary venv"
    tail = (proc.stderr or proc.stdout).strip()[-200:] if proc else "cannot start"
    reasons.append(f"python -m venv: {tail}")
    return None, reasons


def numpy_constraint():
    """``numpy==<version>`` of the numpy this process uses (None when numpy is absent)."""
    try:
        import numpy
    except ImportError:
        return None
    return f"numpy=={numpy.__version__}"


def install_command(pip, folder, requirements, constraints_file):
    """The pip command installing ``requirements`` into ``folder`` under ``constraints_file``."""
    return pip + ["install", "--target", folder, "--upgrade", "--no-input", "--prefer-binary",
                  "--disable-pip-version-check", "-c", constraints_file] + list(requirements)


def install(requirements, folder, log=print, python=None, timeout=1800):
    """Install pip ``requirements`` into ``folder`` for this Python; raise RuntimeError with the reason.

    numpy is pinned to the running one (a wheel for another numpy ABI would not
    load in QGIS). ``log(line)`` receives pip's output line by line. On success
    the folder is on sys.path.
    """
    python = python or find_python()
    if python is None:
        raise RuntimeError(f"no Python {_version_tag()} interpreter found beside this QGIS "
                           f"(sys.executable={sys.executable!r}, prefix={sys.exec_prefix!r})")
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sar_change_pip_") as work:
        pip, how = find_pip(python, work)
        if pip is None:
            raise RuntimeError("no pip for {python}: {reasons}".format(python=python, reasons="; ".join(how)))
        constraints = os.path.join(work, "constraints.txt")
        with open(constraints, "w", encoding="utf-8") as f:
            f.write((numpy_constraint() or "") + "\n")
        command = install_command(pip, folder, requirements, constraints)
        log(f"{how}: {' '.join(command)}")
        env = dict(os.environ, PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                **NO_WINDOW)
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip())
            log(line.rstrip())
        code = proc.wait(timeout=timeout)
    if code != 0:
        raise RuntimeError(f"pip failed with exit code {code}: " + " / ".join(lines[-5:]))
    add_to_sys_path(folder)
    importlib.invalidate_caches()
