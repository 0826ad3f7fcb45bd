"""Scheduled land-cover changes and their ground-truth masks.

Event types (class before -> class after; only eligible pixels inside the
region change):
- clearcut:  FOREST -> FIELD
- flood:     FIELD, BARE -> WATER, until ``end_date`` (exclusive) if given
- building:  FIELD, BARE -> URBAN
- landslide: FOREST, FIELD -> BARE, on slopes steeper than 15 deg

An event is active on its date and every later date (a flood with an end
date only before that date). Events do not overlap: a pixel claimed by an
earlier event is left out of later ones, so one pixel has at most one
change date and masks between any two dates follow from the change-date
raster alone. Dates are days; regions are polygons in pixel coordinates
(x = column, y = row, pixel (r, c) covering [c, c+1) x [r, r+1)), in map
coordinates of the DEM's CRS with ``coords='map'``, or boolean masks.
"""
import datetime as _dt
from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from .landcover import BARE, FIELD, FOREST, URBAN, WATER
from .weather import as_date

CHANGE_TYPES = {
    "clearcut": ((FOREST,), FIELD),
    "flood": ((FIELD, BARE), WATER),
    "building": ((FIELD, BARE), URBAN),
    "landslide": ((FOREST, FIELD), BARE),
}
LANDSLIDE_MIN_SLOPE_DEG = 15.0


@dataclass(frozen=True)
class ChangeEvent:
    """A scheduled change. ``mask`` (bool, scene shape) is filled by ``resolve_events``."""

    kind: str
    date: _dt.date
    region: object
    end_date: object = None
    coords: str = "pixel"
    event_id: int = 0
    mask: object = None

    def active(self, date):
        """True when the change is in place on ``date``."""
        date = as_date(date)
        return self.date <= date and (self.end_date is None or date < self.end_date)


def make_event(kind, date, region, end_date=None, coords="pixel"):
    """Validated ChangeEvent (dates as date objects, known kind, end after start)."""
    kind = str(kind).strip().lower()
    if kind not in CHANGE_TYPES:
        raise ValueError(f"unknown change type {kind!r}: use one of {sorted(CHANGE_TYPES)}")
    date = as_date(date)
    end = None if end_date is None else as_date(end_date)
    if end is not None and end <= date:
        raise ValueError(f"{kind} event: end date {end} is not after its date {date}: "
                         "give an end date after the start, or none")
    if end is not None and kind != "flood":
        raise ValueError(f"only floods recede: remove the end date of the {kind} event")
    if coords not in ("pixel", "map"):
        raise ValueError(f"coords must be 'pixel' or 'map', not {coords!r}")
    return ChangeEvent(kind, date, region, end, coords)


def polygon_mask(vertices, shape):
    """Boolean mask of pixels whose centres lie inside the polygon (even-odd rule).

    ``vertices``: sequence of (x, y) in pixel coordinates (x = column, y = row).
    """
    v = np.asarray(vertices, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
        raise ValueError("a polygon needs at least 3 (x, y) vertices")
    rows, cols = shape
    yc = np.arange(rows)[:, None] + 0.5
    xc = np.arange(cols)[None, :] + 0.5
    inside = np.zeros(shape, dtype=bool)
    x0, y0 = v[:, 0], v[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        if ay == by:
            continue
        crosses = (ay > yc) != (by > yc)
        x_at = ax + (yc - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (xc < x_at)
    return inside


def region_mask(event, shape, geotransform=None):
    """Boolean mask of ``event.region`` on a grid of ``shape``."""
    region = event.region
    if isinstance(region, np.ndarray) and region.dtype == bool:
        if region.shape != tuple(shape):
            raise ValueError(f"{event.kind} region mask has shape {region.shape}, the scene {tuple(shape)}")
        return region.copy()
    v = np.asarray(region, dtype=np.float64)
    if event.coords == "map":
        if not geotransform:
            raise ValueError("map-coordinate regions need the DEM's geotransform")
        x0, px, rx, y0, ry, py = geotransform
        det = px * py - rx * ry
        dx, dy = v[:, 0] - x0, v[:, 1] - y0
        v = np.column_stack(((py * dx - rx * dy) / det, (px * dy - ry * dx) / det))
    return polygon_mask(v, shape)


def resolve_events(events, classes, slope_deg, start, geotransform=None):
    """Events sorted by date with ids 1.. and ``mask`` = the pixels that really change.

    ``classes``: base land cover (uint8); ``slope_deg``: terrain slope in
    degrees; ``start``: first simulated date (events must come after it).
    """
    start = as_date(start)
    shape = np.shape(classes)
    claimed = np.zeros(shape, dtype=bool)
    out = []
    ordered = sorted(events, key=lambda e: as_date(e.date))
    for i, event in enumerate(ordered, start=1):
        if event.date <= start:
            raise ValueError(f"{event.kind} event on {event.date} is not after the start date {start}: "
                             "move it later (the start date shows the initial land cover)")
        sources, _ = CHANGE_TYPES[event.kind]
        mask = region_mask(event, shape, geotransform) & np.isin(classes, sources) & ~claimed
        if event.kind == "landslide":
            mask &= np.asarray(slope_deg) > LANDSLIDE_MIN_SLOPE_DEG
        claimed |= mask
        out.append(replace(event, event_id=i, mask=mask))
    return out


def classes_at(classes, events, date):
    """Land cover on ``date``: ``classes`` with every active resolved event applied (uint8)."""
    out = np.array(classes, dtype=np.uint8, copy=True)
    for event in events:
        if event.active(date):
            out[event.mask] = CHANGE_TYPES[event.kind][1]
    return out


def change_masks(events, date_a, date_b, shape):
    """Ground truth (uint8): 1 where a change is in place on one date and not the other.

    Symmetric in the dates; a flood that came and went between them is 0.
    Unresolved events use their whole region.
    """
    a, b = as_date(date_a), as_date(date_b)
    out = np.zeros(shape, dtype=np.uint8)
    for event in events:
        if event.active(a) != event.active(b):
            mask = event.mask if event.mask is not None else region_mask(event, shape)
            out[mask] = 1
    return out


def change_day_rasters(events, start, shape):
    """(change_day, end_day) float32 rasters: days since ``start`` (0 = none) per pixel."""
    start = as_date(start)
    change_day = np.zeros(shape, dtype=np.float32)
    end_day = np.zeros(shape, dtype=np.float32)
    for event in events:
        change_day[event.mask] = (event.date - start).days
        if event.end_date is not None:
            end_day[event.mask] = (event.end_date - start).days
    return change_day, end_day


def mask_from_change_days(change_day, end_day, start, date_a, date_b):
    """``change_masks`` from the change-day rasters (uint8; NaN counts as no change)."""
    start = as_date(start)
    c = np.nan_to_num(np.asarray(change_day, dtype=np.float64), nan=0.0)
    e = np.nan_to_num(np.asarray(end_day, dtype=np.float64), nan=0.0)

    def active(date):
        d = (as_date(date) - start).days
        return (c > 0) & (c <= d) & ((e == 0) | (d < e))

    return (active(date_a) != active(date_b)).astype(np.uint8)


def default_events(classes, dem, slope_deg, aspect, start, end, rng):
    """Four events placed where they make sense, spread over the period.

    clearcut (25 % of the period) in the most forested window, flood (45 %,
    lasting 14 days) on the lowest fields, building (60 %) on fields next to a
    town, landslide (75 %) on the steepest forested/field slope. Windows are
    ~1/12 of the scene and do not overlap. Returns unresolved events (pixel polygons).
    """
    start, end = as_date(start), as_date(end)
    span = (end - start).days
    if span < 8:
        return []
    rows, cols = np.shape(classes)
    w = max(6, min(rows, cols) // 12)
    valid = np.asarray(classes) > 0
    z = np.where(valid, dem, np.nan)
    lo, hi = np.nanpercentile(z, [1, 99])
    zn = np.clip((np.nan_to_num(z, nan=hi) - lo) / max(hi - lo, 1.0), 0, 1)
    forest = classes == FOREST
    field = classes == FIELD
    near_town = ndimage.distance_transform_edt(classes != URBAN) < 2 * w
    steep = (forest | field) & (slope_deg > 22.0)
    jitter = rng.random((rows, cols)) * 1e-3
    taken = np.zeros((rows, cols), dtype=bool)
    border = np.zeros((rows, cols), dtype=bool)
    border[w:-w, w:-w] = True

    def pick(score):
        s = np.where(border & ~taken & valid, score + jitter, -np.inf)
        r, c = np.unravel_index(int(np.argmax(s)), s.shape)
        taken[max(r - 2 * w, 0):r + 2 * w, max(c - 2 * w, 0):c + 2 * w] = True
        return r + 0.5, c + 0.5

    def day(frac):
        return start + _dt.timedelta(days=max(1, int(round(frac * span))))

    events = []
    r, c = pick(ndimage.uniform_filter(forest.astype(float), w))
    events.append(make_event("clearcut", day(0.25), _rectangle(c, r, w, 0.7 * w, rng.uniform(0, np.pi))))
    r, c = pick(ndimage.uniform_filter(field.astype(float), w) * (1.0 - zn))
    events.append(make_event("flood", day(0.45), _blob(c, r, 1.2 * w, rng), end_date=day(0.45) +
                             _dt.timedelta(days=14)))
    r, c = pick(ndimage.uniform_filter((field | (classes == BARE)).astype(float), w // 2) * near_town)
    events.append(make_event("building", day(0.6), _rectangle(c, r, 0.5 * w, 0.4 * w, rng.uniform(0, np.pi))))
    r, c = pick(ndimage.uniform_filter(steep.astype(float), w))
    down = float(aspect[int(r), int(c)])  # downslope azimuth: the slide runs along it
    events.append(make_event("landslide", day(0.75),
                             _rectangle(c, r, 1.4 * w, 0.5 * w, np.arctan2(-np.cos(down), np.sin(down)))))
    return events


def _rectangle(cx, cy, length, width, angle):
    """Vertices (x, y) of a rectangle centred on (cx, cy), long side at ``angle`` (radians)."""
    ux, uy = np.cos(angle), np.sin(angle)
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    return [(cx + a * length / 2 * ux - b * width / 2 * uy, cy + a * length / 2 * uy + b * width / 2 * ux)
            for a, b in corners]


def _blob(cx, cy, radius, rng, n=10):
    """Irregular polygon (x, y) around (cx, cy) with radii 0.6-1.0 x ``radius``."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.6, 1.0, n)
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a, r in zip(angles, radii)]


def events_from_specs(specs):
    """ChangeEvents from dicts {type|kind, date, region, end_date?, coords?} or ChangeEvents."""
    out = []
    for spec in specs:
        if isinstance(spec, ChangeEvent):
            out.append(make_event(spec.kind, spec.date, spec.region, spec.end_date, spec.coords))
            continue
        if not isinstance(spec, dict):
            raise ValueError("each change must be a ChangeEvent or a dict with type, date and region")
        kind = spec.get("type", spec.get("kind"))
        if kind is None or "date" not in spec or "region" not in spec:
            raise ValueError(f"change {spec!r} needs 'type', 'date' and 'region'")
        out.append(make_event(kind, spec["date"], spec["region"], spec.get("end_date"),
                              spec.get("coords", "pixel")))
    return out
