"""The simulated stacks a shipped learned-DI model is trained on: climates, years, relief, real DEMs, looks.

The first shipped model saw one climate (temperate), two years and fractal DEMs only; on the README
demo's snowy winter target it predicted about 1.4 dB too low: it had learned "more snow, darker"
from temperate winters, where a deep snowpack mostly comes with melt (wet snow absorbs, Nagler &
Rott 2000), and had too few cold dry-snow scenes (dry snow raises C-band backscatter slightly,
Lievens et al. 2019). ``training_plan`` varies what the simulator can vary:

- climates (``core.simulator.weather.CLIMATES``, cycled; temperate, the simulator's default, twice
  per cycle): temperate (snow now and then), boreal
  (long cold winters with a dry snowpack), mediterranean (mild wet winters, no snow on low ground),
  alpine (snowfall, rain on snow and melt around the station elevation);
- two-year periods starting in different seasons of different years, so that the validation dates
  (the last fifth of each stack) fall in winter for some stacks and in summer for others;
- fractal DEMs from 150 m to 1200 m of relief, and crops of two real DEMs of
  ``../shared/data/dem`` (Winnipeg: flat prairie; Himalaya foothills: steep hills);
- the speckle ENL cycled through ``looks`` (e.g. 16 and 4);
- the swath's incidence range (``INCIDENCE_RANGES``, cycled): scenes in the near, middle and far
  part of a Sentinel-1 IW-like swath, so the mean incidence of the training scenes spans about
  25-48 deg instead of the 35-40 deg of one swath's middle (Sentinel-1 IW: 29-46 deg, ESA
  Sentinel-1 User Handbook 2013; the simulator places a small scene mid-swath).

The second cycle of climates repeats the boreal one: cold, snowy winters with freeze and thaw are
the rarest dates of the other climates and where the first models erred (too dark under dry snow,
too bright at freeze onset); the trainer also draws such targets more often (``--season-weight``
of benchmarks/learned_di.py, ``dataset.season_weights``).

Held out (``HELD_OUT_SEEDS``, ``HELD_OUT_PERIOD``): never simulated here, so neither training nor
validation sees them: the README demo (``demo/run_demo.py``: seed 2026, its fractal DEM, 2020-2021),
the test stacks of ``benchmarks/learned_di.py`` (seeds 9101, 9102 and 9201 over the Rome DEM, 2021)
and the held-out stacks of ``benchmarks/transfer.py`` (seeds from 5101). No training period touches
2020 or 2021.
"""
import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Seeds of the fractal-DEM stacks and of the real-DEM stacks.
FRACTAL_SEEDS = tuple(range(1101, 1141))
REAL_SEEDS = tuple(range(1201, 1221))
#: Climates, cycled over the fractal stacks (the simulator's default climate and the boreal one twice
#: per cycle).
CLIMATES = ("temperate", "boreal", "mediterranean", "temperate", "alpine", "boreal")
#: Two-year periods: validation (the last fifth) in late winter, summer, early winter, spring.
PERIODS = (("2016-03-01", "2018-02-28"), ("2017-09-01", "2019-08-31"), ("2022-01-01", "2023-12-31"),
           ("2023-06-01", "2025-05-31"))
#: Relief (m) of the fractal DEMs (base 200 m), cycled.
RELIEF_M = (150.0, 300.0, 600.0, 900.0, 1200.0)
#: Real DEMs (file in the DEM folder, climate), cycled over the real-DEM stacks; Rome is a test DEM.
REAL_DEMS = (("winnipeg_dem.tif", "boreal"), ("dem_himalayas_E81p5_N28p3_short.tiff", "mediterranean"),
             ("winnipeg_dem.tif", "temperate"), ("dem_himalayas_E81p5_N28p3_short.tiff", "alpine"))
#: Incidence ranges (min, max deg) of the simulated swath, cycled over all stacks: the simulator's
#: default (Sentinel-1 IW, 29-46 deg) and swaths shifted to nearer and farther incidence.
INCIDENCE_RANGES = ((29.0, 46.0), (20.0, 36.0), (36.0, 54.0))
DEFAULT_DEM_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "dem"
#: Seeds and period never used here (the demo, the benchmarks' test and transfer stacks).
HELD_OUT_SEEDS = (2026, 2027, 2028, 9101, 9102, 9201) + tuple(range(5101, 5121))
HELD_OUT_PERIOD = ("2020-01-01", "2021-12-31")
REVISIT_DAYS = 12
POLS = ("VV", "VH")


@dataclass(frozen=True)
class StackSpec:
    """One training stack: seed, climate, period (start, end), looks, and either a fractal DEM of
    ``relief_m`` or a crop (``crop`` = index of the crop position) of the real DEM file ``dem``;
    ``incidence_range``: (min, max) deg of the swath."""

    seed: int
    climate: str
    period: tuple
    looks: float
    relief_m: float = 600.0
    dem: str = ""
    crop: int = 0
    incidence_range: tuple = INCIDENCE_RANGES[0]

    @property
    def name(self):
        terrain = f"{Path(self.dem).stem} crop {self.crop}" if self.dem else f"fractal {self.relief_m:g} m"
        lo, hi = self.incidence_range
        swath = "" if self.incidence_range == INCIDENCE_RANGES[0] else f"_inc{lo:g}-{hi:g}"
        name = f"{self.climate}_{terrain}_{self.period[0][:4]}_L{self.looks:g}{swath}_s{self.seed}"
        return name.replace(" ", "_")


def training_plan(n_fractal, n_real, looks=(16.0, 4.0)):
    """The ``n_fractal`` + ``n_real`` StackSpecs (fractal first): climates cycled; per cycle of the
    climates (a round) the next period; relief and looks shifted by one per round, so that each
    climate meets every period, relief and speckle level; incidence ranges cycled, shifted by one per
    round."""
    if n_fractal > len(FRACTAL_SEEDS) or n_real > len(REAL_SEEDS):
        raise ValueError(f"at most {len(FRACTAL_SEEDS)} fractal and {len(REAL_SEEDS)} real-DEM stacks")
    looks = tuple(float(v) for v in looks)
    specs = []
    for k in range(n_fractal):
        slot, round_ = k % len(CLIMATES), k // len(CLIMATES)
        shift = slot + round_
        specs.append(StackSpec(FRACTAL_SEEDS[k], CLIMATES[slot], PERIODS[round_ % len(PERIODS)],
                               looks[shift % len(looks)], RELIEF_M[shift % len(RELIEF_M)],
                               incidence_range=INCIDENCE_RANGES[(k + round_) % len(INCIDENCE_RANGES)]))
    for k in range(n_real):
        dem, climate = REAL_DEMS[k % len(REAL_DEMS)]
        specs.append(StackSpec(REAL_SEEDS[k], climate, PERIODS[(k + 1) % len(PERIODS)],
                               looks[k % len(looks)], dem=dem, crop=k // len(REAL_DEMS),
                               incidence_range=INCIDENCE_RANGES[(n_fractal + k) % len(INCIDENCE_RANGES)]))
    return specs


def overlaps_held_out(spec):
    """True when ``spec`` uses a held-out seed or a day of the held-out period."""
    start, end = (_dt.date.fromisoformat(d) for d in spec.period)
    lo, hi = (_dt.date.fromisoformat(d) for d in HELD_OUT_PERIOD)
    return spec.seed in HELD_OUT_SEEDS or not (end < lo or start > hi)


def read_dem_crop(path, size, crop=0):
    """A ``size`` x ``size`` crop of a DEM as (array m, geotransform, wkt), NaN = no data.

    ``crop`` picks the position: 0 = centre, then the four quadrant centres (cycled).
    """
    from osgeo import gdal

    ds = gdal.Open(str(path))
    if ds is None:
        raise ValueError(f"cannot open the DEM {path}")
    band = ds.GetRasterBand(1)
    rows, cols = ds.RasterYSize, ds.RasterXSize
    size = min(int(size), rows, cols)
    fy, fx = ((0.5, 0.5), (0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75))[crop % 5]
    r0 = int(np.clip(round(fy * rows - size / 2), 0, rows - size))
    c0 = int(np.clip(round(fx * cols - size / 2), 0, cols - size))
    z = band.ReadAsArray(c0, r0, size, size).astype(np.float64)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        z[z == nodata] = np.nan
    z[~np.isfinite(z) | (np.abs(z) > 1e4)] = np.nan
    gt = list(ds.GetGeoTransform())
    gt[0] += c0 * gt[1]
    gt[3] += r0 * gt[5]
    return z, tuple(gt), ds.GetProjection()


def simulate_unchanged(out_dir, seed, period, climate="temperate", looks=4.0, shape=None, dem=None,
                       relief_m=600.0, incidence_range=INCIDENCE_RANGES[0]):
    """``simulate_stack`` without scheduled change, both orbits, VV and VH; writes dem.tif also for a
    given ``dem`` ((array m, geotransform, wkt)); ``incidence_range``: (min, max) deg of the swath.
    Returns the simulator's summary."""
    from ...core.engine.raster_blocks import write_array
    from ...core.simulator import simulate_stack

    summary = simulate_stack(out_dir, dem=dem, start=period[0], end=period[1], revisit_days=REVISIT_DAYS,
                             orbits=("ascending", "descending"), polarisations=POLS, seed=seed,
                             changes=None, shape=shape, relief_m=relief_m, looks=looks, climate=climate,
                             incidence_range=tuple(incidence_range))
    if summary["dem"] is None:  # the simulator writes dem.tif only for the DEMs it generates
        summary["dem"] = os.path.join(out_dir, "dem.tif")
        write_array(summary["dem"], dem[0], like=summary["landcover"], nodata=float("nan"),
                    descriptions=["elevation_m"])
    return summary


def simulate_spec(spec, out_dir, size, dem_dir=DEFAULT_DEM_DIR):
    """Simulate one StackSpec (``size`` x ``size`` pixels) into ``out_dir``; returns the summary."""
    if overlaps_held_out(spec):
        raise ValueError(f"{spec.name} uses a held-out seed or period")
    if spec.dem:
        dem = read_dem_crop(Path(dem_dir) / spec.dem, size, spec.crop)
        return simulate_unchanged(out_dir, spec.seed, spec.period, spec.climate, spec.looks, dem=dem,
                                  incidence_range=spec.incidence_range)
    return simulate_unchanged(out_dir, spec.seed, spec.period, spec.climate, spec.looks, shape=(size, size),
                              relief_m=spec.relief_m, incidence_range=spec.incidence_range)
