"""Repeat-pass InSAR coherence of simulated Sentinel-1 pairs, and correlated SLC pairs (numpy).

True coherence of a pair (dates t1 < t2) is the product of independent
decorrelation terms (Zebker & Villasenor 1992, IEEE TGRS 30(5); Hanssen
2001, Radar Interferometry, ch. 4):

  gamma = gamma_temporal * gamma_weather * gamma_wind * gamma_volume
          * gamma_geometric * gamma_thermal,  0 in layover, shadow and water,
          and 0 where a scheduled change happened between t1 and t2.

- temporal: exponential decay towards a long-term floor,
  gamma_t = gamma_0 [gamma_inf + (1 - gamma_inf) exp(-dt / tau)] per class
  (the model of Rocca 2007, IEEE TGRS 45(10), and Parizzi et al. 2009, Fringe;
  fitted globally to Sentinel-1 12-48-day coherence by Kellndorfer et al. 2022,
  Sci. Data 9:73 as rho(t) = (1 - rho_inf) exp(-t/tau) + rho_inf). Fields
  decorrelate fast while crops grow (tau from 40 to 8 days with the crop
  growth index of backscatter.crop_growth, Morishita & Hanssen 2015, IEEE TGRS
  53(2): pasture tau of days to weeks at C band);
- weather resets: each day in (t1, t2] with rain, snowfall or melt multiplies
  the decorrelating part by 1 - s_class (1 - exp(-amount / scale)) (rain and
  snow events drop C-band coherence of soil and vegetation to near the noise
  level: Morishita & Hanssen 2015; Kellndorfer et al. 2022 show the seasonal
  drop with precipitation); urban targets are barely susceptible;
- wind on either acquisition day moves leaves and crops:
  exp(-max(w - 3 m/s, 0) / 10 m/s) per date for forest and growing fields;
- volume decorrelation in forest: uniform volume of height 20 m with
  extinction 0.3 dB/m (random volume over ground without ground,
  Treuhaft & Siqueira 2000, Radio Sci. 35(1)), vertical wavenumber
  kz = 4 pi B_perp / (lambda R sin theta);
- geometric (range spectral shift, Gatelli et al. 1994; Zebker & Villasenor
  1992): 1 - |B_perp| / B_crit, B_crit = lambda R tan(theta_local) / (2 delta_r),
  so slopes facing the radar (small local incidence) decorrelate;
- thermal: 1 / sqrt((1 + 1/SNR_1)(1 + 1/SNR_2)) with SNR = (sigma0 - NESZ)/NESZ
  per date (Zebker & Villasenor 1992); NESZ -22 dB as the stack.

SLC pairs: z1 = sqrt(P1) c, z2 = sqrt(P2) (gamma c + sqrt(1 - gamma^2) n)
with c, n circular-Gaussian CN(0, 1), P the total (signal + noise) sigma0 of
each date, drawn for ``looks`` independent samples per output pixel; the
detected intensities are their means (GRD-like L-look intensities carrying
the real speckle correlation of the pair), the reference coherence is the
sample coherence of the complex pair over a ``window`` x ``window`` boxcar of
pixels (N = looks * window^2 samples). Each pair is drawn on its own: the
speckle of a date is not shared between the pairs it belongs to.
"""
import csv
import datetime as _dt
import os

import numpy as np

from ..coherence.estimation import box_sum_2d, coherence_from_sums
from ..engine.raster_blocks import read_array, write_array
from ..terrain import geometry as terrain
from . import changes as chg
from .acquisitions import ORBIT_CODES
from .backscatter import NESZ_DB, crop_growth
from .landcover import BARE, FIELD, FOREST, URBAN, WATER
from .weather import as_date

WAVELENGTH_M = 0.05546576  # Sentinel-1 C band, 5.405 GHz
SLANT_RANGE_RESOLUTION_M = 2.7  # IW: c / (2 x 56.5 MHz) ~ 2.65 m (S-1 User Handbook)
ORBIT_HEIGHT_M = 693_000.0
ORBIT_TUBE_SD_M = 50.0  # S-1 perpendicular baselines mostly within +-150 m (orbital tube ~100 m rms)
FOREST_HEIGHT_M = 20.0
FOREST_EXTINCTION_DB_PER_M = 0.3  # C band canopies 0.1-0.5 dB/m (Treuhaft & Siqueira 2000 range)

# Reference coherence window (pixels of the simulated 20 m, 4-look grid). The standard Sentinel-1
# product is SNAP's Coherence operator default: 10 range samples and, with "square pixel", an azimuth
# size giving a square on the ground, round(10 x 3.7 m / 13.9 m) = 3 for IW (SLC spacing 2.3 m slant
# / ~3.7 m ground in range, 13.9 m in azimuth): 30 SLC samples (~16 independent after the IW
# oversampling) over ~37 m x 42 m. The smallest odd boxcar of this grid covering that footprint is
# 3 x 3 (60 m, N = 4 x 9 = 36 looks); 5 x 5 (N = 100) would average 2.5 times more than the standard.
REFERENCE_WINDOW = 3

# Temporal decorrelation per class: (gamma_0, tau in days, gamma_inf). C band VV,
# values inside the ranges of Kellndorfer et al. 2022 (global S-1 rho_inf / tau
# fits: forest tau a few days, rho_inf ~0.1-0.2; urban rho_inf high, tau long)
# and Parizzi et al. 2009 (urban stable, rural decay within weeks). Urban is
# fitted to real S-1 VV coherence of Mexico City (PyRate test data) on the
# 12/36/60/84/108-day pairs only, the 24/48/72/96/132-day pairs held out
# (benchmarks/coherence_physics.py --fit-urban; the earlier 0.95/150/0.65 read
# 0.08 too high at 12 days): a lower gamma_0 (mixed urban pixels, vegetation and
# traffic inside a 20 m cell) and a slow decay to a high floor.
TEMPORAL = {
    FOREST: (0.70, 6.0, 0.10),
    URBAN: (0.82, 48.0, 0.85),
    BARE: (0.90, 80.0, 0.45),
}
FIELD_DORMANT = (0.85, 40.0, 0.30)  # bare or stubble fields outside the growing season
FIELD_GROWING = (0.80, 8.0, 0.08)  # at peak biomass (Morishita & Hanssen 2015: tau of days)

# Weather resets: largest fraction of the coherence an interval's rain, snowfall
# or melt removes, per class, and the e-folding total (mm) of each process.
# Soil moisture changes cost C band a moderate loss on soil and crops (De Zan et
# al. 2014, IEEE TGRS 52(1); Morishita & Hanssen 2015), fresh snow and melt
# much more (a new scattering layer; Kellndorfer et al. 2022 winter drops);
# buildings barely react.
RESET_LOSS = {
    "rain_mm": {FOREST: 0.3, FIELD: 0.5, URBAN: 0.05, BARE: 0.4},
    "snowfall_mm": {FOREST: 0.5, FIELD: 0.7, URBAN: 0.2, BARE: 0.7},
    "melt_mm": {FOREST: 0.4, FIELD: 0.6, URBAN: 0.15, BARE: 0.6},
}
RESET_SCALE_MM = {"rain_mm": 10.0, "snowfall_mm": 5.0, "melt_mm": 10.0}
WIND_CALM_M_S = 3.0
WIND_SCALE_M_S = 10.0

PAIR_COLUMNS = ("pair", "date_1", "date_2", "baseline_days", "bperp_m", "orbit_direction", "platform_1",
                "platform_2", "polarisation", "looks", "window", "rain_mm", "snowfall_mm", "melt_mm",
                "wind_1_m_s", "wind_2_m_s", "mean_true_coherence", "mean_reference_coherence")


def _class_table(values, default=0.0):
    out = np.full(6, default, dtype=np.float64)
    for cls, v in values.items():
        out[cls] = v
    return out


def temporal_coherence(classes, dt_days, doy):
    """Temporal coherence per pixel (float64) of a pair ``dt_days`` apart, before weather resets.

    ``classes``: land cover (uint8 codes, the same on both dates);
    ``doy``: day of year of the pair's middle (season of the fields).
    gamma_0 [gamma_inf + (1 - gamma_inf) exp(-dt / tau)]; water 0.
    """
    g0 = np.zeros(6)
    tau = np.ones(6)
    ginf = np.zeros(6)
    for cls, (a, t, b) in TEMPORAL.items():
        g0[cls], tau[cls], ginf[cls] = a, t, b
    growth = float(crop_growth(doy))
    dormant, growing = np.array(FIELD_DORMANT), np.array(FIELD_GROWING)
    # Interpolate the decay rate (1/tau), not tau: growth speeds decorrelation up smoothly.
    g0[FIELD] = dormant[0] + growth * (growing[0] - dormant[0])
    tau[FIELD] = 1.0 / (1.0 / dormant[1] + growth * (1.0 / growing[1] - 1.0 / dormant[1]))
    ginf[FIELD] = dormant[2] + growth * (growing[2] - dormant[2])
    c = np.asarray(classes, dtype=np.intp)
    decay = np.exp(-float(dt_days) / tau)
    table = g0 * (ginf + (1.0 - ginf) * decay)
    table[WATER] = 0.0
    return table[c]


def weather_factor(classes, weather, day_1, day_2):
    """Coherence factor (float64, 0-1) of the rain, snowfall and melt of the days in (day_1, day_2].

    ``weather``: dict of daily arrays (rain_mm, snowfall_mm, melt_mm) indexed
    by day since the series start; ``day_1``, ``day_2``: the pair's days.
    Per process, with A the interval's total (mm) and s the class's largest
    loss (RESET_LOSS): 1 - s (1 - exp(-A / scale)); the processes multiply.
    """
    c = np.asarray(classes, dtype=np.intp)
    factor = np.ones(c.shape)
    for key, loss in RESET_LOSS.items():
        total = float(np.sum(weather[key][day_1 + 1:day_2 + 1]))
        if total > 0:
            factor *= 1.0 - _class_table(loss)[c] * (1.0 - np.exp(-total / RESET_SCALE_MM[key]))
    return factor


def wind_factor(classes, winds_m_s, doy):
    """Coherence factor of wind on the acquisition days (forest; fields by crop growth)."""
    excess = sum(max(float(w) - WIND_CALM_M_S, 0.0) for w in winds_m_s)
    loss = np.exp(-excess / WIND_SCALE_M_S)
    weight = np.zeros(6)
    weight[FOREST] = 1.0
    weight[FIELD] = float(crop_growth(doy))
    w = weight[np.asarray(classes, dtype=np.intp)]
    return 1.0 - w * (1.0 - loss)


def slant_range_m(incidence):
    """Slant range (m) for ellipsoid incidence (radians), flat-Earth orbit at ORBIT_HEIGHT_M."""
    return ORBIT_HEIGHT_M / np.cos(incidence)


def vertical_wavenumber(bperp_m, incidence):
    """kz = 4 pi B_perp / (lambda R sin theta), radians per metre of height."""
    return 4.0 * np.pi * bperp_m / (WAVELENGTH_M * slant_range_m(incidence) * np.sin(incidence))


def volume_coherence(kz, incidence, height_m=FOREST_HEIGHT_M,
                     extinction_db_per_m=FOREST_EXTINCTION_DB_PER_M):
    """|gamma_vol| of a uniform volume with exponential extinction (Treuhaft & Siqueira 2000).

    gamma = p (exp((p + i kz) h) - 1) / ((p + i kz)(exp(p h) - 1)), p = 2 sigma / cos(theta),
    sigma the one-way power extinction (Np/m) = dB/m / (10 log10 e).
    """
    sigma = extinction_db_per_m / (10.0 * np.log10(np.e))
    p = 2.0 * sigma / np.cos(incidence)
    q = p + 1j * np.asarray(kz, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = p * np.expm1(q * height_m) / (q * np.expm1(p * height_m))
    return np.where(np.abs(kz) < 1e-12, 1.0, np.abs(g))


def geometric_coherence(bperp_m, incidence, local_incidence):
    """Range spectral-shift coherence 1 - |B_perp| / B_crit, 0 beyond the critical baseline.

    B_crit = lambda R tan(theta_local) / (2 delta_r) (Zebker & Villasenor 1992;
    Hanssen 2001 sec. 4.4): ~6 km on flat ground for S-1 IW, 0 as the local
    incidence goes to 0 (slopes facing the radar).
    """
    tan_local = np.tan(np.clip(local_incidence, 0.0, np.pi / 2 - 1e-6))
    b_crit = WAVELENGTH_M * slant_range_m(incidence) * tan_local / (2.0 * SLANT_RANGE_RESOLUTION_M)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 1.0 - abs(float(bperp_m)) / b_crit
    return np.clip(np.nan_to_num(g, nan=0.0), 0.0, 1.0)


def thermal_coherence(total_power_1, total_power_2, nesz_db=NESZ_DB):
    """1 / sqrt((1 + 1/SNR_1)(1 + 1/SNR_2)), SNR = (P - N)/N with P total sigma0, N = NESZ (linear)."""
    noise = 10.0 ** (nesz_db / 10.0)

    def inverse_snr(p):
        signal = np.maximum(np.asarray(p, dtype=np.float64) - noise, 0.0)
        with np.errstate(divide="ignore"):
            return noise / signal

    with np.errstate(invalid="ignore"):
        g = 1.0 / np.sqrt((1.0 + inverse_snr(total_power_1)) * (1.0 + inverse_snr(total_power_2)))
    return np.nan_to_num(g, nan=0.0)


def changed_between(change_day, end_day, day_1, day_2):
    """True where a scheduled change starts or ends in (day_1, day_2] (days since the stack start)."""
    c = np.nan_to_num(np.asarray(change_day, dtype=np.float64), nan=0.0)
    e = np.nan_to_num(np.asarray(end_day, dtype=np.float64), nan=0.0)
    return ((c > day_1) & (c <= day_2)) | ((e > day_1) & (e <= day_2))


def true_coherence(classes_1, classes_2, day_1, day_2, doy, weather, power_1, power_2, geometry_mask,
                   incidence, local_incidence, bperp_m, change_day=None, end_day=None, nesz_db=NESZ_DB):
    """True coherence 0-1 (float32) of a pair; see the module docstring for the terms.

    ``classes_1``, ``classes_2``: land cover on each date; ``day_1`` < ``day_2``:
    days since the weather series start; ``doy``: day of year of the pair's
    middle; ``weather``: daily arrays (rain_mm, snowfall_mm, melt_mm, wind_m_s);
    ``power_1``, ``power_2``: total sigma0 (signal + noise, linear) per date;
    ``geometry_mask``: layover (1) / shadow (2) bits; ``incidence``,
    ``local_incidence``: radians; ``bperp_m``: perpendicular baseline (m);
    ``change_day``, ``end_day``: the stack's change-date rasters (optional).
    """
    classes_1 = np.asarray(classes_1)
    classes_2 = np.asarray(classes_2)
    dt = day_2 - day_1
    if dt <= 0:
        raise ValueError(f"the second date must be after the first (got {dt} days)")
    gamma = temporal_coherence(classes_1, dt, doy)
    gamma *= weather_factor(classes_1, weather, day_1, day_2)
    gamma *= wind_factor(classes_1, (weather["wind_m_s"][day_1], weather["wind_m_s"][day_2]), doy)
    kz = vertical_wavenumber(bperp_m, incidence)
    forest = classes_1 == FOREST
    gamma[forest] *= np.broadcast_to(volume_coherence(kz, incidence), gamma.shape)[forest]
    gamma *= geometric_coherence(bperp_m, incidence, local_incidence)
    gamma *= thermal_coherence(power_1, power_2, nesz_db)
    dead = (classes_1 != classes_2) | (classes_1 == WATER) | (classes_2 == WATER)
    dead |= (np.asarray(geometry_mask).astype(np.int64) & (terrain.LAYOVER | terrain.SHADOW)) != 0
    if change_day is not None:
        dead |= changed_between(change_day, end_day, day_1, day_2)
    gamma[dead] = 0.0
    return np.clip(gamma, 0.0, 1.0).astype(np.float32)


def draw_pair(gamma, power_1, power_2, looks, window, rng):
    """Correlated circular-Gaussian SLC samples -> (intensity_1, intensity_2, reference coherence).

    ``gamma``, ``power_1``, ``power_2``: 2-D arrays (true coherence, total
    sigma0 per date, linear; NaN = no data); ``looks``: independent complex
    samples per pixel (the ENL of the intensities); ``window``: odd boxcar
    (pixels) of the reference sample coherence (N = looks window^2).
    Returns float32 arrays, NaN where no data.
    """
    i1, i2, refs = draw_pair_windows(gamma, power_1, power_2, looks, (window,), rng)
    return i1, i2, refs[window]


def draw_pair_windows(gamma, power_1, power_2, looks, windows, rng):
    """As ``draw_pair`` with the sample coherence of one draw over several ``windows``.

    Returns (intensity_1, intensity_2, {window: reference coherence}): every
    window's estimate comes from the same complex samples (so the windows
    differ only by their averaging).
    """
    looks = int(looks)
    if looks < 1:
        raise ValueError(f"looks must be a whole number >= 1 (got {looks})")
    valid = np.isfinite(gamma) & np.isfinite(power_1) & np.isfinite(power_2)
    g = np.where(valid, np.clip(gamma, 0.0, 1.0), 0.0)
    p1 = np.where(valid, np.maximum(power_1, 0.0), 0.0)
    p2 = np.where(valid, np.maximum(power_2, 0.0), 0.0)
    shape = (looks,) + g.shape

    def cn():
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * np.sqrt(0.5)

    c, n = cn(), cn()
    z1 = np.sqrt(p1) * c
    z2 = np.sqrt(p2) * (g * c + np.sqrt(1.0 - g * g) * n)
    i1 = (np.abs(z1) ** 2).mean(axis=0)
    i2 = (np.abs(z2) ** 2).mean(axis=0)
    cross = (z1 * np.conj(z2)).sum(axis=0)
    sums = [np.where(valid, a, 0.0) for a in (cross.real, cross.imag, i1 * looks, i2 * looks)]
    refs = {}
    for w in windows:
        ref = coherence_from_sums(*(box_sum_2d(a, w) for a in sums))
        ref[~valid] = np.nan
        refs[w] = ref
    out = []
    for a in (i1, i2):
        a = a.astype(np.float32)
        a[~valid] = np.nan
        out.append(a)
    return out[0], out[1], refs


def stack_pairs(acquisitions, baselines_days=(12,)):
    """Index pairs (i, j), i earlier, of same-orbit acquisitions ``baselines_days`` apart.

    ``acquisitions``: the rows of a simulated stack (dicts with date,
    orbit_direction), in date order.
    """
    wanted = {int(b) for b in baselines_days}
    out = []
    for i, a in enumerate(acquisitions):
        for j in range(i + 1, len(acquisitions)):
            b = acquisitions[j]
            if b["orbit_direction"] != a["orbit_direction"]:
                continue
            if (as_date(b["date"]) - as_date(a["date"])).days in wanted:
                out.append((i, j))
    return out


def _read_weather(path):
    cols = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for k, v in row.items():
                cols.setdefault(k, []).append(v)
    out = {k: np.array([float(x) for x in v]) for k, v in cols.items() if k != "date"}
    out["date"] = [as_date(d) for d in cols["date"]]
    return out


def simulate_coherence_pairs(out_dir, baselines_days=(12,), polarisation="VV", looks=4,
                             window=REFERENCE_WINDOW, seed=0, max_pairs=None, only_pairs=None, progress=None,
                             extra_windows=(), **stack_options):
    """Simulate a stack and write one folder per pair with intensities and coherence.

    The stack (``core.simulator.simulate_stack`` with ``stack_options``,
    e.g. start, end, shape, dem, orbits, climate, changes, revisit_days) is
    simulated speckle-free into ``out_dir/stack`` (sigma0 with texture and
    the noise floor); for each same-orbit pair ``baselines_days`` apart
    (at most ``max_pairs``, earliest first; only the (date_1, date_2) pairs
    of ``only_pairs`` when given) a folder ``out_dir/<pair>`` gets:
    intensity_1.tif, intensity_2.tif (``looks``-look sigma0, linear power),
    coherence_reference.tif (sample coherence of the complex pair over a
    ``window`` x ``window`` boxcar), coherence_true.tif, landcover.tif (band
    1: date 1, band 2: date 2), distortion.tif (layover 1 / shadow 2 / foreshortening 4 bits),
    pair.csv (one row, PAIR_COLUMNS); ``out_dir/pairs.csv`` lists every pair.
    ``extra_windows``: more odd windows whose sample coherence of the same
    draw goes to coherence_reference_w<size>.tif (window studies).
    Perpendicular baselines: each acquisition's orbit position ~ N(0, 50 m).
    Returns dict(stack=summary of simulate_stack, pairs=list of row dicts, pairs_csv=path).
    """
    from .stack import simulate_stack

    pol = str(polarisation).upper()
    stack_dir = os.path.join(str(out_dir), "stack")
    summary = simulate_stack(stack_dir, polarisations=(pol,), looks=float("inf"), seed=seed,
                             **stack_options)
    rows = summary["acquisitions"]
    pairs = stack_pairs(rows, baselines_days)
    if only_pairs is not None:
        keep = {(as_date(a), as_date(b)) for a, b in only_pairs}
        pairs = [(i, j) for i, j in pairs if (as_date(rows[i]["date"]), as_date(rows[j]["date"])) in keep]
    if max_pairs is not None:
        pairs = pairs[:int(max_pairs)]
    if not pairs:
        raise ValueError(f"no same-orbit pair is {tuple(baselines_days)} days apart: lengthen the period "
                         "or choose baselines that are multiples of the revisit")
    weather = _read_weather(summary["weather_csv"])
    start = summary["start"]
    base = read_array(summary["landcover"]).astype(np.uint8)
    change_day = read_array(summary["change_date"], 1)
    end_day = read_array(summary["change_date"], 2)
    geometry = {}
    for orbit, path in summary["geometry"].items():
        geometry[orbit] = tuple(read_array(path, b) for b in (1, 2, 3))
    orbit_rng = np.random.default_rng([int(seed), 91])
    bperp = {r["date"] + r["orbit_direction"]: orbit_rng.normal(0.0, ORBIT_TUBE_SD_M) for r in rows}
    written = []
    for n, (i, j) in enumerate(pairs):
        a, b = rows[i], rows[j]
        d1, d2 = as_date(a["date"]), as_date(b["date"])
        day_1, day_2 = (d1 - start).days, (d2 - start).days
        mid = d1 + _dt.timedelta(days=(day_2 - day_1) // 2)
        doy = mid.timetuple().tm_yday
        orbit = a["orbit_direction"]
        inc_deg, local_deg, mask = geometry[orbit]
        incidence = np.radians(np.nan_to_num(inc_deg, nan=35.0))
        local = np.radians(np.nan_to_num(local_deg, nan=90.0))
        p1 = read_array(os.path.join(stack_dir, a["file"]))
        p2 = read_array(os.path.join(stack_dir, b["file"]))
        c1 = chg.classes_at(base, summary["events"], d1)
        c2 = chg.classes_at(base, summary["events"], d2)
        b_m = bperp[b["date"] + orbit] - bperp[a["date"] + orbit]
        gamma = true_coherence(c1, c2, day_1, day_2, doy, weather, p1, p2, np.nan_to_num(mask),
                               incidence, local, b_m, change_day, end_day,
                               stack_options.get("nesz_db", NESZ_DB))
        gamma[~np.isfinite(p1) | ~np.isfinite(p2)] = np.nan
        rng = np.random.default_rng([int(seed), 92, d1.toordinal(), d2.toordinal(), len(orbit)])
        i1, i2, refs = draw_pair_windows(gamma, p1, p2, looks, (window,) + tuple(extra_windows), rng)
        ref = refs[window]
        name = f"{d1:%Y%m%d}_{d2:%Y%m%d}_{ORBIT_CODES[orbit]}_{pol}"
        folder = os.path.join(str(out_dir), name)
        os.makedirs(folder, exist_ok=True)
        like = summary["landcover"]
        write_array(os.path.join(folder, "intensity_1.tif"), i1, like=like, nodata=float("nan"),
                    descriptions=[f"{pol} {d1} sigma0 linear"])
        write_array(os.path.join(folder, "intensity_2.tif"), i2, like=like, nodata=float("nan"),
                    descriptions=[f"{pol} {d2} sigma0 linear"])
        write_array(os.path.join(folder, "coherence_reference.tif"), ref, like=like, nodata=float("nan"),
                    descriptions=["coherence (sample, complex pair)"])
        for w in extra_windows:
            write_array(os.path.join(folder, f"coherence_reference_w{w}.tif"), refs[w], like=like,
                        nodata=float("nan"), descriptions=[f"coherence (sample, complex pair, {w} x {w})"])
        write_array(os.path.join(folder, "coherence_true.tif"), gamma, like=like, nodata=float("nan"),
                    descriptions=["coherence (true)"])
        write_array(os.path.join(folder, "landcover.tif"), np.stack([c1, c2]).astype(np.float32),
                    like=like, nodata=0, descriptions=[f"landcover {d1}", f"landcover {d2}"])
        write_array(os.path.join(folder, "distortion.tif"), np.nan_to_num(mask).astype(np.float32),
                    like=like, descriptions=["layover 1 / shadow 2 / foreshortening 4"])
        sl = slice(day_1 + 1, day_2 + 1)
        row = dict(pair=name, date_1=d1.isoformat(), date_2=d2.isoformat(), baseline_days=day_2 - day_1,
                   bperp_m=f"{b_m:.2f}", orbit_direction=orbit, platform_1=a["platform"],
                   platform_2=b["platform"], polarisation=pol, looks=int(looks), window=int(window),
                   rain_mm=f"{weather['rain_mm'][sl].sum():.2f}",
                   snowfall_mm=f"{weather['snowfall_mm'][sl].sum():.2f}",
                   melt_mm=f"{weather['melt_mm'][sl].sum():.2f}",
                   wind_1_m_s=f"{weather['wind_m_s'][day_1]:.2f}",
                   wind_2_m_s=f"{weather['wind_m_s'][day_2]:.2f}",
                   mean_true_coherence=f"{np.nanmean(gamma):.4f}",
                   mean_reference_coherence=f"{np.nanmean(ref):.4f}")
        _write_rows(os.path.join(folder, "pair.csv"), [row])
        written.append(row)
        if progress is not None:
            progress(100.0 * (n + 1) / len(pairs))
    pairs_csv = _write_rows(os.path.join(str(out_dir), "pairs.csv"), written)
    return dict(stack=summary, pairs=written, pairs_csv=pairs_csv)


def _write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(PAIR_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path
