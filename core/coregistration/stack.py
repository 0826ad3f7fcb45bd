"""Coregister a stack of SAR rasters onto a reference image (or onto a DEM simulation).

``coregister_stack`` reads rasters through GDAL, brings each moving raster
onto the reference grid (``gdal.Warp`` when CRS, pixel size, origin or size
differ), measures local offsets on a grid of windows in amplitude (or dB,
or linear power) (``offsets.estimate_offsets``), excluding layover/shadow/strong
foreshortening (from a DEM) and, optionally, water, fits a robust model
(``models.fit_model``), resamples every band (``resampling.resample``) and
writes:

- one float32 GeoTIFF per moving raster on the reference grid
  (``<name><suffix>.tif``, NaN no data, band descriptions kept);
- an offset table CSV, one row per measured window per image: image, row,
  col, dy, dx, peak, inlier, x, y (row/col: window centre, reference
  pixels; dy/dx: pixels; x/y: window centre in the reference CRS);
- a JSON report, one entry per image: windows measured and used, model
  parameters, residual RMSE (pixels), whether it was warped.

Memory: without a despeckling filter, rasters stream tile by tile
(``raster_offsets`` for the offsets, ``raster_resampling`` for the output; a
moving raster on another grid is first warped by GDAL into a temporary
GeoTIFF beside the outputs), equal to the whole-image results
(tests/test_coregistration_streaming.py). With a DEM, the DEM is warped
into a temporary GeoTIFF on the reference grid and its layover / shadow /
foreshortening exclusion and simulated image are traced block by block into
temporary GeoTIFFs (``dem_layers``) that the offsets read tile by tile
(tests/test_coregistration_dem_streaming.py). With a despeckling filter the
whole-image mode holds whole images: the reference and one moving raster at
a time, about 60 bytes per pixel plus 8 bytes per band and pixel of the
moving raster. Offsets are measured on one band and applied to all bands.
"""
import csv
import json
import os
import uuid

import numpy as np
from osgeo import gdal, osr

from ..engine import scale as scales
from ..engine.outputs import text_output
from ..engine.progress import progress_range
from ..engine.raster_blocks import (
    Cancelled,
    RasterError,
    gdal_cache_budget,
    open_readonly,
    read_array,
    read_info,
    write_array,
)
from ..terrain import geometry as terrain
from . import correlation as corr
from . import dem_layers
from . import models as mdl
from . import offsets as ofs
from . import raster_offsets as rofs
from . import resampling as rs
from .raster_resampling import resample_raster

TABLE_COLUMNS = ("image", "row", "col", "dy", "dx", "peak", "inlier", "x", "y")
DEFAULT_TABLE = "coregistration_offsets.csv"
DEFAULT_REPORT = "coregistration_report.json"


class CoregistrationError(RasterError):
    """A raster cannot be coregistered; ``path`` names it (None for general errors)."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


def min_windows_for(kind):
    """Default minimum number of inlier windows: twice the coefficients per axis, at least 3."""
    return max(3, 2 * len(mdl.TERMS[mdl.check_model(kind)]))


# ----------------------------------------------------------------------------------------------
# Grids
# ----------------------------------------------------------------------------------------------

def _same_crs(a, b):
    if not a and not b:
        return True
    if not a or not b:
        return False
    sa, sb = osr.SpatialReference(), osr.SpatialReference()
    sa.ImportFromWkt(a)
    sb.ImportFromWkt(b)
    return bool(sa.IsSame(sb))


def same_grid(info, ref):
    """True when ``info`` (a RasterInfo) has the reference's size, geotransform and CRS."""
    if (info.xsize, info.ysize) != (ref.xsize, ref.ysize):
        return False
    ga, gb = info.geotransform or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0), ref.geotransform or (
        0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    tol = 1e-6 * max(abs(gb[1]), abs(gb[5]))
    if any(abs(a - b) > tol for a, b in zip(ga, gb)):
        return False
    return _same_crs(info.projection, ref.projection)


def _grid_difference(info, ref):
    """Words for what differs between two grids (for the log)."""
    what = []
    if not _same_crs(info.projection, ref.projection):
        what.append("CRS")
    ga, gb = info.geotransform or (0,) * 6, ref.geotransform or (0,) * 6
    if not np.allclose([ga[1], ga[5]], [gb[1], gb[5]]):
        what.append("pixel size")
    if not np.allclose([ga[0], ga[3]], [gb[0], gb[3]]):
        what.append("origin")
    if (info.xsize, info.ysize) != (ref.xsize, ref.ysize):
        what.append("size")
    return ", ".join(what) or "grid"


def _check_north_up(info):
    gt = info.geotransform
    if not gt:
        raise CoregistrationError(f"{info.path} has no geotransform: georeference it first", info.path)
    if gt[2] != 0 or gt[4] != 0:
        raise CoregistrationError(f"{info.path} has a rotated geotransform; warp it to a north-up grid "
                                  "first (gdalwarp)", info.path)


def warp_to_grid(path, ref, resampling=rs.BILINEAR):
    """Warp every band of ``path`` onto the grid of ``ref`` (RasterInfo); float32 (bands, rows, cols).

    ``gdal.Warp`` into /vsimem with the reference's CRS, bounds and size,
    GDAL's ``resampling`` kernel, NaN as no data (source no data honoured).
    Raises CoregistrationError when the raster lacks a CRS the warp needs.
    """
    dst = f"/vsimem/sar_change_warp_{uuid.uuid4().hex}.tif"
    try:
        warp_to_file(path, ref, dst, resampling)
        return np.stack([read_array(dst, b) for b in range(1, read_info(dst).bands + 1)])
    finally:
        gdal.Unlink(dst)


def warp_to_file(path, ref, dst, resampling=rs.BILINEAR):
    """``warp_to_grid`` into the float32 GeoTIFF ``dst`` (tiled; GDAL warps it in chunks); returns ``dst``."""
    src = read_info(path)
    if bool(src.projection) != bool(ref.projection):
        raise CoregistrationError(
            f"{path} and the reference {ref.path} are on different grids and only one has a CRS: "
            "assign the missing CRS first", path)
    gt = ref.geotransform
    bounds = (gt[0], gt[3] + ref.ysize * gt[5], gt[0] + ref.xsize * gt[1], gt[3])
    options = gdal.WarpOptions(
        format="GTiff", outputBounds=bounds, width=ref.xsize, height=ref.ysize,
        dstSRS=ref.projection or None, resampleAlg=rs.GDAL_NAMES[resampling],
        outputType=gdal.GDT_Float32, dstNodata=float("nan"), warpOptions=["INIT_DEST=NO_DATA"],
        creationOptions=["TILED=YES", "BIGTIFF=IF_SAFER"])
    try:
        with gdal_cache_budget():
            ds = gdal.Warp(str(dst), open_readonly(path), options=options)
        if ds is None:
            raise CoregistrationError(
                f"cannot warp {path} onto the grid of {ref.path}: {gdal.GetLastErrorMsg()}", path)
        ds = None
    except RuntimeError as exc:
        raise CoregistrationError(f"cannot warp {path} onto the grid of {ref.path}: {exc}", path) from exc
    return str(dst)


def _read_all(path, info):
    return np.stack([read_array(path, b) for b in range(1, info.bands + 1)])


def _to_power(values, scale, path):
    try:
        scales.check_scale(values, scale)
    except ValueError as exc:
        raise CoregistrationError(f"{path}: {exc}", path) from exc
    return scales.to_linear_power(values, scale)


# ----------------------------------------------------------------------------------------------
# Orchestration
# ----------------------------------------------------------------------------------------------

def _label(path, used):
    base = os.path.splitext(os.path.basename(str(path)))[0]
    label, k = base, 2
    while label in used:
        label, k = f"{base}_{k}", k + 1
    used.add(label)
    return label


def _part(progress, index, count):
    """``part(start, stop)``: a callback mapping 0..100 onto this image's share from start to stop %."""
    def part(start, stop):
        base, share = 100.0 * index / count, 1.0 / count
        return progress_range(progress, base + share * start, base + share * stop)
    return part


def _streamed_offsets(ref_path, on_grid, path, band, matching, overlap_error, say, progress, is_canceled,
                      terrain=None):
    """Offset table of ``on_grid`` (``path`` on the reference grid) read tile by tile (``raster_offsets``).

    Returns (table, windows without texture, windows in the grid). ``say``:
    a log callback for the water share (None: not logged again);
    ``terrain``: ``raster_offsets.TerrainReaders`` of the DEM, or None.
    """
    ref_reader = rofs.BandReader(ref_path, band)
    mov_reader = rofs.BandReader(on_grid, band)
    found = rofs.scan(ref_reader, mov_reader, matching, is_canceled, terrain)
    _check_negatives(found.ref_negative, found.ref_finite, matching.scale, ref_path)
    if found.mov_finite == 0:
        raise overlap_error
    _check_negatives(found.mov_negative, found.mov_finite, matching.scale, path)
    if say is not None and matching.mask_water:
        say(f"Water mask: {100.0 * found.ref_water / found.pixels:.1f} % of the reference is dark and "
            "featureless (excluded)")
    table, flat = rofs.measure(ref_reader, mov_reader, matching, found, progress=progress,
                               is_canceled=is_canceled, terrain=terrain)
    return table, int(np.count_nonzero(flat)), len(flat)


def _check_negatives(negative, finite, scale, path):
    try:
        scales.check_negative_fraction(negative / finite if finite else 0.0, scale)
    except ValueError as exc:
        raise CoregistrationError(f"{path}: {exc}", path) from exc


def _dem_pixel_metres(overlaps, dem_path, ref_path, ref):
    """Pixel sizes (metres) of the reference grid for the DEM's tracing; refuses a DEM that does not
    overlap the reference (``overlaps`` False: no finite height on its grid)."""
    if not overlaps:
        raise CoregistrationError(f"the DEM {dem_path} does not overlap the reference {ref_path}",
                                  str(dem_path))
    try:
        return terrain.pixel_size_metres(ref.geotransform, ref.projection, ref.ysize)
    except ValueError as exc:
        raise CoregistrationError(f"reference grid of {ref_path}: {exc}", ref_path) from exc


def _say_dem(say, excluded_share, register_to_dem):
    say(f"DEM mask: {100.0 * excluded_share:.1f} % of the reference grid in layover, shadow or "
        "strong foreshortening (excluded)")
    if register_to_dem:
        say("Absolute mode: matching every raster against the SAR image simulated from the DEM")


def _streamed_terrain(ref_path, ref, dem_path, out_dir, temporary, register_to_dem, incidence_deg,
                      heading_deg, right_looking, foreshortening_ratio, say, progress, is_canceled):
    """The DEM's layers on the reference grid, traced block by block (``dem_layers``); TerrainReaders.

    The DEM is warped onto the reference grid into a temporary GeoTIFF in
    ``out_dir`` (bilinear, as the whole-image mode); the layers are written
    beside it. Every file is appended to ``temporary`` (removed by the caller).
    """
    def scratch(name):
        path = os.path.join(str(out_dir), f".{name}_{uuid.uuid4().hex}.tif")
        temporary.append(path)
        return path

    on_grid = warp_to_file(str(dem_path), ref, scratch("dem_on_grid"), rs.BILINEAR)
    heights = dem_layers.height_range(on_grid, is_canceled)
    dx_m, dy_m = _dem_pixel_metres(np.isfinite(heights).all(), dem_path, ref_path, ref)
    traced = dem_layers.trace_layers(
        on_grid, scratch("dem_exclusion"), scratch("dem_simulation") if register_to_dem else None, dx_m, dy_m,
        incidence_deg, heading_deg, right_looking, foreshortening_ratio, heights=heights, progress=progress,
        is_canceled=is_canceled)
    _say_dem(say, traced.excluded / traced.pixels, register_to_dem)
    return rofs.TerrainReaders(rofs.BandReader(traced.exclusion, 1),
                               rofs.BandReader(traced.simulation, 1) if register_to_dem else None)


#: Share of the progress bar (%) taken by the DEM's tracing.
DEM_PROGRESS = 15.0


class _WholeImages:
    """The whole-image mode (a despeckling filter): the reference band and masks in memory (a DEM's too)."""

    def __init__(self, ref_path, ref, band, scale, dem_path, register_to_dem, mask_water, water_db,
                 heading_deg, incidence_deg, right_looking, foreshortening_ratio, say):
        self.ref_power = _to_power(read_array(ref_path, band), scale, ref_path)
        self.shape = self.ref_power.shape
        self.band, self.scale, self.mask_water, self.water_db = band, scale, mask_water, water_db
        self.base_valid = np.ones(self.shape, dtype=bool)
        self.target = self.ref_power
        if dem_path:
            dem = warp_to_grid(str(dem_path), ref, rs.BILINEAR)[0].astype(np.float64)
            dx_m, dy_m = _dem_pixel_metres(np.isfinite(dem).any(), dem_path, ref_path, ref)
            exclude, _ = ofs.terrain_exclusion(dem, dx_m, dy_m, incidence_deg, heading_deg, right_looking,
                                               foreshortening_ratio)
            self.base_valid &= ~exclude
            if register_to_dem:
                self.target = terrain.simulated_sar(dem, dx_m, dy_m, np.radians(incidence_deg), heading_deg,
                                                    right_looking)
            _say_dem(say, exclude.mean(), register_to_dem)
        if mask_water:
            water = ofs.water_mask(self.ref_power, water_db)
            self.base_valid &= ~water
            say(f"Water mask: {100.0 * water.mean():.1f} % of the reference is dark and featureless "
                "(excluded)")

    def offsets(self, data, path, m, overlap_error, despeckle, is_canceled):
        """(table, windows without texture, windows in the grid) of ``data`` (bands on the reference grid)."""
        if not np.isfinite(data[self.band - 1]).any():
            raise overlap_error
        mov_power = _to_power(data[self.band - 1], self.scale, path)
        valid = self.base_valid
        if self.mask_water:
            valid = valid & ~ofs.water_mask(mov_power, self.water_db)
        table = ofs.estimate_offsets(self.target, mov_power, window=m.window, step=m.step, valid_mask=valid,
                                     max_invalid=m.max_invalid, upsample=m.upsample, domain=m.domain,
                                     despeckle=despeckle, is_canceled=is_canceled)
        grid = ofs.window_grid(self.shape, m.window, m.spacing)
        flat = int(np.count_nonzero(~(ofs.textured(self.target, *grid, m.window)
                                      & ofs.textured(mov_power, *grid, m.window))))
        return table, flat, len(grid[0])


def coregister_stack(ref_path, mov_paths, out_dir, band=1, scale=scales.LINEAR_POWER,
                     model=mdl.TRANSLATION, resampling=rs.BILINEAR, window=64, step=None, min_peak=0.1,
                     max_invalid=0.25, upsample=100, domain=None, despeckle=None, dem_path=None,
                     heading_deg=348.0,
                     incidence_deg=35.0, right_looking=True, foreshortening_ratio=0.5,
                     register_to_dem=False, mask_water=False, water_db=ofs.WATER_DB, robust=True,
                     min_windows=None, suffix="_coreg", table_path=None, report_path=None, log=None,
                     progress=None, is_canceled=None):
    """Coregister ``mov_paths`` onto the grid of ``ref_path``; write outputs into ``out_dir``.

    Relative mode (default): offsets of each moving raster against the
    reference raster's ``band``. Absolute mode (``register_to_dem``): every
    raster, the reference included, is matched against
    ``terrain.simulated_sar`` of the DEM on the reference grid, which ties
    the stack to the DEM's geolocation.

    ``scale``: how pixels are stored ('linear', 'amplitude', 'db'; a dB
    raster declared linear is refused); ``domain``: what is correlated,
    'amplitude', 'db' or 'linear' power (``correlation.to_domain``); None
    picks amplitude against a reference raster and dB against the DEM
    simulation (noise-free, so dB's additive speckle model suits it best:
    about half the error of amplitude in the tests). Resampling is done on
    the stored values. ``model``: 'translation', 'affine', 'poly2';
    ``resampling``: 'nearest', 'bilinear', 'cubic', 'lanczos' (also used by
    the preliminary gdal.Warp). ``window`` / ``step``: window side and
    spacing (pixels); ``min_peak``: windows with a weaker correlation peak
    (0..1) are not used; ``max_invalid``: largest share of excluded / no
    data pixels in a window; ``min_windows``: fewest inlier windows accepted
    (default ``min_windows_for(model)``).
    ``dem_path``: DEM (metres, any CRS; warped bilinearly onto the reference
    grid); with it, windows in layover, shadow and strong foreshortening
    (``offsets.terrain_exclusion`` with ``heading_deg``, ``incidence_deg``
    in degrees, ``right_looking``, ``foreshortening_ratio``) are excluded.
    ``mask_water``: exclude dark, featureless pixels (``offsets.water_mask``,
    ``water_db``) of the reference and of each moving raster.
    ``log(message)``, ``progress(percent)``, ``is_canceled()``: optional
    callbacks; a cancel removes this run's outputs and raises Cancelled.

    Returns a dict: outputs (paths, in input order), table (CSV path),
    report (JSON path), images (per-image report dicts), rows (the CSV rows
    as dicts), warped (labels of rasters warped first).
    Raises CoregistrationError (its ``path`` names the raster) for an
    unreadable raster, a raster that does not overlap the reference, too
    few valid windows, or a bad option.
    """
    say = log or (lambda message: None)
    kind = mdl.check_model(model)
    if resampling not in rs.METHODS:
        raise CoregistrationError(f"unknown resampling {resampling!r}; choose one of {rs.METHODS}")
    if scale not in scales.SCALES:
        raise CoregistrationError(f"unknown scale {scale!r}; choose one of {scales.SCALES}")
    if domain is None:
        domain = corr.DB if register_to_dem else corr.AMPLITUDE
    if domain not in corr.DOMAINS:
        raise CoregistrationError(f"unknown matching domain {domain!r}; choose one of {corr.DOMAINS}")
    if register_to_dem and not dem_path:
        raise CoregistrationError("registering to the DEM needs a DEM: give one or untick the option")
    min_windows = min_windows_for(kind) if min_windows is None else int(min_windows)
    ref_path = str(ref_path)
    mov_paths = [str(p) for p in mov_paths]
    if not mov_paths and not register_to_dem:
        raise CoregistrationError("no raster to coregister: give at least one input besides the reference")

    ref = read_info(ref_path)
    _check_north_up(ref)
    if not 1 <= band <= ref.bands:
        raise CoregistrationError(f"{ref_path} has {ref.bands} band(s); band {band} does not exist", ref_path)
    # Without a despeckling filter, rasters stream tile by tile (bounded memory); the filter needs whole
    # images.
    streamed = despeckle is None
    whole = None if streamed else _WholeImages(ref_path, ref, band, scale, dem_path, register_to_dem,
                                                mask_water, water_db, heading_deg, incidence_deg,
                                                right_looking, foreshortening_ratio, say)
    matching = rofs.Matching(scale=scale, domain=domain, window=window, step=step, max_invalid=max_invalid,
                             upsample=upsample, mask_water=mask_water, water_db=water_db)

    jobs = ([ref_path] if register_to_dem and ref_path not in mov_paths else []) + mov_paths
    os.makedirs(out_dir, exist_ok=True)
    table_path = str(table_path or os.path.join(out_dir, DEFAULT_TABLE))
    report_path = str(report_path or os.path.join(out_dir, DEFAULT_REPORT))
    used_labels = set()
    written, outputs, images, rows_out, warped, temporary = [], [], [], [], [], []
    gt = ref.geotransform
    layers = None
    images_progress = progress
    try:
        if streamed and dem_path:
            layers = _streamed_terrain(ref_path, ref, dem_path, out_dir, temporary, register_to_dem,
                                       incidence_deg, heading_deg, right_looking, foreshortening_ratio, say,
                                       progress_range(progress, 0.0, DEM_PROGRESS), is_canceled)
            images_progress = progress_range(progress, DEM_PROGRESS, 100.0)
        for i, path in enumerate(jobs):
            if is_canceled is not None and is_canceled():
                raise Cancelled("cancelled by the user")
            part = _part(images_progress, i, len(jobs))
            label = _label(path, used_labels)
            info = read_info(path)
            if not 1 <= band <= info.bands:
                raise CoregistrationError(
                    f"{path} has {info.bands} band(s); band {band} does not exist", path)
            on_grid, was_warped = path, False
            if not same_grid(info, ref):
                _check_north_up(info)
                what = _grid_difference(info, ref)
                was_warped = True
                warped.append(label)
                say(f"{label}: {what} differ from the reference: warped onto the reference grid "
                    f"({rs.GDAL_NAMES[resampling]}) before matching")
                if streamed:
                    on_grid = os.path.join(str(out_dir), f".{label}_on_grid_{uuid.uuid4().hex}.tif")
                    temporary.append(on_grid)
                    warp_to_file(path, ref, on_grid, resampling)
            overlap_error = CoregistrationError(
                f"{path} does not overlap the reference {ref_path}"
                + (" after warping onto its grid" if was_warped else "")
                + ": choose rasters covering the same area", path)
            if streamed:
                table, flat, n_grid = _streamed_offsets(
                    ref_path, on_grid, path, band, matching, overlap_error, say if i == 0 else None,
                    part(0, 60), is_canceled, layers)
            else:
                data = _read_all(path, info) if not was_warped else warp_to_grid(path, ref, resampling)
                table, flat, n_grid = whole.offsets(data, path, matching, overlap_error, despeckle,
                                                    is_canceled)
            usable = int(np.count_nonzero(table["peak"] >= min_peak))
            if usable < min_windows and flat and flat >= n_grid - min_windows:
                raise CoregistrationError(
                    f"no reliable match for {path}: {flat} of {n_grid} windows have no "
                    f"texture (relative spread below {ofs.MIN_TEXTURE_CV:g}: constant or featureless areas), "
                    f"{min_windows} textured windows are needed for a {kind} model. Use rasters with "
                    "visible features, a larger window, or coregister with the DEM (register to the DEM)",
                    path)
            if usable < min_windows:
                raise CoregistrationError(
                    f"too few valid windows in {path}: {usable} with a correlation peak >= {min_peak:g} "
                    f"({len(table)} measured, {min_windows} needed for a {kind} model). Check the "
                    "overlap, lower the minimum peak or the window size, or untick the water mask", path)
            fit = mdl.fit_model(table, kind, robust=robust, min_peak=min_peak)
            n_used = int(fit.inliers.sum())
            if n_used < min_windows:
                raise CoregistrationError(
                    f"too few valid windows in {path}: {n_used} consistent windows after outlier "
                    f"rejection ({min_windows} needed for a {kind} model)", path)
            name = f"{label}{suffix}.tif"
            out_path = os.path.join(str(out_dir), name)
            if os.path.abspath(out_path) in (os.path.abspath(p) for p in jobs + [ref_path]):
                raise CoregistrationError(f"the output {out_path} would overwrite an input: change the "
                                          "suffix or the output folder", path)
            if streamed:
                resample_raster(on_grid, out_path, fit.model, resampling, ref,
                                descriptions=list(info.descriptions), progress=part(60, 100),
                                is_canceled=is_canceled)
            else:
                write_array(out_path, rs.resample(data, fit.model, resampling, out_shape=whole.shape),
                            like=ref_path, nodata=float("nan"), descriptions=list(info.descriptions))
                data = None
            written.append(out_path)
            outputs.append(out_path)
            peaks = table["peak"][fit.inliers]
            report = dict(image=label, input=path, output=out_path, warped=was_warped,
                          windows_measured=int(len(table)), windows_used=n_used, model=kind,
                          parameters=fit.model.params(), rmse_px=fit.rmse,
                          mean_peak=float(peaks.mean()) if peaks.size else float("nan"))
            images.append(report)
            say(f"{label}: {n_used} of {len(table)} windows used, {fit.model.describe()}, "
                f"residual RMSE {fit.rmse:.3f} px")
            for rec, inl in zip(table, fit.inliers):
                rows_out.append(dict(
                    image=label, row=float(rec["row"]), col=float(rec["col"]), dy=float(rec["dy"]),
                    dx=float(rec["dx"]), peak=float(rec["peak"]), inlier=int(bool(inl)),
                    x=gt[0] + (rec["col"] + 0.5) * gt[1], y=gt[3] + (rec["row"] + 0.5) * gt[5]))
            if images_progress is not None:
                images_progress(100.0 * (i + 1) / len(jobs))
        _write_table(table_path, rows_out)
        written.append(table_path)
        with text_output(report_path) as fh:
            json.dump(dict(reference=ref_path, mode="dem" if register_to_dem else "relative", band=band,
                           scale=scale, domain=domain, model=kind, resampling=resampling, window=window,
                           step=step or window, min_peak=min_peak, images=images), fh, indent=2)
        written.append(report_path)
    except BaseException:
        for path in written:
            if os.path.exists(path):
                os.remove(path)
        raise
    finally:
        layers = None  # closes the DEM layers' files before they are removed (Windows keeps open files)
        for path in temporary:
            if os.path.exists(path):
                os.remove(path)
    return dict(outputs=outputs, table=table_path, report=report_path, images=images, rows=rows_out,
                warped=warped)


def _write_table(path, rows):
    with text_output(path, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TABLE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
