"""Acquisition schedule: dates, orbit directions, platforms and file names.

Sentinel-1 repeats each relative orbit every 12 days per satellite; with
S-1A and S-1B flying 180 deg apart the constellation revisits every 6 days
(ESA Sentinel-1 User Handbook 2013). Here each orbit direction is acquired
every ``revisit_days`` and the platforms take turns (S1A, S1B, S1A, ...);
at a 6-day revisit that is exactly the two-satellite constellation.
Descending passes are offset by half the revisit from ascending ones.
"""
import datetime as _dt
from dataclasses import dataclass

from .backscatter import check_platform
from .geometry import HEADING_DEG, check_orbit

ORBIT_CODES = {"ascending": "ASC", "descending": "DSC"}


@dataclass(frozen=True)
class Acquisition:
    """One acquisition: date, platform ('S1A'/'S1B'), orbit direction, heading (deg)."""

    date: _dt.date
    platform: str
    orbit_direction: str
    heading_deg: float
    index: int  # position within its orbit direction's series, from 0

    def file_name(self, polarisations):
        """GeoTIFF name, e.g. S1A_20200103_ASC_VV_VH.tif."""
        return (f"{self.platform}_{self.date:%Y%m%d}_{ORBIT_CODES[self.orbit_direction]}_"
                f"{'_'.join(polarisations)}.tif")


def acquisition_schedule(start, end, revisit_days=12, orbits=("ascending", "descending"),
                         platforms=("S1A", "S1B")):
    """Acquisitions from ``start`` to ``end`` (dates, inclusive), sorted by date then orbit.

    ``revisit_days``: days between acquisitions of one orbit direction (> 0);
    ``orbits``: orbit directions; ``platforms``: platforms in turn per orbit.
    """
    if revisit_days is None or int(revisit_days) != revisit_days or revisit_days <= 0:
        raise ValueError(f"revisit_days must be a whole number of days > 0 (got {revisit_days}); "
                         "Sentinel-1 revisits every 6 or 12 days")
    revisit_days = int(revisit_days)
    if end < start:
        raise ValueError(f"end date {end} is before start date {start}: swap them")
    directions = [check_orbit(o) for o in orbits]
    if not directions:
        raise ValueError("give at least one orbit direction: 'ascending' and/or 'descending'")
    if len(set(directions)) != len(directions):
        raise ValueError(f"orbit directions repeat in {tuple(orbits)}: give each one once")
    platforms = [check_platform(p) for p in platforms]
    if not platforms:
        raise ValueError("give at least one platform, e.g. ('S1A', 'S1B')")
    out = []
    for direction in directions:
        offset = 0 if direction == "ascending" else revisit_days // 2
        day = start + _dt.timedelta(days=offset)
        k = 0
        while day <= end:
            out.append(Acquisition(day, platforms[k % len(platforms)], direction,
                                   HEADING_DEG[direction], k))
            k += 1
            day += _dt.timedelta(days=revisit_days)
    out.sort(key=lambda a: (a.date, directions.index(a.orbit_direction)))
    return out
