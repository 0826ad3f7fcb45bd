"""Daily weather, snowpack and soil moisture (pure numpy).

Weather generator (Richardson 1981, Water Resour. Res. 17(1); Wilks 1998,
J. Hydrol. 210; Wilks & Wilby 1999, Prog. Phys. Geogr. 23(3)):
- precipitation occurrence: first-order two-state Markov chain with
  transition probabilities p01 = P(wet | dry yesterday), p11 = P(wet | wet),
  modulated seasonally by one harmonic (Richardson 1981 fits Fourier series);
- wet-day amounts: gamma distribution, shape ~0.7-0.8 (Richardson 1981,
  Katz 1977); mean amount per wet day from the climate preset;
- daily mean temperature: seasonal sinusoid plus an AR(1) anomaly (lag-1
  autocorrelation ~0.7, Richardson 1981), wet days 1 deg C cooler;
- wind speed (for water roughness): Weibull with shape 2 (Justus et al. 1978).

Snowpack: temperature-index (degree-day) model (Hock 2003, J. Hydrol. 282):
precipitation is snow below T_snow = +1 deg C, melt M = DDF * (T - 0 deg C)
for T > 0 with DDF = 4 mm w.e. / (deg C day) (Hock 2003, table 1: snow 2.5-11.6).
Fresh snow density 100 kg/m3 relaxing towards 350 kg/m3 with a 10-day time
scale (values from Sturm et al. 2010, J. Hydrometeorol. 11; the exponential
relaxation is the usual simplification, e.g. Verseghy 1991 CLASS).

Soil moisture: antecedent precipitation index API_t = k * API_(t-1) + W_t
(Kohler & Linsley 1951, US Weather Bureau Res. Pap. 34), W = rain + melt in
mm/day, k = 0.85 per day; volumetric moisture
mv = mv_dry + (mv_wet - mv_dry) * (1 - exp(-API / 30 mm)), mv_dry = 0.08,
mv_wet = 0.40 m3/m3 (typical loam wilting point / field capacity range,
Ulaby, Moore & Fung 1986 vol. III, appendix E).
"""
import datetime as _dt

import numpy as np

# Climate presets. Temperatures deg C at the preset's station elevation (m);
# precipitation Markov chain probabilities (per day) and mean wet-day amount (mm).
# Values are typical of the named climates (e.g. DWD / MeteoSwiss normals),
# rounded; p_season > 0 makes winter wetter (Mediterranean).
CLIMATES = {
    "temperate": dict(elevation_m=300.0, t_mean=9.0, t_amplitude=9.5, t_peak_doy=200, ar_phi=0.7,
                      ar_sd=2.8, wet_cooling=1.0, p01=0.30, p11=0.62, p_season=0.0,
                      gamma_shape=0.75, wet_mean_mm=5.0, wind_mean=4.0),
    "alpine": dict(elevation_m=1000.0, t_mean=6.0, t_amplitude=9.0, t_peak_doy=200, ar_phi=0.7,
                   ar_sd=3.0, wet_cooling=1.5, p01=0.33, p11=0.66, p_season=0.0,
                   gamma_shape=0.7, wet_mean_mm=7.5, wind_mean=3.5),
    "boreal": dict(elevation_m=150.0, t_mean=2.0, t_amplitude=14.0, t_peak_doy=197, ar_phi=0.75,
                   ar_sd=3.5, wet_cooling=1.0, p01=0.30, p11=0.62, p_season=0.0,
                   gamma_shape=0.75, wet_mean_mm=3.5, wind_mean=4.0),
    "mediterranean": dict(elevation_m=100.0, t_mean=16.0, t_amplitude=8.0, t_peak_doy=205,
                          ar_phi=0.65, ar_sd=2.0, wet_cooling=1.0, p01=0.18, p11=0.55,
                          p_season=0.6, gamma_shape=0.7, wet_mean_mm=9.0, wind_mean=4.5),
}
LAPSE_RATE = 0.0065  # deg C per metre, ICAO standard atmosphere

T_SNOW = 1.0  # deg C, rain/snow threshold (Hock 2003 uses 1-2 deg C)
T_MELT = 0.0  # deg C, melt threshold (Hock 2003)
DDF_SNOW = 4.0  # mm w.e. / (deg C day), degree-day factor for snow (Hock 2003, table 1)
RHO_NEW = 100.0  # kg/m3, fresh snow (Sturm et al. 2010)
RHO_MAX = 350.0  # kg/m3, settled seasonal snow (Sturm et al. 2010)
DENSIFY_DAYS = 10.0  # e-folding time of densification (days)
SNOW_COVER_M = 0.02  # m, depth above which the ground counts as snow covered

API_DECAY = 0.85  # per day (Kohler & Linsley 1951: 0.85-0.98)
API_SCALE_MM = 30.0
MV_DRY, MV_WET = 0.08, 0.40  # m3/m3 (Ulaby, Moore & Fung 1986, vol. III, app. E)


def climate_parameters(climate):
    """Preset name or dict -> full parameter dict (a dict overrides 'temperate' keys)."""
    if isinstance(climate, str):
        if climate not in CLIMATES:
            raise ValueError(f"unknown climate {climate!r}: use one of {sorted(CLIMATES)} "
                             "or a dict of parameters")
        return dict(CLIMATES[climate])
    params = dict(CLIMATES["temperate"])
    unknown = set(climate) - set(params)
    if unknown:
        raise ValueError(f"unknown climate parameter(s) {sorted(unknown)}: allowed {sorted(params)}")
    params.update(climate)
    return params


def as_date(value):
    """datetime.date from a date, datetime, numpy datetime64 or 'YYYY-MM-DD' string."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, np.datetime64):
        return _dt.date.fromisoformat(str(value.astype("datetime64[D]")))
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"cannot read {value!r} as a date: give YYYY-MM-DD") from None


def weather_series(start_date, end_date, rng, climate="temperate", elevation_m=None):
    """Daily weather from ``start_date`` to ``end_date`` (inclusive) as a dict of arrays.

    ``climate``: a preset name (see CLIMATES) or a dict of parameters;
    ``elevation_m``: elevation (m) the series is for; temperature is moved from
    the preset's station elevation with the 6.5 deg C/km lapse rate (default:
    the station's). Keys (one value per day):

    date (datetime64[D]), doy (day of year), temperature_c (daily mean, deg C),
    precip_mm (mm/day, rain + snow water equivalent), wet (bool), wind_m_s
    (m/s), and the snowpack and soil keys of ``snowpack`` and ``soil_moisture``:
    rain_mm, snowfall_mm, melt_mm, swe_m, snow_depth_m (m), snow_density,
    frozen, wet_snow, dry_snow (bool), api_mm (mm), soil_moisture (m3/m3).
    """
    start, end = as_date(start_date), as_date(end_date)
    if end < start:
        raise ValueError(f"end date {end} is before start date {start}: swap them")
    p = climate_parameters(climate)
    dates = np.arange(np.datetime64(start), np.datetime64(end) + np.timedelta64(1, "D"))
    n = len(dates)
    doy = np.array([d.timetuple().tm_yday for d in dates.astype(object)], dtype=np.int32)
    season = np.cos(2 * np.pi * (doy - p["t_peak_doy"]) / 365.25)  # +1 in summer

    # Precipitation occurrence: Markov chain; p_season > 0 scales winter up.
    scale = 1.0 - p["p_season"] * season
    p01 = np.clip(p["p01"] * scale, 0.0, 0.95)
    p11 = np.clip(p["p11"] * np.sqrt(scale), 0.0, 0.98)
    u = rng.random(n)
    wet = np.zeros(n, dtype=bool)
    state = u[0] < p01[0] / (1.0 - p11[0] + p01[0])  # stationary probability
    for i in range(n):
        if i:
            state = u[i] < (p11[i] if state else p01[i])
        wet[i] = state
    amounts = rng.gamma(p["gamma_shape"], p["wet_mean_mm"] / p["gamma_shape"], n)
    precip = np.where(wet, amounts, 0.0)

    # Temperature: seasonal sinusoid + AR(1) anomaly (stationary variance ar_sd^2).
    eps = rng.standard_normal(n) * p["ar_sd"] * np.sqrt(1.0 - p["ar_phi"] ** 2)
    anomaly = np.empty(n)
    prev = rng.standard_normal() * p["ar_sd"]
    for i in range(n):
        prev = p["ar_phi"] * prev + eps[i]
        anomaly[i] = prev
    shift = 0.0 if elevation_m is None else -LAPSE_RATE * (float(elevation_m) - p["elevation_m"])
    temperature = p["t_mean"] + shift + p["t_amplitude"] * season + anomaly - p["wet_cooling"] * wet

    wind = p["wind_mean"] / 0.8862 * rng.weibull(2.0, n)  # Weibull k=2: mean = scale * 0.8862

    out = dict(date=dates, doy=doy, temperature_c=temperature, precip_mm=precip, wet=wet,
               wind_m_s=wind)
    out.update(snowpack(temperature, precip))
    out.update(soil_moisture(out["rain_mm"] + out["melt_mm"]))
    return out


def snowpack(temperature_c, precip_mm):
    """Degree-day snowpack (Hock 2003). Arrays (days, ...) broadcast over trailing axes.

    ``temperature_c``: daily mean air temperature (deg C); ``precip_mm``:
    daily precipitation (mm water equivalent). Returns arrays shaped like the
    broadcast inputs: rain_mm, snowfall_mm, melt_mm (mm/day), swe_m (snow water
    equivalent, m), snow_depth_m (m), snow_density (kg/m3), frozen (daily mean
    T < 0 deg C), wet_snow (snow cover and T > 0: liquid water in the pack),
    dry_snow (snow cover and not wet).
    """
    t, p = np.broadcast_arrays(np.asarray(temperature_c, float), np.asarray(precip_mm, float))
    snowfall = np.where(t < T_SNOW, p, 0.0)
    rain = p - snowfall
    melt = np.zeros_like(t)
    swe = np.zeros_like(t)  # mm
    density = np.full_like(t, RHO_NEW)
    store = np.zeros(t.shape[1:])
    rho = np.full(t.shape[1:], RHO_NEW)
    keep = np.exp(-1.0 / DENSIFY_DAYS)
    for i in range(t.shape[0]):
        rho = RHO_MAX - (RHO_MAX - rho) * keep
        new = snowfall[i]
        total = store + new
        rho = np.where(total > 0, (store * rho + new * RHO_NEW) / np.maximum(total, 1e-9), RHO_NEW)
        m = np.minimum(total, DDF_SNOW * np.maximum(t[i] - T_MELT, 0.0))
        store = total - m
        melt[i], swe[i], density[i] = m, store, rho
    depth = swe / density  # mm w.e. / (kg/m3) = m of snow
    covered = depth > SNOW_COVER_M
    wet_snow = covered & (t > T_MELT)
    return dict(rain_mm=rain, snowfall_mm=snowfall, melt_mm=melt, swe_m=swe / 1000.0,
                snow_depth_m=depth, snow_density=density, frozen=t < 0.0, wet_snow=wet_snow,
                dry_snow=covered & ~wet_snow)


def soil_moisture(water_mm, decay=API_DECAY, initial_mm=None):
    """Antecedent precipitation index (mm) and volumetric soil moisture (m3/m3).

    ``water_mm``: liquid water input per day (rain + melt, mm), shape
    (days, ...). ``initial_mm`` defaults to the steady state of the mean input.
    Returns dict(api_mm=..., soil_moisture=...).
    """
    w = np.asarray(water_mm, dtype=float)
    api = np.empty_like(w)
    prev = w.mean(axis=0) / (1.0 - decay) if initial_mm is None else np.asarray(initial_mm, float)
    for i in range(w.shape[0]):
        prev = decay * prev + w[i]
        api[i] = prev
    mv = MV_DRY + (MV_WET - MV_DRY) * (1.0 - np.exp(-api / API_SCALE_MM))
    return dict(api_mm=api, soil_moisture=mv)


def previous_days_sum(values, index, days=3):
    """Sum of ``values`` over the ``days`` days before ``index`` (not including it)."""
    lo = max(0, index - days)
    return float(np.sum(values[lo:index]))
