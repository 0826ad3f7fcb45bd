"""Which bands of a SAR product hold backscatter (and which hold geometry such as incidence angles).

Products often carry an incidence-angle, elevation or mask band beside VV/VH; filtering or
differencing those is wrong. A band counts as backscatter unless its name says otherwise
(incidence, angle, elevation, mask...) or its values look like an angle field: all within an
angle range (0-90 degrees or 0-pi/2 radians) and spatially smooth, which backscatter never is
(speckle alone gives a median relative neighbour difference of tens of percent; an incidence
angle changes by a few thousandths of its value per pixel).
"""
import re

import numpy as np

#: Names of bands that are not backscatter.
NOT_BACKSCATTER = re.compile(
    r"incid|angle|theta|elevation|height|(?<![a-z])(lat|lon)|(?<![a-z])(dem|lia|doy|date)(?![a-z])|mask|"
    r"layover|shadow|"
    r"azimuth|slope|aspect|heading|coherence|quality|count", re.IGNORECASE)
#: Names of bands that are backscatter, whatever their values.
BACKSCATTER = re.compile(
    r"(?<![a-z])(vv|vh|hh|hv)(?![a-z])|sigma|gamma|beta|intensity|amplitude|backscatter", re.IGNORECASE)
#: Median |difference of horizontal neighbours| / median value below which a band is "smooth".
SMOOTH_RATIO = 0.01
#: Angle ranges: degrees, radians.
ANGLE_RANGES = ((0.0, 90.0), (0.0, np.pi / 2))


def looks_like_angles(sample):
    """True when a 2-D sample (NaN = no data) is within an angle range and spatially smooth."""
    sample = np.asarray(sample, dtype=np.float64)
    finite = sample[np.isfinite(sample)]
    if finite.size < 16 or sample.ndim != 2 or sample.shape[1] < 2:
        return False
    low, high = float(finite.min()), float(finite.max())
    if not any(lo <= low and high <= hi for lo, hi in ANGLE_RANGES):
        return False
    steps = np.abs(np.diff(sample, axis=1))
    steps = steps[np.isfinite(steps)]
    level = float(np.median(np.abs(finite)))
    return steps.size > 0 and level > 0 and float(np.median(steps)) / level < SMOOTH_RATIO


def is_backscatter(description, sample):
    """Whether a band with this name (may be '') and value sample holds backscatter."""
    name = description or ""
    if BACKSCATTER.search(name):
        return True
    if NOT_BACKSCATTER.search(name):
        return False
    return not looks_like_angles(sample)


def backscatter_bands(descriptions, samples):
    """1-based numbers of the backscatter bands, given each band's name and value sample."""
    return [i + 1 for i, (d, s) in enumerate(zip(descriptions, samples)) if is_backscatter(d, s)]
