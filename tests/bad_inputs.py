"""Catalogue of bad inputs and unusable outputs for every SAR Change algorithm (issue 16).

Shared by ``tests/test_bad_inputs_catalogue.py`` (one test per algorithm x case)
and ``benchmarks/bad_inputs.py`` (counts in the issue's form). A case builds the
parameters of one ``processing.run`` call from a ``Scene`` of tiny rasters;
every case must be refused with a QgsProcessingException whose message matches
``names`` (the layer or output concerned) and ``fix`` (what to do), leave no
file at its output paths and change no input.

``run_case`` runs one case and classifies it: 'clear', 'unclear' (refused,
but the message lacks the name or the fix), 'crash' (another exception),
'silent' (no error: a wrong output reported as success), plus whether a
file was left at an output path ('partial') and whether an input changed.
"""
import functools
import glob
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field

import numpy as np

from helpers import gamma_speckle, write_raster

GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)
N = 48
NODATA = -9999.0


@dataclass
class Case:
    """One bad run: ``build(scene, out) -> parameters``; ``outputs``: output parameter names to check."""

    alg: str
    name: str
    build: object
    names: str
    fix: str
    outputs: tuple = ()
    mount: str = ""  # 'full' (tiny tmpfs) or 'readonly' (read-only tmpfs): the outputs go there
    extra_outputs: tuple = field(default_factory=tuple)  # files (relative to out) that must not appear

    @property
    def id(self):
        return f"{self.alg}-{self.name}"


class Scene:
    """Tiny inputs in ``folder`` (48 x 48 pixels, UTM 31N, 10 m), made once per session."""

    def __init__(self, folder):
        self.folder = str(folder)
        os.makedirs(self.folder, exist_ok=True)
        y, x = np.mgrid[0:N, 0:N]
        scene = np.where(x < N // 2, 0.05, 0.2) * (1 + 0.5 * np.sin(y / 5.0))
        sar = (scene * gamma_speckle((N, N), 4, seed=1)).astype(np.float32)
        sar2 = (scene * gamma_speckle((N, N), 4, seed=2)).astype(np.float32)
        sar2[10:20, 10:20] *= 4.0
        self.sar = self._write("sar", sar)
        self.sar2 = self._write("sar2", sar2)
        self.sar_copy = self._write("sar_copy", sar)  # a second date on the same speckle: matches exactly
        self.sar_db = self._write("sar_db", 10 * np.log10(sar))
        negative = sar.copy()
        negative[3, 3:8] = -0.01
        self.sar_negative = self._write("sar_negative", negative)
        self.all_nan = self._write("all_nan", np.full((N, N), NODATA, np.float32), nodata=NODATA)
        self.constant = self._write("constant", np.full((N, N), 0.1, np.float32))
        self.shifted = self._write("sar2_shifted", sar2, gt=(GT[0] + 5.0,) + GT[1:])
        self.smaller = self._write("sar2_smaller", sar2[:40])
        self.other_crs = self._write("sar2_utm32", sar2, crs=32632)
        self.tiny = self._write("tiny", sar[:1, :1])
        dem = (200 + 80 * np.sin(x / 9.0) * np.cos(y / 11.0) + 2.0 * x).astype(np.float32)
        self.dem = self._write("dem", dem)
        self.dem_nan = self._write("dem_nan", np.full((N, N), np.nan, np.float32))
        mask = np.zeros((N, N), np.float32)
        mask[10:20, 10:20] = 1
        self.mask = self._write("mask", mask)
        self.mask_shifted = self._write("mask_shifted", mask, gt=(GT[0] + 5.0,) + GT[1:])
        self.not_raster = os.path.join(self.folder, "not_raster.tif")
        with open(self.not_raster, "w", encoding="utf-8") as handle:
            handle.write("this is not a raster\n")
        self.truncated = os.path.join(self.folder, "truncated.tif")
        with open(self.sar, "rb") as handle, open(self.truncated, "wb") as cut:
            cut.write(handle.read()[:-2000])  # the end of the pixel data is missing
        self.stack = self._stack()

    # --- Inputs of the newer algorithms, made on first use ------------------------------------------

    @functools.cached_property
    def slc(self):
        """Two complex (CFloat32) SLC images of one scene (48 x 48) on the scene grid."""
        from osgeo import gdal

        rng = np.random.default_rng(5)
        common = rng.normal(size=(N, N)) + 1j * rng.normal(size=(N, N))
        return [write_raster(os.path.join(self.folder, f"slc_{i}.tif"),
                             (common + noise * (rng.normal(size=(N, N)) + 1j * rng.normal(size=(N, N))))
                             .astype(np.complex64), GT, dtype=gdal.GDT_CFloat32)
                for i, noise in ((1, 0.3), (2, 0.6))]

    @property
    def slc_1(self):
        return self.slc[0]

    @property
    def slc_2(self):
        return self.slc[1]

    @functools.cached_property
    def vv_vh_db(self):
        """A two-band VV/VH image in dB (48 x 48) on the scene grid."""
        vv = 10 * np.log10(np.maximum(gamma_speckle((N, N), 4, seed=7) * 0.1, 1e-6))
        return write_raster(os.path.join(self.folder, "vv_vh_db.tif"),
                            np.stack([vv, vv - 7]).astype(np.float32), GT, descriptions=["VV", "VH"])

    @functools.cached_property
    def vv_vh_db_nan(self):
        return write_raster(os.path.join(self.folder, "vv_vh_db_nan.tif"),
                            np.full((2, N, N), NODATA, np.float32), GT, crs=32631, nodata=NODATA)

    @functools.cached_property
    def dem_elsewhere(self):
        """The DEM 10 km east of the scene: it does not cover it."""
        ds_values = np.full((N, N), 300.0, np.float32)
        return write_raster(os.path.join(self.folder, "dem_elsewhere.tif"), ds_values,
                            (GT[0] + 10000.0,) + GT[1:], crs=32631)

    @functools.cached_property
    def segmentation_model(self):
        """A tiny untrained segmentation model (VV, VH in dB -> water, ice, land) exported to ONNX."""
        import torch

        from sar_change.models.segmentation import schema as seg_schema
        from sar_change.models.segmentation import training as seg_training
        from sar_change.models.segmentation.architecture import SegmentationNet

        torch.manual_seed(0)
        net = SegmentationNet(2, 3, width=8, aspp_channels=16, aspp_rates=(1, 2), image_pooling=False).eval()
        net.set_normalisation([-15.0, -22.0], [4.0, 4.0])
        meta = seg_training.build_metadata(net, ["VV", "VH"], ["dB", "dB"],
                                           seg_schema.class_entries(["water", "ice", "land"]))
        path = os.path.join(self.folder, "segmentation_tiny.onnx")
        seg_training.export_model(net, path, meta)
        return path

    @functools.cached_property
    def coherence_pairs(self):
        """A folder of simulated 12-day coherence pairs (48 x 48), as traincoherence reads them."""
        from sar_change.core.simulator.coherence import simulate_coherence_pairs

        folder = os.path.join(self.folder, "coherence_pairs")
        simulate_coherence_pairs(folder, baselines_days=(12,), seed=3, shape=(N, N), start="2020-03-01",
                                 end="2020-03-31", orbits=("ascending",), revisit_days=12, max_pairs=1)
        return folder

    @functools.cached_property
    def optical_pairs(self):
        """A SAR/optical pair folder (pairs.csv) of a 48 x 48 scene, as trainsartooptical reads it."""
        from sar_change.core.simulator import optical

        return optical.simulate_pairs(os.path.join(self.folder, "optical"), seed=1, shape=(N, N),
                                      start="2020-01-01", end="2020-02-28", revisit_days=24)

    @functools.cached_property
    def labels(self):
        """Class labels 0 water, 1 ice, 2 land on the scene grid (for trainsegmentation)."""
        y, x = np.mgrid[0:N, 0:N]
        return write_raster(os.path.join(self.folder, "labels.tif"), (x // 16).astype(np.float32), GT)

    @functools.cached_property
    def sar_vrt(self):
        """A VRT reading sar.tif: an output on sar.tif would overwrite this input's data."""
        from osgeo import gdal

        path = os.path.join(self.folder, "sar.vrt")
        gdal.BuildVRT(path, [self.sar])  # the dataset is dropped (closed and written) at once
        return path

    @property
    def first_acquisition(self):
        """The raster of the first row of the stack table: an input that no parameter names."""
        with open(self.stack_csv, encoding="utf-8") as table:
            rows = table.read().splitlines()
        col = rows[0].split(",").index("file")
        return os.path.join(os.path.dirname(self.stack_csv), rows[1].split(",")[col])

    @functools.cached_property
    def empty_folder(self):
        folder = os.path.join(self.folder, "empty")
        os.makedirs(folder, exist_ok=True)
        return folder

    def _write(self, name, array, gt=GT, crs=32631, nodata=None):
        return write_raster(os.path.join(self.folder, f"{name}.tif"), array, gt, crs=crs, nodata=nodata)

    def _stack(self):
        """A 48 x 48 simulated stack of two months, plus bad variants of its table."""
        from sar_change.core.simulator.stack import simulate_stack

        folder = os.path.join(self.folder, "stack")
        info = simulate_stack(folder, shape=(N, N), start="2020-01-01", end="2020-02-29", seed=3)
        self.stack_csv = info["acquisitions_csv"]
        self.change_date = info["change_date"]
        self.stack_dem = info["dem"]
        with open(self.stack_csv, encoding="utf-8") as table:
            rows = table.read().splitlines()
        header = rows[0].split(",")
        # The same acquisitions with a missing temperature in the last row.
        col = header.index("temperature_c")
        last = rows[-1].split(",")
        last[col] = ""
        self.stack_csv_missing = os.path.join(folder, "acquisitions_missing.csv")
        with open(self.stack_csv_missing, "w", encoding="utf-8") as handle:
            handle.write("\n".join(rows[:-1] + [",".join(last)]) + "\n")
        # The same acquisitions at 80 deg C: far outside what any model was trained on.
        hot = [rows[0]] + [",".join("80" if i == col else v for i, v in enumerate(r.split(",")))
                           for r in rows[1:]]
        self.stack_csv_hot = os.path.join(folder, "acquisitions_hot.csv")
        with open(self.stack_csv_hot, "w", encoding="utf-8") as handle:
            handle.write("\n".join(hot) + "\n")
        # A copy of the stack in dB, and one whose target (newest image) is all NaN / holds zeros.
        self.stack_db = self._variant(folder, "stack_db", rows, lambda a, last: 10 * np.log10(a))
        self.stack_nan_target = self._variant(folder, "stack_nan", rows,
                                              lambda a, last: np.full_like(a, np.nan) if last else a)
        self.stack_zero_target = self._variant(folder, "stack_zero", rows, _zero_some)
        return folder

    def _variant(self, folder, name, rows, change):
        from osgeo import gdal

        from sar_change.core.engine.raster_blocks import read_info

        out = os.path.join(self.folder, name)
        os.makedirs(out, exist_ok=True)
        header = rows[0].split(",")
        col = header.index("file")
        body = rows[1:]
        last_file = sorted(body, key=lambda r: r.split(",")[header.index("date")])[-1].split(",")[col]
        for row in body:
            file = row.split(",")[col]
            src = os.path.join(folder, file)
            info = read_info(src)
            ds = gdal.Open(src)
            data = ds.ReadAsArray().astype(np.float32)
            ds = None
            with np.errstate(divide="ignore"):
                data = change(data, file == last_file).astype(np.float32)
            write_raster(os.path.join(out, file), data, info.geotransform, crs=info.projection,
                         descriptions=list(info.descriptions))
        for extra in ("dem.tif",):
            if os.path.exists(os.path.join(folder, extra)):
                os.link(os.path.join(folder, extra), os.path.join(out, extra))
        with open(os.path.join(out, "acquisitions.csv"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")
        return os.path.join(out, "acquisitions.csv")

    def checksums(self):
        """{path: sha1} of every file of the scene (inputs must never change)."""
        sums = {}
        for path in sorted(glob.glob(os.path.join(self.folder, "**", "*"), recursive=True)):
            # (a VRT input is left out: GDAL stores the statistics QGIS computes on loading a layer inside
            # the .vrt itself; its sources, checked as files, are what must not change)
            if os.path.isfile(path) and not os.path.islink(path) and not path.endswith(".vrt"):
                with open(path, "rb") as handle:
                    sums[path] = hashlib.sha1(handle.read()).hexdigest()
        return sums


def _zero_some(data, last):
    if last:
        data = data.copy()
        data[..., 5:9, 5:9] = 0.0
    return data


def _out(out, name):
    return os.path.join(str(out), name)


# --- Algorithms: a valid run each, the output parameters and the main input -------------------------

#: alg -> (build valid parameters, output parameter names (file outputs), main input attribute)
BASE = {
    "specklefilter": (lambda s, o: {"INPUT": s.sar, "METHOD": 2, "WINDOW_SIZE": 5, "LOOKS": 4,
                                    "OUTPUT": _out(o, "filtered.tif")}, ("OUTPUT",), "sar"),
    "estimateenl": (lambda s, o: {"INPUT": s.sar}, (), "sar"),
    "differenceimage": (lambda s, o: {"IMAGE_1": s.sar, "IMAGE_2": s.sar2, "OUTPUT": _out(o, "di.tif")},
                        ("OUTPUT",), "sar"),
    "thresholdchange": (lambda s, o: {"INPUT": s.sar2, "METHOD": 0, "OUTPUT_MASK": _out(o, "mask.tif"),
                                      "OUTPUT_DI": _out(o, "di_copy.tif")},
                        ("OUTPUT_MASK", "OUTPUT_DI"), "sar2"),
    "injectchanges": (lambda s, o: {"INPUT": s.sar, "COUNT": 2, "RADIUS": 4.0,
                                    "OUTPUT": _out(o, "injected.tif"),
                                    "OUTPUT_MASK": _out(o, "inj_mask.tif")},
                      ("OUTPUT", "OUTPUT_MASK"), "sar"),
    "svmchange": (lambda s, o: {"IMAGE_1": s.sar, "IMAGE_2": s.sar2, "LABEL_SOURCE": 1,
                                "REFERENCE_MASK": s.mask, "OUTPUT_MASK": _out(o, "svm_mask.tif"),
                                "OUTPUT_MODEL": _out(o, "svm.onnx")},
                  ("OUTPUT_MASK", "OUTPUT_MODEL"), "sar"),
    "evaluatechange": (lambda s, o: {"PREDICTION": s.mask, "REFERENCE": s.mask,
                                     "OUTPUT_HTML": _out(o, "report.html"),
                                     "OUTPUT_JSON": _out(o, "report.json")},
                       ("OUTPUT_HTML", "OUTPUT_JSON"), "mask"),
    "terraingeometry": (lambda s, o: {"DEM": s.dem, "SLOPE": _out(o, "slope.tif"),
                                      "ASPECT": _out(o, "aspect.tif")}, ("SLOPE", "ASPECT"), "dem"),
    "terrainflattening": (lambda s, o: {"SIGMA0": s.sar, "DEM": s.dem, "OUTPUT": _out(o, "gamma0.tif")},
                          ("OUTPUT",), "sar"),
    "coregister": (lambda s, o: {"REFERENCE": s.sar, "INPUTS": [s.sar_copy], "WINDOW": 16,
                                 "OUTPUT_FOLDER": _out(o, "coreg"), "OUTPUT_TABLE": _out(o, "offsets.csv")},
                   ("OUTPUT_TABLE",), "sar"),
    "simulatestack": (lambda s, o: {"SIZE": 32, "START_DATE": "2020-01-01", "END_DATE": "2020-01-20",
                                    "OUTPUT_FOLDER": _out(o, "sim")}, (), None),
    "simulatedchangemask": (lambda s, o: {"CHANGE_DATE": s.change_date, "DATE_A": "2020-01-01",
                                          "DATE_B": "2020-02-28", "OUTPUT": _out(o, "sim_mask.tif")},
                            ("OUTPUT",), "change_date"),
    "learneddi": (lambda s, o: {"STACK_TABLE": s.stack_csv, "OUTPUT_PREDICTED": _out(o, "pred.tif"),
                                "OUTPUT_DI": _out(o, "ldi.tif"), "OUTPUT_DI_NORM": _out(o, "ldi_norm.tif")},
                  ("OUTPUT_PREDICTED", "OUTPUT_DI", "OUTPUT_DI_NORM"), "stack_csv"),
    "trainlearneddi": (lambda s, o: {"STACK_FOLDERS": os.path.dirname(s.stack_csv), "EPOCHS": 1,
                                     "OUTPUT_MODEL": _out(o, "model.onnx")}, ("OUTPUT_MODEL",), None),
    "coherenceslc": (lambda s, o: {"SLC_1": s.slc_1, "SLC_2": s.slc_2, "OUTPUT": _out(o, "coh.tif")},
                     ("OUTPUT",), "slc_1"),
    "coherencefromintensity": (lambda s, o: {"IMAGE_1": s.sar, "IMAGE_2": s.sar2, "METHOD": 1,
                                             "OUTPUT": _out(o, "cohi.tif"),
                                             "OUTPUT_SIGMA": _out(o, "cohi_sigma.tif")},
                               ("OUTPUT", "OUTPUT_SIGMA"), "sar"),
    "unsupervisedchange": (lambda s, o: {"IMAGE_1": s.sar, "IMAGE_2": s.sar2, "OUTPUT": _out(o, "us.tif"),
                                         "OUTPUT_DI": _out(o, "us_di.tif")}, ("OUTPUT", "OUTPUT_DI"), "sar"),
    "segment": (lambda s, o: {"INPUT": s.vv_vh_db, "BANDS": "1,2", "MODEL": s.segmentation_model,
                              "OUTPUT": _out(o, "classes.tif"), "PROBABILITIES": _out(o, "probs.tif")},
                ("OUTPUT", "PROBABILITIES"), "vv_vh_db"),
    "sartooptical": (lambda s, o: {"INPUT": s.vv_vh_db, "DEM": s.dem, "DATE": "2018-06-15",
                                   "OUTPUT": _out(o, "optical.tif")}, ("OUTPUT",), "vv_vh_db"),
    "finetunelearneddi": (lambda s, o: {"STACK_TABLE": s.stack_csv, "MAX_MINUTES": 0.05, "PATCH": 32,
                                        "OUTPUT_MODEL": _out(o, "finetuned.onnx")},
                          ("OUTPUT_MODEL",), "stack_csv"),
    "traincoherence": (lambda s, o: {"PAIR_FOLDERS": s.coherence_pairs, "EPOCHS": 1,
                                     "OUTPUT_MODEL": _out(o, "coherence.onnx")}, ("OUTPUT_MODEL",), None),
    "trainsartooptical": (lambda s, o: {"PAIRS": os.path.dirname(s.optical_pairs), "EPOCHS": 1,
                                        "OUTPUT_MODEL": _out(o, "s2o.onnx")}, ("OUTPUT_MODEL",), None),
    "trainsegmentation": (lambda s, o: {"INPUT": s.vv_vh_db, "LABEL_RASTER": s.labels, "VAL_RASTER": s.labels,
                                        "EPOCHS": 1, "PATCH": 32,
                                        "OUTPUT_MODEL": _out(o, "seg.onnx")}, ("OUTPUT_MODEL",), "vv_vh_db"),
}

#: Output parameter descriptions as the messages name them (a regex alternative per algorithm).
OUTPUT_FIX = r"choose another|give each output its own|choose a writable|free some space|choose a folder|" \
             r"choose an output path|create it|give a file name"


def _with(alg, **changes):
    """Parameters of ``alg``'s valid run with ``changes`` (callables of (scene, out) or values)."""
    build = BASE[alg][0]

    def make(scene, out):
        params = build(scene, out)
        for key, value in changes.items():
            params[key] = value(scene, out) if callable(value) else value
        return params
    return make


def _link(kind):
    """An output path that is a symlink / hard link to the main input."""
    def make(scene, out, target):
        path = _out(out, f"{kind}_to_input{os.path.splitext(target)[1]}")
        if not os.path.lexists(path):
            (os.symlink if kind == "symlink" else os.link)(target, path)
        return path
    return make


def output_cases():
    """Output-policy cases for every algorithm: output = input (path, symlink, hard link), two
    outputs on one file, a path under a file, a full disk, a read-only folder."""
    cases = []
    for alg, (_, outs, main) in BASE.items():
        if outs and main:
            first = outs[0]
            same = _with(alg, **{first: lambda s, o, m=main: getattr(s, m)})
            cases.append(Case(alg, "output_is_input", same, r"must not overwrite the input", OUTPUT_FIX,
                              outputs=outs[1:]))
            for kind in ("symlink", "hardlink"):
                cases.append(Case(
                    alg, f"output_is_{kind}_to_input",
                    _with(alg, **{first: lambda s, o, m=main, k=kind: _link(k)(s, o, getattr(s, m))}),
                    r"must not overwrite the input", OUTPUT_FIX, outputs=outs[1:]))
        if len(outs) > 1:
            cases.append(Case(alg, "two_outputs_one_file",
                              _with(alg, **{outs[1]: lambda s, o, a=alg, f=outs[0]: BASE[a][0](s, o)[f]}),
                              r"are the same file", OUTPUT_FIX))
        if outs:  # the folder the outputs go to: a temporary file would land in its parent
            cases.append(Case(alg, "output_is_a_folder", _with(alg, **{outs[0]: lambda s, o: str(o)}),
                              r"is an existing folder", r"give a file name", outputs=outs[1:]))
            cases.append(Case(alg, "output_under_a_file",
                              _with(alg, **{outs[0]: lambda s, o: os.path.join(s.not_raster, "out.tif")}),
                              r"is a file, not a folder", OUTPUT_FIX))
        if alg != "estimateenl":
            cases.append(Case(alg, "disk_full", BASE[alg][0], r"disk .*(full|free)|needs about", OUTPUT_FIX,
                              outputs=outs, mount="full"))
            cases.append(Case(alg, "read_only_folder", BASE[alg][0], r"read-only", OUTPUT_FIX,
                              outputs=outs, mount="readonly"))
    return cases


def input_cases():
    """Bad inputs of the issue, per algorithm."""
    c = []
    nodata = r"no valid pixel"
    nodata_fix = r"check its no-data value"
    db_as_linear = (r"looks like dB", r"Set the input scale to dB")
    linear_as_db = (r"looks like linear power", r"Set the input scale to linear")
    negative = (r"negative", r"set them to no data")
    window = (r"larger than", r"use a (window|matching window|target window) of at most")
    grid = r"not on the grid"
    grid_fix = r"coregister|[Rr]esample"

    # Speckle filter
    for case, params, (names, fix) in (
            ("all_nan", {"INPUT": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("db_declared_linear", {"INPUT": lambda s, o: s.sar_db}, db_as_linear),
            ("linear_declared_db", {"SCALE": 2}, linear_as_db),
            ("negative_power", {"INPUT": lambda s, o: s.sar_negative}, negative),
            ("window_larger_than_image", {"WINDOW_SIZE": 61}, window),
            ("median_window_999", {"METHOD": 1, "WINDOW_SIZE": 999}, (r"larger than", r"at most")),
            ("frost_window_301", {"METHOD": 5, "WINDOW_SIZE": 301}, (r"larger than", r"at most")),
            ("tiny_image", {"INPUT": lambda s, o: s.tiny}, (r"1 x 1 pixels", r"at least 2 x 2")),
            ("not_a_raster", {"INPUT": lambda s, o: s.not_raster},
             (r"Input SAR raster.*not a readable raster", r"Give a GeoTIFF")),
            ("truncated_raster", {"INPUT": lambda s, o: s.truncated},
             (r"truncated.*(not a readable raster|damaged or cut short)", r"re-create the file")),
    ):
        c.append(Case("specklefilter", case, _with("specklefilter", **params), names, fix,
                      outputs=("OUTPUT",)))
    # ENL
    for case, params, (names, fix) in (
            ("all_nan", {"INPUT": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("constant", {"INPUT": lambda s, o: s.constant}, (r"same value", r"check the band")),
            ("db_declared_linear", {"INPUT": lambda s, o: s.sar_db}, db_as_linear),
            ("linear_declared_db", {"SCALE": 2}, linear_as_db),
    ):
        c.append(Case("estimateenl", case, _with("estimateenl", **params), names, fix))
    # Difference image
    for case, params, (names, fix) in (
            ("all_nan", {"IMAGE_2": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("db_declared_linear", {"IMAGE_1": lambda s, o: s.sar_db}, db_as_linear),
            ("linear_declared_db", {"SCALE": 2}, linear_as_db),
            ("origin_differs", {"IMAGE_2": lambda s, o: s.shifted}, (grid + r".*origin shifted", grid_fix)),
            ("size_differs", {"IMAGE_2": lambda s, o: s.smaller}, (grid + r".*size 48 x 40", grid_fix)),
            ("crs_differs", {"IMAGE_2": lambda s, o: s.other_crs}, (grid + r".*CRS EPSG:32632", grid_fix)),
            ("window_larger_than_image", {"METHOD": 3, "WINDOW": 61}, window),
    ):
        c.append(Case("differenceimage", case, _with("differenceimage", **params), names, fix,
                      outputs=("OUTPUT",)))
    # Threshold
    c.append(Case("thresholdchange", "all_nan", _with("thresholdchange", INPUT=lambda s, o: s.all_nan),
                  nodata, nodata_fix, outputs=("OUTPUT_MASK", "OUTPUT_DI")))
    c.append(Case("thresholdchange", "constant_di", _with("thresholdchange", INPUT=lambda s, o: s.constant),
                  r"is constant", r"check the band", outputs=("OUTPUT_MASK", "OUTPUT_DI")))
    # Inject
    for case, params, (names, fix) in (
            ("all_nan", {"INPUT": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("db_declared_linear", {"INPUT": lambda s, o: s.sar_db}, db_as_linear),
            ("negative_power", {"INPUT": lambda s, o: s.sar_negative}, negative),
            ("target_mask_crs_differs", {"MODE": 1, "TARGET_MASK": lambda s, o: s.other_crs},
             (r"CRS EPSG:32632", r"resample|coregister|grid")),
            ("target_mask_origin_differs", {"MODE": 1, "TARGET_MASK": lambda s, o: s.mask_shifted},
             (r"origin shifted", r"resample|coregister|grid")),
    ):
        c.append(Case("injectchanges", case, _with("injectchanges", **params), names, fix,
                      outputs=("OUTPUT", "OUTPUT_MASK")))
    # SVM
    for case, params, (names, fix) in (
            ("all_nan", {"IMAGE_2": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("crs_differs", {"IMAGE_2": lambda s, o: s.other_crs}, (grid + r".*CRS", grid_fix)),
            ("reference_mask_origin_differs", {"REFERENCE_MASK": lambda s, o: s.mask_shifted},
             (grid + r".*origin shifted", grid_fix)),
            ("db_declared_linear", {"IMAGE_1": lambda s, o: s.sar_db}, db_as_linear),
            ("constant_image_pseudo_labels", {"IMAGE_2": lambda s, o: s.constant, "LABEL_SOURCE": 2},
             (r"constant.*same value", r"check the band")),
    ):
        c.append(Case("svmchange", case, _with("svmchange", **params), names, fix,
                      outputs=("OUTPUT_MASK", "OUTPUT_MODEL")))
    # Evaluation
    for case, params, (names, fix) in (
            ("all_nan_prediction", {"PREDICTION": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("all_nan_reference", {"REFERENCE": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("all_nan_di", {"PREDICTION": None, "DI": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("prediction_origin_differs", {"PREDICTION": lambda s, o: s.mask_shifted},
             (grid + r".*origin shifted", grid_fix)),
    ):
        c.append(Case("evaluatechange", case, _with("evaluatechange", **params), names, fix,
                      outputs=("OUTPUT_HTML", "OUTPUT_JSON")))
    # Terrain
    c.append(Case("terraingeometry", "all_nan_dem", _with("terraingeometry", DEM=lambda s, o: s.dem_nan),
                  nodata, nodata_fix, outputs=("SLOPE", "ASPECT")))
    for case, params, (names, fix) in (
            ("all_nan_sigma0", {"SIGMA0": lambda s, o: s.all_nan}, (nodata, nodata_fix)),
            ("all_nan_dem", {"DEM": lambda s, o: s.dem_nan}, (nodata, nodata_fix)),
            ("dem_is_the_output", {"OUTPUT": lambda s, o: s.dem},
             (r"must not overwrite the input", OUTPUT_FIX)),
            ("db_declared_linear", {"SIGMA0": lambda s, o: s.sar_db}, db_as_linear),
            ("linear_declared_db", {"SCALE": 2}, linear_as_db),
    ):
        c.append(Case("terrainflattening", case, _with("terrainflattening", **params), names, fix,
                      outputs=("OUTPUT",)))
    # Coregistration
    for case, params, (names, fix) in (
            ("featureless", {"REFERENCE": lambda s, o: s.constant, "INPUTS": lambda s, o: [s.constant]},
             (r"no reliable match|same value|no texture", r"visible features|check the band")),
            ("all_nan", {"INPUTS": lambda s, o: [s.all_nan]}, (nodata, nodata_fix)),
            ("window_larger_than_image", {"WINDOW": 64}, window),
    ):
        c.append(Case("coregister", case, _with("coregister", **params), names, fix,
                      outputs=("OUTPUT_TABLE",), extra_outputs=("coreg",)))
    # Simulated change mask
    c.append(Case("simulatedchangemask", "all_nan", _with("simulatedchangemask",
                                                          CHANGE_DATE=lambda s, o: s.all_nan),
                  nodata, nodata_fix, outputs=("OUTPUT",)))
    c.append(Case("simulatedchangemask", "output_is_change_date",
                  _with("simulatedchangemask", OUTPUT=lambda s, o: s.change_date),
                  r"must not overwrite the input", OUTPUT_FIX))
    c.append(Case("simulatedchangemask", "not_a_change_date_raster",
                  _with("simulatedchangemask", CHANGE_DATE=lambda s, o: s.sar),
                  r"not the change_date.tif", r"give that file", outputs=("OUTPUT",)))
    # Simulate stack
    c.append(Case("simulatestack", "all_nan_dem", _with("simulatestack", DEM=lambda s, o: s.dem_nan),
                  nodata, nodata_fix, extra_outputs=("sim",)))
    # Learned DI
    for case, params, (names, fix) in (
            ("db_stack_declared_linear", {"STACK_TABLE": lambda s, o: s.stack_db}, db_as_linear),
            ("linear_declared_db", {"SCALE": 2}, linear_as_db),
            ("all_nan_target", {"STACK_TABLE": lambda s, o: s.stack_nan_target}, (nodata, nodata_fix)),
            ("zeros_in_target", {"STACK_TABLE": lambda s, o: s.stack_zero_target},
             (r"zero power", r"declare 0 as the no-data value")),
            ("missing_condition", {"STACK_TABLE": lambda s, o: s.stack_csv_missing},
             (r"temperature_c", r"fill them in")),
            ("all_nan_dem", {"DEM": lambda s, o: s.dem_nan}, (nodata, nodata_fix)),
            ("conditions_outside_trained_range", {"STACK_TABLE": lambda s, o: s.stack_csv_hot},
             (r"temperature_c .*outside the trained range", r"use a model trained on similar conditions")),
            ("output_is_table", {"OUTPUT_DI_NORM": lambda s, o: s.stack_csv},
             (r"must not overwrite the input", OUTPUT_FIX)),
            ("output_is_an_acquisition_of_the_table", {"OUTPUT_DI": lambda s, o: s.first_acquisition},
             (r"'Learned DI \(VV, VH; dB\)' must not overwrite the input acquisition", OUTPUT_FIX)),
    ):
        c.append(Case("learneddi", case, _with("learneddi", **params), names, fix,
                      outputs=tuple(k for k in BASE["learneddi"][1] if k not in params)))
    # Training
    for case, params, (names, fix) in (
            ("db_stack", {"STACK_FOLDERS": lambda s, o: os.path.dirname(s.stack_db)}, db_as_linear),
            ("all_nan_images", {"STACK_FOLDERS": lambda s, o: os.path.dirname(s.stack_nan_target)},
             (nodata, nodata_fix)),
            ("model_over_init", {"INIT": lambda s, o: _init_model(o),
                                 "OUTPUT_MODEL": lambda s, o: _init_model(o)},
             (r"must not overwrite", r"choose another")),
    ):
        c.append(Case("trainlearneddi", case, _with("trainlearneddi", **params), names, fix,
                      outputs=("OUTPUT_MODEL",) if "OUTPUT_MODEL" not in params else ()))
    c.append(Case("specklefilter", "output_is_the_source_of_a_vrt_input",
                  _with("specklefilter", INPUT=lambda s, o: s.sar_vrt, OUTPUT=lambda s, o: s.sar),
                  r"must not overwrite the input 'Input SAR raster'", OUTPUT_FIX))
    c += newer_algorithm_cases()
    return c


#: Models of the repository (a model of another kind for each algorithm that takes one).
MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")
OTHER_KIND = (r"[Mm]odel.* of kind 'learned_di'|is a 'learned_di' model", r"(?i)give a|train one")
NOT_A_MODEL = (r"(?i)(model|weights).*not_raster\.tif", r"(?i)give (a|one)")


def _model_copy(out, name="learned_di.onnx"):
    """A copy of a shipped model in the output folder (an output may not overwrite it)."""
    path = _out(out, f"copy_{name}")
    if not os.path.exists(path):
        with open(os.path.join(MODELS, name), "rb") as src, open(path, "wb") as dst:
            dst.write(src.read())
    return path


def newer_algorithm_cases():
    """Bad inputs of the coherence, unsupervised change, segmentation, SAR-to-optical, fine-tuning and
    training algorithms (the trainers: only what is refused before training starts)."""
    c = []
    nodata = (r"no valid pixel", r"check its no-data value")
    db_as_linear = (r"looks like dB", r"Set the input scale to dB")
    grid = (r"not on the grid", r"coregister|[Rr]esample")
    window = (r"larger than", r"at most")
    band = (r"band \d does not exist", r"choose a band from 1 to \d")
    learned_di = lambda s, o: os.path.join(MODELS, "learned_di.onnx")  # noqa: E731
    groups = {
        "coherenceslc": (
            ("detected_image_as_slc", {"SLC_1": lambda s, o: s.sar},
             (r"'sar' band 1 is Float32, not complex", r"Give the SLC")),
            ("iq_pairs_of_one_band", {"FORMAT": 1, "SLC_1": lambda s, o: s.sar, "SLC_2": lambda s, o: s.sar2},
             (r"'sar' has 1 band\(s\): band 2 does not exist", r"I/Q pairs need bands b and b \+ 1")),
            ("band_out_of_range", {"BAND_2": 3}, (r"'slc_2': " + band[0], band[1])),
            ("window_larger_than_image", {"WINDOW_AZIMUTH": 61}, (r"'slc_1'.*azimuth window", window[1])),
            ("phase_origin_differs", {"PHASE": lambda s, o: s.shifted}, grid),
            ("output_is_the_phase", {"PHASE": lambda s, o: s.sar, "OUTPUT": lambda s, o: s.sar},
             (r"must not overwrite the input", OUTPUT_FIX)),
        ),
        "coherencefromintensity": (
            ("all_nan", {"IMAGE_2": lambda s, o: s.all_nan}, nodata),
            ("db_declared_linear", {"IMAGE_1": lambda s, o: s.sar_db}, db_as_linear),
            ("origin_differs", {"IMAGE_2": lambda s, o: s.shifted}, grid),
            ("window_larger_than_image", {"WINDOW": 61}, window),
            ("model_of_another_kind", {"METHOD": 0, "MODEL": learned_di},
             (r"Coherence model: .* kind 'learned_di'", r"Give a coherence model")),
            ("model_not_a_model", {"METHOD": 0, "MODEL": lambda s, o: s.not_raster}, NOT_A_MODEL),
        ),
        "unsupervisedchange": (
            ("all_nan", {"IMAGE_2": lambda s, o: s.all_nan}, nodata),
            ("db_declared_linear", {"IMAGE_1": lambda s, o: s.sar_db}, db_as_linear),
            ("negative_power", {"IMAGE_1": lambda s, o: s.sar_negative}, (r"negative", r"no data")),
            ("crs_differs", {"IMAGE_2": lambda s, o: s.other_crs}, grid),
            ("band_out_of_range", {"BAND_2": 2}, (r"'sar2': " + band[0], band[1])),
            ("constant_image", {"IMAGE_2": lambda s, o: s.constant},
             (r"'constant'.*same value", r"check the band")),
        ),
        "segment": (
            ("all_nan", {"INPUT": lambda s, o: s.vv_vh_db_nan}, nodata),
            ("linear_declared_for_db", {"SCALE": 0}, db_as_linear),
            ("model_of_another_kind", {"MODEL": learned_di}, OTHER_KIND),
            ("model_not_a_model", {"MODEL": lambda s, o: s.not_raster}, NOT_A_MODEL),
            ("fewer_bands_than_the_model", {"BANDS": "1"}, (r"takes 2 bands", r"choose the SAR bands")),
            ("band_out_of_range", {"BANDS": "1,3"}, (r"'vv_vh_db': " + band[0], band[1])),
            ("probabilities_is_input", {"PROBABILITIES": lambda s, o: s.vv_vh_db},
             (r"'Class probabilities.*must not overwrite the input", OUTPUT_FIX)),
        ),
        "sartooptical": (
            ("all_nan", {"INPUT": lambda s, o: s.vv_vh_db_nan}, nodata),
            ("linear_declared_for_db", {"SCALE": 1}, db_as_linear),
            ("dem_does_not_cover", {"DEM": lambda s, o: s.dem_elsewhere},
             (r"the DEM .* does not cover the SAR extent", r"give a DEM covering")),
            ("vh_band_out_of_range", {"VH_BAND": 3},
             (r"'vv_vh_db'.*band 3 does not exist", r"choose the VV and VH bands")),
            ("model_of_another_kind", {"MODEL": learned_di}, OTHER_KIND),
            ("model_not_a_model", {"MODEL": lambda s, o: s.not_raster}, NOT_A_MODEL),
            ("output_is_the_dem", {"OUTPUT": lambda s, o: s.dem},
             (r"must not overwrite the input 'DEM", OUTPUT_FIX)),
            ("no_date_given_or_in_the_name", {"DATE": ""},
             (r"'vv_vh_db' .* holds no date", r"give the acquisition date")),
        ),
        "finetunelearneddi": (  # the target itself is not trained on: only the history is checked
            ("db_stack", {"STACK_TABLE": lambda s, o: s.stack_db}, (r"looks like dB", r"[Ss]et the input")),
            ("no_history_before_target", {"TARGET_DATE": "2020-01-01"},
             (r"only 0 acquisition\(s\) before the target", r"give a longer stack or a later target")),
            ("model_of_another_kind", {"MODEL": lambda s, o: os.path.join(MODELS, "coherence.onnx")},
             (r"coherence.onnx is not a learned difference-image model", r"train one")),
            ("output_over_the_model", {"MODEL": lambda s, o: _model_copy(o),
                                       "OUTPUT_MODEL": lambda s, o: _model_copy(o)},
             (r"must not overwrite", r"choose another")),
        ),
        "traincoherence": (
            ("no_pairs_in_folder", {"PAIR_FOLDERS": lambda s, o: s.empty_folder},
             (r"empty holds neither pair.csv", r"give pair folders")),
            ("missing_folder", {"PAIR_FOLDERS": lambda s, o: _out(o, "nowhere")},
             (r"nowhere", r"give pair folders")),
            ("weights_file_not_given", {"START": 2}, (r"initial weights file \(none\)", r"give a \.pt")),
            ("weights_not_a_model", {"START": 2, "INIT": lambda s, o: s.not_raster}, NOT_A_MODEL),
            ("weights_of_another_kind", {"START": 2, "INIT": learned_di}, OTHER_KIND),
            ("model_over_init", {"START": 2, "INIT": lambda s, o: _model_copy(o, "coherence.onnx"),
                                 "OUTPUT_MODEL": lambda s, o: _model_copy(o, "coherence.onnx")},
             (r"must not overwrite", r"choose another")),
        ),
        "trainsartooptical": (
            ("no_pairs_csv", {"PAIRS": lambda s, o: s.empty_folder},
             (r"empty holds no pairs\.csv", r"give folders")),
            ("init_of_another_kind", {"INIT": learned_di}, OTHER_KIND),
            ("init_not_a_model", {"INIT": lambda s, o: s.not_raster}, NOT_A_MODEL),
            ("model_over_init", {"INIT": lambda s, o: _model_copy(o, "sar_to_optical.onnx"),
                                 "OUTPUT_MODEL": lambda s, o: _model_copy(o, "sar_to_optical.onnx")},
             (r"must not overwrite", r"choose another")),
        ),
        "trainsegmentation": (
            ("no_labels", {"LABEL_RASTER": None, "VAL_RASTER": None}, (r"labels", r"Give the labels")),
            ("labels_origin_differs", {"LABEL_RASTER": lambda s, o: s.mask_shifted},
             (r"'mask_shifted' .* is not on the grid", r"resample it")),
            ("all_nan", {"INPUT": lambda s, o: s.vv_vh_db_nan}, nodata),
            ("band_out_of_range", {"BANDS": "1,3"}, (r"'vv_vh_db': " + band[0], band[1])),
            ("one_class_name", {"CLASSES": "water"}, (r"(?i)classes", r"give at least two")),
        ),
    }
    for alg, cases in groups.items():
        outs = BASE[alg][1]
        for case, params, (names, fix) in cases:
            c.append(Case(alg, case, _with(alg, **params), names, fix,
                          outputs=tuple(k for k in outs if k not in params)))
    return c


def _init_model(out):
    path = _out(out, "init.onnx")
    if not os.path.exists(path):
        with open(path, "wb") as handle:
            handle.write(b"weights")
    return path


def _replace_main(alg, main, attr):
    """``alg``'s valid run with its main input (the parameter holding scene.<main>) set to scene.<attr>."""
    build = BASE[alg][0]

    def make(scene, out):
        params = build(scene, out)
        target = getattr(scene, main)
        for key, value in params.items():
            if value == target:
                params[key] = getattr(scene, attr)
            elif isinstance(value, list) and target in value:
                params[key] = [getattr(scene, attr) if v == target else v for v in value]
        return params
    return make


def main_input_cases():
    """For every algorithm whose main input is a raster: that input replaced by a file that is not a
    raster and a raster cut short."""
    cases = []
    for alg, (_, outs, main) in BASE.items():
        if not main or main == "stack_csv":
            continue
        for name, attr, names, fix in (
                ("main_input_not_a_raster", "not_raster", r"not a readable raster", r"Give a GeoTIFF"),
                ("main_input_cut_short", "truncated", r"not a readable raster|damaged or cut short",
                 r"re-create the file")):
            cases.append(Case(alg, name, _replace_main(alg, main, attr), names, fix, outputs=outs))
    return cases


def all_cases():
    return output_cases() + input_cases() + main_input_cases()


# --- Running a case -------------------------------------------------------------------------------


def mount_tmpfs(folder, kind):
    """Mount a tmpfs at ``folder``: 'full' (16 KiB) or 'readonly'. Returns None or why it cannot."""
    os.makedirs(folder, exist_ok=True)
    options = "size=16k" if kind == "full" else "ro,size=64k"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", folder],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"cannot mount a tmpfs ({done.stderr.strip() or done.returncode}); run as root (CI does)"
    return None


def unmount(folder):
    subprocess.run(["umount", folder], capture_output=True)


@dataclass
class Outcome:
    """What a case did: ``kind`` in clear / unclear / crash / silent; files left; inputs changed."""

    kind: str
    message: str
    left: list
    modified: list


def run_case(case, scene, out, run):
    """Run ``case`` into folder ``out`` with ``run`` (processing.run); return an Outcome."""
    from qgis.core import QgsProcessingException

    os.makedirs(out, exist_ok=True)
    params = case.build(scene, out)
    before = scene.checksums()
    paths = [params[k] for k in case.outputs if isinstance(params.get(k), str)]
    paths += [_out(out, p) for p in case.extra_outputs]
    existed = {p: os.path.exists(p) for p in paths}
    try:
        run(f"sarchange:{case.alg}", params)
        kind, message = "silent", "no error"
    except QgsProcessingException as exc:
        message = str(exc)
        ok = re.search(case.names, message) and (not case.fix or re.search(case.fix, message))
        kind = "clear" if ok and ".partial" not in message else "unclear"
        if "Traceback" in message or "There were errors executing the algorithm" in message:
            kind = "crash"
    except Exception as exc:  # noqa: BLE001 - a crash is an outcome here
        kind, message = "crash", f"{type(exc).__name__}: {exc}"
    left = [p for p in paths if os.path.exists(p) and not existed[p]
            and (os.path.isfile(p) or os.listdir(p))]
    for folder in (str(out), os.path.dirname(os.path.abspath(str(out)))):  # beside an output, or a folder
        left += [p for p in glob.glob(os.path.join(folder, ".*partial*"))]
    after = scene.checksums()
    modified = [p for p in before if after.get(p) != before[p]]
    return Outcome(kind, message, left, modified)
