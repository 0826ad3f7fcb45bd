"""Dialog listing the optional Python packages, their state, and installing the missing ones."""
import html

from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout

from ..processing import provider_settings
from ..processing.algorithms.translation import tr
from . import dependencies

INSTALLER = "sarchange:installdependencies"


def status_html():
    """HTML table: each optional package, what it is for, and whether QGIS's Python imports it."""
    rows = []
    for package in dependencies.OPTIONAL:
        ok = dependencies.is_available(package)
        state = tr("installed") if ok else tr("missing")
        colour = "#1a7f37" if ok else "#b42318"
        rows.append(f"<tr><td><b>{html.escape(package.requirement)}</b></td>"
                    f"<td style='color:{colour}'>{state}</td><td>{html.escape(package.purpose)}</td></tr>")
    folder = html.escape(provider_settings.dependency_folder())
    return (f"<table cellpadding='4'>{''.join(rows)}</table>"
            + tr("<p>Packages are installed with pip into {folder}, with numpy pinned to the version QGIS "
                 "uses. Restart QGIS after installing.</p>").format(folder=folder))


class DependenciesDialog(QDialog):
    """Shows the optional packages; 'Install missing packages' runs sarchange:installdependencies."""

    def __init__(self, parent=None, open_algorithm=None):
        super().__init__(parent)
        self.setWindowTitle(tr("SAR Change: optional Python packages"))
        self.setObjectName("sarChangeDependenciesDialog")
        self.open_algorithm = open_algorithm
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Some algorithms need these packages in the Python that runs QGIS:")))
        self.browser = QTextBrowser(self)
        layout.addWidget(self.browser)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        self.install_button = self.buttons.addButton(tr("Install missing packages…"),
                                                     QDialogButtonBox.ActionRole)
        self.install_button.clicked.connect(self.install)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh()

    def refresh(self):
        self.browser.setHtml(status_html())
        self.install_button.setEnabled(bool(dependencies.missing_packages()))

    def install(self):
        """Open the installer algorithm's dialog (progress and pip's log), then refresh."""
        if self.open_algorithm is not None:
            self.open_algorithm(INSTALLER, {})
        self.refresh()
