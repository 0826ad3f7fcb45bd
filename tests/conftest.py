"""Test set-up: import the checkout as ``sar_change`` and start QGIS once.

The repository root is the plugin folder; whatever the checkout is called,
``.plugins/sar_change`` links to it (made by scripts/setup.sh, or here).
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / ".plugins"
SHARED_DATA = ROOT.parent / "shared" / "data"

PLUGINS.mkdir(exist_ok=True)
link = PLUGINS / "sar_change"
if not link.exists():
    link.symlink_to(ROOT, target_is_directory=True)
for path in (PLUGINS, ROOT / "tests"):  # sar_change, and the tests' helpers module
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def shared_data():
    """Path of ../shared/data; tests using it skip when it is absent (fresh clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} not present (see shared/data/README.md)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def qgis_app(tmp_path_factory):
    """A headless QgsApplication with Processing and the SAR Change provider loaded."""
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = str(tmp_path_factory.mktemp("qgis_profile"))
    qgis_core = pytest.importorskip("qgis.core", reason="QGIS Python bindings not installed")
    from qgis.testing import start_app

    app = start_app(cleanup=False)
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from sar_change.processing.provider import SarChangeProvider

    registry = qgis_core.QgsApplication.processingRegistry()
    if registry.providerById("sarchange") is None:
        provider = SarChangeProvider()
        registry.addProvider(provider)
        app._sar_change_provider = provider  # keep the Python half alive with the app
    return app


@pytest.fixture
def run(qgis_app):
    """``processing.run`` with QGIS and the SAR Change provider started."""
    import processing

    return processing.run
