"""Optional Python packages: checks, canExecute, and pip --target installs (plugin.dependencies)."""
import os
import subprocess
import sys

import pytest

from sar_change.plugin import dependencies


def test_requirements_follow_availability(monkeypatch):
    monkeypatch.setattr(dependencies, "is_available", lambda p: p is not dependencies.ONNXRUNTIME)
    assert dependencies.unmet_requirements("learneddi") == [(dependencies.ONNXRUNTIME,)]
    assert dependencies.unmet_requirements("svmchange") == []  # scikit-learn alone suffices
    assert dependencies.unmet_requirements("specklefilter") == []
    monkeypatch.setattr(dependencies, "is_available", lambda p: False)
    assert dependencies.unmet_requirements("svmchange") == [(dependencies.SKLEARN, dependencies.ONNXRUNTIME)]
    assert [p.module for p in dependencies.missing_packages()] == ["onnxruntime", "sklearn", "skl2onnx"]


def test_is_available_does_not_import():
    assert dependencies.is_available(dependencies.Package("os", "os", "")) is True
    assert dependencies.is_available(dependencies.Package("no_such_module_xyz", "x", "")) is False


def test_can_execute_says_what_is_missing(qgis_app, monkeypatch, run):
    from qgis.core import QgsApplication, QgsProcessingContext

    alg = QgsApplication.processingRegistry().algorithmById("sarchange:learneddi")
    assert alg.canExecute()[0] == dependencies.is_available(dependencies.ONNXRUNTIME)
    monkeypatch.setattr(dependencies, "is_available", lambda p: p is not dependencies.ONNXRUNTIME)
    ok, message = alg.canExecute()
    assert not ok and "onnxruntime" in message and "sarchange:installdependencies" in message
    ok, message = alg.checkParameterValues({}, QgsProcessingContext())
    assert not ok and "onnxruntime" in message
    speckle = QgsApplication.processingRegistry().algorithmById("sarchange:specklefilter")
    assert speckle.canExecute() == (True, "")


def test_add_to_sys_path_appends_once(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert dependencies.add_to_sys_path(str(tmp_path / "absent")) is False
    assert dependencies.add_to_sys_path(str(tmp_path)) is True
    assert sys.path[-1] == str(tmp_path)  # after site-packages: QGIS's own numpy wins
    assert dependencies.add_to_sys_path(str(tmp_path)) is False


def test_python_and_pip_are_found(tmp_path):
    python = dependencies.find_python()
    assert python is not None
    out = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(sys.version_info[:2])
    pip, how = dependencies.find_pip(python, str(tmp_path))
    assert pip is not None, how
    command = dependencies.install_command(pip, "/x", ["onnxruntime"], "/c.txt")
    assert command[-1] == "onnxruntime" and ["--target", "/x"] == command[command.index("--target"):][:2]
    assert ["-c", "/c.txt"] == command[command.index("-c"):][:2]
    import numpy

    assert dependencies.numpy_constraint() == f"numpy=={numpy.__version__}"


def test_installer_algorithm_installs_into_a_folder(run, tmp_path):
    """Install a small pure-Python package from the registry with pip --target, then import it from there."""
    folder = tmp_path / "deps"
    try:
        result = run("sarchange:installdependencies", {"PACKAGES": [0, 1, 2], "ONLY_MISSING": True,
                                                       "EXTRA": "six", "FOLDER": str(folder)})
    except Exception as exc:  # noqa: BLE001 - pip's reason decides between skip and failure
        text = str(exc)
        if any(s in text for s in ("No matching distribution", "Could not find a version", "ConnectionError",
                                   "NewConnectionError", "Temporary failure in name resolution")):
            pytest.skip(f"package registry unreachable: {text[-200:]}")
        raise
    assert result["OUTPUT_FOLDER"] == str(folder) and "six" in result["INSTALLED"].split()
    assert (folder / "six.py").exists()
    probe = f"import sys; sys.path.insert(0, {str(folder)!r}); import six; print(six.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert os.path.dirname(out.strip()) == str(folder)
