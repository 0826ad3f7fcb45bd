"""``tr()`` for modules that ``common`` itself imports (same 'SarChange' context as ``common.tr``)."""
from qgis.PyQt.QtCore import QCoreApplication

#: Translation context of every SAR Change string (see i18n/README.md).
CONTEXT = "SarChange"


def tr(text):
    """Translate ``text`` in the 'SarChange' context."""
    return QCoreApplication.translate(CONTEXT, text)
