"""Processing algorithm "Install optional Python packages" (headless twin of the plugin's dialog).

Installs onnxruntime, scikit-learn and skl2onnx with ``pip install --target`` into the
plugin-owned dependency folder (``plugin.dependencies``), numpy pinned to QGIS's.
"""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFolder,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterString,
)

from ...plugin import dependencies
from .. import provider_settings
from . import common
from .common import tr


class InstallDependenciesAlgorithm(common.SarChangeAlgorithm):
    """Install the optional Python packages into the plugin's dependency folder."""

    PACKAGES = "PACKAGES"
    EXTRA = "EXTRA"
    FOLDER = "FOLDER"
    ONLY_MISSING = "ONLY_MISSING"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    INSTALLED = "INSTALLED"

    def name(self):
        return "installdependencies"

    def displayName(self):
        return tr("Install optional Python packages")

    def group(self):
        return tr("Setup")

    def groupId(self):
        return "setup"

    def shortHelpString(self):
        return tr(
            "<p>Installs the optional Python packages of SAR Change into a folder owned by the plugin, "
            "with pip install --target, for the Python that runs QGIS: onnxruntime (applies the learned "
            "difference image model and saved SVM models), scikit-learn (trains the SVM change classifier) "
            "and skl2onnx (saves SVM models as ONNX). numpy is pinned to the version QGIS already uses, so "
            "nothing QGIS relies on changes; the folder is added to Python's search path when the plugin "
            "loads. Installing into a separate folder also works where the system Python refuses pip "
            "(Debian and Ubuntu's externally managed Python).</p>"
            "<p><b>Packages</b>: which ones to install. <b>Only the missing ones</b>: skip packages QGIS "
            "can already import. <b>Extra requirements</b>: further pip requirements, separated by spaces "
            "(for example a pinned version). <b>Folder</b>: where to install; empty uses the setting "
            "in Processing &gt; Options &gt; Providers &gt; SAR Change, by default a folder in the QGIS "
            "profile.</p>"
            "<p>pip needs network access to the Python Package Index. Restart QGIS afterwards so that "
            "every algorithm sees the new packages.</p>")

    def createInstance(self):
        return InstallDependenciesAlgorithm()

    def flags(self):
        return super().flags() | self.FlagNoThreading  # pip output goes to the log as it comes

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterEnum(
            self.PACKAGES, tr("Packages"), options=[p.requirement for p in dependencies.OPTIONAL],
            allowMultiple=True, defaultValue=list(range(len(dependencies.OPTIONAL)))))
        self.addParameter(QgsProcessingParameterBoolean(
            self.ONLY_MISSING, tr("Only the missing ones"), defaultValue=True))
        self.addParameter(QgsProcessingParameterString(
            self.EXTRA, tr("Extra requirements (pip syntax, space separated)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.FOLDER, tr("Folder (empty: the provider setting)"), optional=True))
        self.addOutput(QgsProcessingOutputFolder(self.OUTPUT_FOLDER, tr("Dependency folder")))
        self.addOutput(QgsProcessingOutputString(self.INSTALLED, tr("Installed requirements")))

    def processAlgorithm(self, parameters, context, feedback):
        chosen = [dependencies.OPTIONAL[i] for i in self.parameterAsEnums(parameters, self.PACKAGES, context)]
        if self.parameterAsBool(parameters, self.ONLY_MISSING, context):
            chosen = [p for p in chosen if not dependencies.is_available(p)]
        requirements = [p.requirement for p in chosen]
        requirements += (self.parameterAsString(parameters, self.EXTRA, context) or "").split()
        folder = (self.parameterAsString(parameters, self.FOLDER, context) or "").strip() or \
            provider_settings.dependency_folder()
        if not requirements:
            feedback.pushInfo(tr("Nothing to install: every chosen package can already be imported."))
            return {self.OUTPUT_FOLDER: folder, self.INSTALLED: ""}
        feedback.pushInfo(tr("Installing {req} into {folder}").format(
            req=" ".join(requirements), folder=folder))
        try:
            dependencies.install(requirements, folder, log=feedback.pushConsoleInfo)
        except (RuntimeError, OSError) as exc:
            raise QgsProcessingException(tr(
                "Could not install {req} into {folder}: {error}. Check the network access to the Python "
                "Package Index, or install the packages into QGIS's Python by other means.").format(
                    req=" ".join(requirements), folder=folder, error=exc)) from exc
        still = [p.requirement for p in chosen if not dependencies.is_available(p)]
        if still:
            feedback.reportError(tr("Installed, but not importable yet: {names}. Restart QGIS.").format(
                names=", ".join(still)))
        return {self.OUTPUT_FOLDER: folder, self.INSTALLED: " ".join(requirements)}
