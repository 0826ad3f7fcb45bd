"""Provider settings, shown in Processing > Options > Providers > SAR Change.

They are registered with Processing's ``ProcessingConfig`` by the provider
(:func:`register`) and stored by it in QgsSettings under
``Processing/Configuration/<NAME>``; the getters below read QgsSettings
directly, so algorithms need no import of QGIS's Processing plugin (and work
under qgis_process and in tests the same way).
"""
import os

from qgis.core import QgsApplication, QgsSettings

from ..plugin import dependencies
from .algorithms.translation import tr

TRAINING_PYTHON = "SARCHANGE_TRAINING_PYTHON"
THREADS = "SARCHANGE_THREADS"
TILE_SIZE = "SARCHANGE_TILE_SIZE"
DEPENDENCY_FOLDER = "SARCHANGE_DEPENDENCY_FOLDER"
#: Where ProcessingConfig keeps a setting's value.
PREFIX = "Processing/Configuration/"
#: The training algorithm's former key, still read when the Processing setting is empty.
LEGACY_TRAINING_PYTHON = "sar_change/training_python"

DEFAULT_THREADS = 2
DEFAULT_TILE_SIZE = 512


def _value(name, default=None):
    value = QgsSettings().value(PREFIX + name, default)
    return default if value in (None, "") else value


def _int(name, default, minimum):
    try:
        return max(minimum, int(_value(name, default)))
    except (TypeError, ValueError):
        return default


def training_python():
    """Interpreter with PyTorch for training ('' when not set): this setting, else the former key."""
    return str(_value(TRAINING_PYTHON, "") or QgsSettings().value(LEGACY_TRAINING_PYTHON, "") or "")


def threads():
    """Worker threads of the block engine (>= 1; default 2)."""
    return _int(THREADS, DEFAULT_THREADS, 1)


def tile_size():
    """Block (tile) side of the block engine in pixels (>= 64; default 512)."""
    return _int(TILE_SIZE, DEFAULT_TILE_SIZE, 64)


def block_engine_options():
    """``block`` and ``threads`` keyword arguments of the block engine from the settings."""
    return {"block": tile_size(), "threads": threads()}


def default_dependency_folder():
    """The plugin-owned folder of optional packages in the active QGIS profile."""
    return dependencies.default_folder(QgsApplication.qgisSettingsDirPath())


def dependency_folder():
    """Folder the optional packages are installed into and loaded from."""
    return os.path.expanduser(str(_value(DEPENDENCY_FOLDER, "") or default_dependency_folder()))


def _settings():
    from processing.core.ProcessingConfig import Setting

    return [
        (TRAINING_PYTHON, tr("Python with PyTorch for training (empty: python3 beside QGIS's Python)"), "",
         Setting.FILE),
        (THREADS, tr("Worker threads per algorithm"), DEFAULT_THREADS, Setting.INT),
        (TILE_SIZE, tr("Tile size of the block engine (pixels)"), DEFAULT_TILE_SIZE, Setting.INT),
        (DEPENDENCY_FOLDER, tr("Folder of the optional Python packages (empty: in the QGIS profile)"), "",
         Setting.FOLDER),
    ]


def register(group, icon):
    """Add the settings to ProcessingConfig under ``group`` (no-op without the Processing plugin)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:
        return False
    ProcessingConfig.settingIcons[group] = icon
    for name, description, default, kind in _settings():
        ProcessingConfig.addSetting(Setting(group, name, description, default, valuetype=kind))
    ProcessingConfig.readSettings()
    return True


def unregister():
    """Remove the settings from ProcessingConfig (values stay in QgsSettings)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        return
    for name in (TRAINING_PYTHON, THREADS, TILE_SIZE, DEPENDENCY_FOLDER):
        ProcessingConfig.removeSetting(name)
