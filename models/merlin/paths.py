"""Where the converted MERLIN model lives (plain Python: importable inside QGIS)."""
import os

#: Default location of the converted model (git-ignored; written by scripts/setup.sh).
DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "merlin_s1_tops.onnx")
#: How to get it, for error messages.
CONVERT_HINT = ("convert it outside QGIS with a Python that has torch and deepdespeckling: "
                "pip install --no-deps deepdespeckling, then python -m sar_change.models.merlin.convert "
                f"--out {DEFAULT_MODEL} (scripts/setup.sh does this), or give the path of a converted "
                ".onnx")
