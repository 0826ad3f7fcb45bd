"""Two-date pairs of a simulated stack with injected changes and their truth masks.

The change family users meet when they test a chain the way Alatalo, Sipola &
Rantonen (2023, IEEE TGRS 61) evaluate difference images, and the way the
demo does (``sarchange:injectchanges``): irregular blobs drawn on the later of
two unchanged acquisitions, changed either by a constant dB offset or by a
statistical change (quantile mapping onto another place of the scene,
``core.change.injection``). The 8-bit pairs of ``change_pairs`` hold land-cover
changes only, with contrasts of 4-20 dB; these pairs add low-contrast changes
(1.5-4 dB) on float linear power.

A pair (every random choice from ``seed``, ``random_spec``):

- two ascending VV acquisitions 12 days apart of ``core.simulator.stack``
  (fractal DEM, land cover, static texture, weather and moisture terms,
  Gamma speckle of ``looks`` looks, independent per date; no simulated change
  event), dates in May-August of ``YEAR`` (no snow);
- looks 1, 2, 4, 8 or 16; share of changed pixels log-uniform in 0.5-30 %,
  in 1-8 blobs (``core.change.injection.random_blobs``);
- ``offset`` (2/3 of the pairs): +-1.5-4 dB inside the blobs (both signs);
  ``statistical`` (1/3): each blob takes the first-order statistics of a
  translated copy of itself whose mean differs by >= ``STAT_MIN_CONTRAST_DB``
  dB when one exists (``injection.inject``), the floor of the offset family.

Demo disjointness: the demo (demo/run_demo.py) simulates its stack with seed
``DEMO_SEED`` over ``DEMO_YEARS`` and injects its blobs with the same seed.
No pair here uses that stack seed, an injection seed equal to it, or a date in
those years (``random_spec`` and ``simulate`` raise otherwise), so a default
chosen on these pairs never saw the demo's pair.
"""
import datetime as _dt
import math
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np

from ..change import injection
from ..engine import raster_blocks as rb
from ..engine import scale as scales

OFFSET, STATISTICAL = injection.OFFSET, injection.STATISTICAL
LOOKS = (1, 2, 4, 8, 16)
OFFSET_DB = (1.5, 4.0)  # |offset| range, dB
FRACTION = (0.005, 0.30)  # share of changed pixels, log-uniform
BLOBS = (1, 8)  # blob count range (inclusive)
STAT_MIN_CONTRAST_DB = 1.5
STATISTICAL_SHARE = 1 / 3
YEAR = 2023
REVISIT_DAYS = 12
SHAPE = (256, 256)
#: The demo's stack / injection seed and the years of its stack (demo/run_demo.py SEED, START, END).
DEMO_SEED = 2026
DEMO_YEARS = (2020, 2021)


@dataclass(frozen=True)
class InjectedSpec:
    """What to simulate: ``offset_db`` is signed (offset mode), ``fraction`` the changed share (0-1)."""

    seed: int
    mode: str = OFFSET
    looks: int = 4
    offset_db: float = -2.5
    fraction: float = 0.05
    blobs: int = 3
    date: str = f"{YEAR}-06-01"
    shape: tuple = SHAPE

    def name(self):
        """Short label, e.g. 'inj offset -2.5dB 5.0% L4 s5000'."""
        what = f"offset {self.offset_db:+.1f}dB" if self.mode == OFFSET else "statistical"
        return f"inj {what} {100 * self.fraction:.1f}% L{self.looks} s{self.seed}"


def check_disjoint_from_demo(spec):
    """ValueError when ``spec`` could reproduce the demo's pair (its seed or its years)."""
    if spec.seed == DEMO_SEED or _injection_seed(spec.seed) == DEMO_SEED:
        raise ValueError(f"seed {spec.seed} is the demo's ({DEMO_SEED}); choose another")
    if _dt.date.fromisoformat(spec.date).year in DEMO_YEARS:
        raise ValueError(f"date {spec.date} lies in the demo's years {DEMO_YEARS}; choose another")
    return spec


def _injection_seed(seed):
    return seed + 1_000_003


def random_spec(seed):
    """An InjectedSpec drawn from the spread of the module docstring by ``seed``."""
    rng = np.random.default_rng([seed, 11])
    mode = STATISTICAL if rng.random() < STATISTICAL_SHARE else OFFSET
    looks = int(LOOKS[rng.integers(len(LOOKS))])
    offset = float(rng.choice((-1.0, 1.0)) * rng.uniform(*OFFSET_DB))
    fraction = float(np.exp(rng.uniform(np.log(FRACTION[0]), np.log(FRACTION[1]))))
    blobs = int(rng.integers(BLOBS[0], BLOBS[1] + 1))
    day = _dt.date(YEAR, 5, 1) + _dt.timedelta(days=int(rng.integers(0, 110)))
    return check_disjoint_from_demo(InjectedSpec(seed, mode, looks, offset, fraction, blobs, day.isoformat()))


def _inject(p2, valid, spec, rng):
    """(changed p2, mask): blobs covering about ``spec.fraction`` of the valid pixels.

    When the blobs (or, statistical mode, an unchanged copy of a blob for its
    target) do not fit, more and smaller blobs of the same total area are tried.
    """
    area = spec.fraction * np.count_nonzero(valid)
    count = spec.blobs
    for _ in range(16):
        radius = max(2.0, math.sqrt(area / (count * math.pi)))
        try:
            blobs = injection.random_blobs(p2.shape, count, radius, 0.4, 0.2, rng, valid=valid,
                                           min_separation=radius)
            return injection.inject(p2, scales.LINEAR_POWER, blobs, mode=spec.mode, offset_db=spec.offset_db,
                                    rng=rng, min_contrast_db=STAT_MIN_CONTRAST_DB)
        except ValueError:
            count += 1
    raise ValueError(f"no blob layout covers {100 * spec.fraction:.1f} % of a {p2.shape} image")


def simulate(spec, workdir=None):
    """(p1, p2, truth) of ``spec``: float32 linear power (NaN no data), uint8 truth 1 / 0 / 255 no data."""
    check_disjoint_from_demo(spec)
    from .stack import simulate_stack  # GDAL writes; imported here to keep this module light

    start = _dt.date.fromisoformat(spec.date)
    end = start + _dt.timedelta(days=REVISIT_DAYS)
    own = workdir is None
    workdir = tempfile.mkdtemp(prefix="sar_change_inj_") if own else workdir
    try:
        stack = simulate_stack(workdir, start=start.isoformat(), end=end.isoformat(),
                               revisit_days=REVISIT_DAYS, orbits=("ascending",), polarisations=("VV",),
                               looks=spec.looks, seed=spec.seed, changes=None, shape=tuple(spec.shape))
        if len(stack["files"]) < 2:
            raise ValueError(f"the stack of {spec.date} holds fewer than two acquisitions")
        p1, p2 = (rb.read_array(path, 1) for path in stack["files"][:2])
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    rng = np.random.default_rng(_injection_seed(spec.seed))
    valid = np.isfinite(p1) & np.isfinite(p2)
    p2, mask = _inject(p2, valid, spec, rng)
    mask[~valid] = injection.NO_DATA
    return p1.astype(np.float32), p2.astype(np.float32), mask
