"""Write the shipped graphical models (processing/models/*.model3) from the definitions below.

Run after changing an algorithm's parameters or a chain, then commit the .model3 files:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/build_models.py

The models are plain QGIS 3.22 models: they open, and can be edited and saved as copies, in the
graphical modeler. The provider (processing/shipped_models.py) registers them as sarchange:<name>.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "processing", "models")

#: Indices of enum options in the algorithms (keep in step with their initAlgorithm).
LEE = 2
LOG_RATIO = 2
KITTLER_ILLINGWORTH = 1
SIDE_OPTIONS = ["Increase (change where DI >= t)", "Decrease (change where DI < t)",
                "Two-sided (DI < t_low or DI >= t_high)"]
FILTER_OPTIONS = ["Boxcar", "Median", "Lee", "Refined Lee", "Improved Lee Sigma", "Frost", "Gamma-MAP",
                  "Kuan"]


def build(qgis):
    """Return {file name: QgsProcessingModelAlgorithm} of every shipped model."""
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterEnum,
        QgsProcessingParameterFile,
        QgsProcessingParameterNumber,
        QgsProcessingParameterRasterLayer,
        QgsProcessingParameterString,
    )
    from qgis.PyQt.QtCore import QPointF

    def model_param(value):
        return [QgsProcessingModelChildParameterSource.fromModelParameter(value)]

    def static(value):
        return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]

    def child_output(child_id, output):
        return [QgsProcessingModelChildParameterSource.fromChildOutput(child_id, output)]

    class Builder:
        def __init__(self, name, description):
            self.model = QgsProcessingModelAlgorithm(name, "Models", "models")
            self.model.setHelpContent({"ALG_DESC": description, "ALG_CREATOR": "SAR Change",
                                       "ALG_VERSION": "1"})
            self.params = 0
            self.children = 0

        def parameter(self, definition):
            component = QgsProcessingModelParameter(definition.name())
            component.setPosition(QPointF(120 + 220 * self.params, 60))
            self.params += 1
            self.model.addModelParameter(definition, component)

        def child(self, child_id, algorithm, description, sources, outputs=None, depends=()):
            child = QgsProcessingModelChildAlgorithm(algorithm)
            child.setChildId(child_id)
            child.setDescription(description)
            child.setPosition(QPointF(200 + 120 * (self.children % 2), 180 + 110 * self.children))
            self.children += 1
            for name, source in sources.items():
                child.addParameterSources(name, source)
            model_outputs = {}
            for output_name, (child_output_name, label) in (outputs or {}).items():
                out = QgsProcessingModelOutput(output_name, label)
                out.setChildId(child_id)
                out.setChildOutputName(child_output_name)
                out.setDefaultValue("TEMPORARY_OUTPUT")  # headless runs need name no output
                out.setPosition(QPointF(560, 180 + 110 * (self.children - 1)))
                model_outputs[output_name] = out
            child.setModelOutputs(model_outputs)
            if depends:
                child.setDependencies(list(depends))
            self.model.addChildAlgorithm(child)

    def two_date_inputs(b):
        b.parameter(QgsProcessingParameterRasterLayer("earlier", "Earlier image"))
        b.parameter(QgsProcessingParameterRasterLayer("later", "Later image"))

    def options(b):
        b.parameter(QgsProcessingParameterEnum("filter", "Speckle filter", options=FILTER_OPTIONS,
                                               defaultValue=LEE))
        b.parameter(QgsProcessingParameterNumber("looks", "Number of looks of the inputs",
                                                 type=QgsProcessingParameterNumber.Double, defaultValue=1.0,
                                                 minValue=0.01))
        b.parameter(QgsProcessingParameterEnum("side", "Change direction", options=SIDE_OPTIONS,
                                               defaultValue=2))

    def speckle_di_threshold(b, later_source):
        for date, source in (("earlier", model_param("earlier")), ("later", later_source)):
            b.child(f"speckle_{date}", "sarchange:specklefilter", f"Speckle filter ({date} image)",
                    {"INPUT": source, "METHOD": model_param("filter"), "WINDOW_SIZE": static(7),
                     "LOOKS": model_param("looks"), "OUTPUT": static("TEMPORARY_OUTPUT")})
        b.child("logratio", "sarchange:differenceimage", "Log-ratio difference image",
                {"IMAGE_1": child_output("speckle_earlier", "OUTPUT"),
                 "IMAGE_2": child_output("speckle_later", "OUTPUT"), "METHOD": static(LOG_RATIO)},
                {"difference_image": ("OUTPUT", "Log-ratio difference image (dB)")})
        b.child("threshold", "sarchange:thresholdchange", "Threshold (Kittler-Illingworth)",
                {"INPUT": child_output("logratio", "OUTPUT"), "METHOD": static(KITTLER_ILLINGWORTH),
                 "SIDE": model_param("side")},
                {"change_mask": ("OUTPUT_MASK", "Change mask")})

    models = {}

    b = Builder("changemap", "Two-date change map: both dates speckle-filtered, log-ratio difference "
                             "image, change mask by Kittler-Illingworth thresholding.")
    two_date_inputs(b)
    options(b)
    speckle_di_threshold(b, model_param("later"))
    models["changemap.model3"] = b.model

    b = Builder("floodchangemapevaluated", "Two-date flood / change map with its evaluation: speckle filter, "
                "log-ratio, threshold, then kappa, F1 and ROC against a reference change mask (HTML report).")
    two_date_inputs(b)
    b.parameter(QgsProcessingParameterRasterLayer("reference", "Reference change mask (0 / 1)"))
    options(b)
    speckle_di_threshold(b, model_param("later"))
    b.child("evaluate", "sarchange:evaluatechange", "Evaluate against the reference",
            {"PREDICTION": child_output("threshold", "OUTPUT_MASK"), "DI": child_output("logratio", "OUTPUT"),
             "REFERENCE": model_param("reference"), "DI_DIRECTION": model_param("side")},
            {"report": ("OUTPUT_HTML", "Evaluation report")})
    models["floodchangemapevaluated.model3"] = b.model

    b = Builder("coregisterchangemap", "Coregisters the later image onto the earlier one (sub-pixel phase "
                "correlation, translation), then makes the two-date change map (speckle filter, log-ratio, "
                "threshold).")
    two_date_inputs(b)
    options(b)
    b.child("coregister", "sarchange:coregister", "Coregister the later image",
            {"REFERENCE": model_param("earlier"), "INPUTS": model_param("later"),
             "OUTPUT_FOLDER": static("TEMPORARY_OUTPUT"), "OUTPUT_TABLE": static("TEMPORARY_OUTPUT"),
             "OUTPUT": static("TEMPORARY_OUTPUT")})
    speckle_di_threshold(b, child_output("coregister", "OUTPUT"))
    models["coregisterchangemap.model3"] = b.model

    b = Builder("learneddichangemap", "Learned difference image of the newest (or chosen) acquisition of a "
                "stack, thresholded into a change mask (Kittler-Illingworth on the learned DI norm).")
    b.parameter(QgsProcessingParameterFile("stack_table", "Acquisitions table (acquisitions.csv of a stack)",
                                           behavior=QgsProcessingParameterFile.File, extension="csv"))
    b.parameter(QgsProcessingParameterString("target_date", "Target date (YYYY-MM-DD; empty: the newest)",
                                             optional=True))
    b.parameter(QgsProcessingParameterFile("model", "Learned-DI model (.onnx; empty: the shipped model)",
                                           behavior=QgsProcessingParameterFile.File, extension="onnx",
                                           optional=True))
    b.child("learneddi", "sarchange:learneddi", "Learned difference image",
            {"STACK_TABLE": model_param("stack_table"), "TARGET_DATE": model_param("target_date"),
             "MODEL": model_param("model"), "OUTPUT_DI_NORM": static("TEMPORARY_OUTPUT")},
            {"learned_di_norm": ("OUTPUT_DI_NORM", "Learned DI norm (dB)")})
    b.child("threshold", "sarchange:thresholdchange", "Threshold the learned DI norm",
            {"INPUT": child_output("learneddi", "OUTPUT_DI_NORM"), "METHOD": static(KITTLER_ILLINGWORTH),
             "SIDE": static(0)},
            {"change_mask": ("OUTPUT_MASK", "Change mask")})
    models["learneddichangemap.model3"] = b.model
    return models


def main():
    sys.path.insert(0, os.path.join(ROOT, ".plugins"))
    from qgis.testing import start_app

    app = start_app(cleanup=False)
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, model in build(app).items():
        path = os.path.join(OUT_DIR, name)
        if not model.toFile(path):
            raise SystemExit(f"cannot write {path}")
        print(path)


if __name__ == "__main__":
    main()
