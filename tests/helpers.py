"""Small synthetic inputs shared by the tests (numpy only), and a loader for the benchmark scripts."""
import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def gamma_speckle(shape, looks, seed=0, mean=1.0):
    """L-look intensity speckle: Gamma(L, mean/L), mean ``mean``, ENL = L."""
    rng = np.random.default_rng(seed)
    return (rng.gamma(looks, mean / looks, shape)).astype(np.float32)


def structured_scene(n=160, looks=2, seed=0):
    """Speckled scene with a step edge, a dark disc, a ramp and a bright point (linear power)."""
    y, x = np.mgrid[0:n, 0:n]
    scene = np.where(x < n // 2, 1.0, 4.0) * np.where((y - n // 2) ** 2 + (x - n // 4) ** 2 < (n // 8) ** 2,
                                                      0.2, 1.0)
    scene = scene + 0.5 * y / n
    scene[n * 3 // 4, n * 3 // 4] = 60.0
    return (scene * gamma_speckle((n, n), looks, seed)).astype(np.float32)


def brute_window(image, size, reducer):
    """Reference: ``reducer`` over the valid values of every window (slow, small arrays)."""
    r = size // 2
    padded = np.pad(image.astype(np.float64), r, constant_values=np.nan)
    out = np.full(image.shape, np.nan)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            w = padded[i:i + size, j:j + size]
            w = w[np.isfinite(w)]
            if w.size:
                out[i, j] = reducer(w)
    return out


def algorithm_id(name):
    """``sarchange:<name>``, after checking that the plugin's provider registered it."""
    from qgis.core import QgsApplication

    alg_id = f"sarchange:{name}"
    registered = QgsApplication.processingRegistry().algorithmById(alg_id)
    assert registered is not None, f"{alg_id} is not registered"
    return alg_id


def write_raster(path, bands, geotransform, crs=32631, nodata=None, descriptions=None, dtype=None):
    """Write a GeoTIFF: ``bands`` (rows, cols) or (bands, rows, cols); ``crs`` an EPSG code or WKT.

    ``dtype``: a GDAL data type (default float32, values cast); ``descriptions``:
    one name per band or None. Returns the path as a string.
    """
    from osgeo import gdal, osr

    dtype = gdal.GDT_Float32 if dtype is None else dtype
    bands = np.asarray(bands, np.float32) if dtype == gdal.GDT_Float32 else np.asarray(bands)
    if bands.ndim == 2:
        bands = bands[None]
    rows, cols = bands.shape[1:]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, bands.shape[0], dtype)
    ds.SetGeoTransform(geotransform)
    srs = osr.SpatialReference()
    if isinstance(crs, int):
        srs.ImportFromEPSG(crs)
    else:
        srs.ImportFromWkt(crs)
    ds.SetProjection(srs.ExportToWkt())
    for i, band in enumerate(bands):
        b = ds.GetRasterBand(i + 1)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        if descriptions:
            b.SetDescription(descriptions[i])
        b.WriteArray(band)
    ds = None
    return str(path)


def load_benchmark(name):
    """benchmarks/``name``.py as a module; GDAL's exception mode, which a script may turn on, is restored."""
    from osgeo import gdal

    was = gdal.GetUseExceptions()
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        if not was:
            gdal.DontUseExceptions()
    return module


def recording_feedback():
    """A QgsProcessingFeedback that keeps what it is told (built on call: needs QGIS): ``.infos``,
    ``.warnings``, ``.lines`` (both in order, warnings prefixed "WARNING ") and ``.text()``."""
    from qgis.core import QgsProcessingFeedback

    class Recorder(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos, self.warnings, self.lines = [], [], []

        def pushInfo(self, info):
            self.infos.append(info)
            self.lines.append(info)
            super().pushInfo(info)

        def pushWarning(self, warning):
            self.warnings.append(warning)
            self.lines.append("WARNING " + warning)
            super().pushWarning(warning)

        def text(self):
            return "\n".join(self.lines)

    return Recorder()
