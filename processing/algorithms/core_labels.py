"""Labels defined in the QGIS-free core and translated where they are shown (``tr(LABELS[m])``).

Listed here as literals so that pylupdate5 extracts them (scripts/update_translations.sh);
tests/test_translations.py checks that every core label is listed.
"""
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

CORE_LABELS = (
    QT_TRANSLATE_NOOP("SarChange", "Boxcar (moving mean)"),
    QT_TRANSLATE_NOOP("SarChange", "Median"),
    QT_TRANSLATE_NOOP("SarChange", "Lee (1980/1981)"),
    QT_TRANSLATE_NOOP("SarChange", "Refined Lee (Lee 1981, 7x7 edge-aligned)"),
    QT_TRANSLATE_NOOP("SarChange", "Improved Lee Sigma (Lee et al. 2009)"),
    QT_TRANSLATE_NOOP("SarChange", "Frost (1982)"),
    QT_TRANSLATE_NOOP("SarChange", "Gamma-MAP (Lopes et al. 1990)"),
    QT_TRANSLATE_NOOP("SarChange", "Kuan (1985)"),
    QT_TRANSLATE_NOOP("SarChange", "Learned (MERLIN, ONNX)"),
    QT_TRANSLATE_NOOP("SarChange", "Difference I2 - I1 (linear power)"),
    QT_TRANSLATE_NOOP("SarChange", "Ratio I2 / I1"),
    QT_TRANSLATE_NOOP("SarChange", "Log ratio 10 log10(I2 / I1) (dB)"),
    QT_TRANSLATE_NOOP("SarChange", "Mean ratio 1 - min(m1/m2, m2/m1) (Inglada & Mercier 2007)"),
    QT_TRANSLATE_NOOP("SarChange", "Neighbourhood ratio, 1 - NR (Gong, Cao & Wu 2012)"),
    QT_TRANSLATE_NOOP("SarChange", "Euclidean norm of dB differences over all bands (Alatalo et al. 2023)"),
    QT_TRANSLATE_NOOP("SarChange", "Cumulant KL divergence of the log-intensity (Inglada & Mercier 2007)"),
    QT_TRANSLATE_NOOP("SarChange", "Otsu (1979)"),
    QT_TRANSLATE_NOOP("SarChange", "Kittler-Illingworth minimum error, Gaussian classes (1986)"),
    QT_TRANSLATE_NOOP("SarChange", "Generalized-Gaussian KI (Bazi, Bruzzone & Melgani 2005)"),
    QT_TRANSLATE_NOOP("SarChange", "SAR ratio-model KI (Moser & Serpico 2006), log-ratio DI"),
    QT_TRANSLATE_NOOP("SarChange", "Manual threshold"),
    QT_TRANSLATE_NOOP("SarChange", "LinearSVC (linear kernel)"),
    QT_TRANSLATE_NOOP("SarChange", "RBF SVC (Gaussian kernel)"),
    QT_TRANSLATE_NOOP("SarChange", "Otsu threshold"),
    QT_TRANSLATE_NOOP("SarChange", "Kittler-Illingworth threshold"),
    QT_TRANSLATE_NOOP("SarChange", "2-class k-means"),
    QT_TRANSLATE_NOOP("SarChange", "Area-based (Small 2011)"),
    QT_TRANSLATE_NOOP("SarChange",
                      "Cosine ratio with projected-area factor (Ulander 1996, Kellndorfer et al. 1998)"),
    QT_TRANSLATE_NOOP("SarChange", "onnxruntime is needed to apply ONNX models: install it into the Python "
                                   "that runs QGIS (e.g. python -m pip install onnxruntime)"),
)
