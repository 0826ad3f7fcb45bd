"""Sub-pixel coregistration of SAR rasters (numpy + GDAL, no QGIS), DEM-aware.

Modules, one job each:
- correlation: ``phase_correlation`` (FFT cross-power peak refined by the
  upsampled DFT of Guizar-Sicairos, Thurman & Fienup 2008), Fourier shift;
- offsets: ``estimate_offsets`` on a grid of windows, terrain (layover,
  shadow, foreshortening) and water masks;
- models: ``fit_model`` (translation, affine, 2nd-order polynomial) with
  RANSAC and robust sigma clipping;
- resampling: ``resample`` onto the reference grid (nearest, bilinear,
  cubic spline, Lanczos-3);
- raster_offsets, raster_resampling, dem_layers: the same read from disk tile
  by tile (offsets, resampling, and the DEM's exclusion mask and simulated
  image traced block by block);
- stack: ``coregister_stack``, the file-to-file orchestration.

Conventions: positions and offsets in pixels of the reference grid, rows
first; (dy, dx) is the shift that, applied to the moving image, aligns it
with the reference: ref(row, col) ~ mov(row - dy, col - dx). Pixel sizes of
DEMs in metres.
"""
from .correlation import phase_correlation, shift_image
from .models import AFFINE, MODELS, POLY2, TRANSLATION, FitResult, Model, fit_model
from .offsets import TABLE_DTYPE, estimate_offsets, terrain_exclusion, water_mask
from .resampling import BILINEAR, CUBIC, LANCZOS, METHODS, NEAREST, resample
from .stack import CoregistrationError, coregister_stack, same_grid, warp_to_grid

__all__ = [
    "AFFINE", "BILINEAR", "CUBIC", "LANCZOS", "METHODS", "MODELS", "NEAREST", "POLY2", "TABLE_DTYPE",
    "TRANSLATION", "CoregistrationError", "FitResult", "Model", "coregister_stack", "estimate_offsets",
    "fit_model", "phase_correlation", "resample", "same_grid", "shift_image", "terrain_exclusion",
    "warp_to_grid", "water_mask",
]
