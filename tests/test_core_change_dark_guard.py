"""Permanent-dark exclusion (issue 15, thirteenth round): dark levels, only dark-on-both pixels removed."""
import numpy as np
import pytest

from sar_change.core.change import dark_guard as dg

from helpers import gamma_speckle


def _scene(rows=240, cols=240):
    """Classes in dB: a water band (-22), low land (-12), bright land (-4); 4-look speckle (seeded)."""
    db = np.full((rows, cols), -12.0)
    db[:, :40] = -22.0  # permanent water
    db[:, 180:] = -4.0
    return db


def test_levels_sit_between_water_and_land_and_only_dark_on_both_is_removed():
    db1, db2 = _scene(), _scene()
    db2[:, 40:60] = -22.0  # flood: low land -> water (dark on date 2 only)
    db2[:, :40] = -19.0  # wind: the permanent water is 3 dB brighter on date 2, still dark
    p1 = 10 ** (db1 / 10) * gamma_speckle(db1.shape, 4, seed=1)
    p2 = 10 ** (db2 / 10) * gamma_speckle(db2.shape, 4, seed=2)
    levels = dg.fit(p1, p2)
    # Otsu's lower threshold between the water and the low land: mid-way (-17 dB) on date 1, nearer the
    # land on date 2 whose water is 3 dB brighter and twice as wide (flood)
    assert levels.levels_db == pytest.approx((-17.0, -16.0), abs=0.3)
    mask = np.zeros(db1.shape, np.uint8)
    mask[:, 10:30] = 1  # false alarms on the permanent water
    mask[:, 42:58] = 1  # the flood
    mask[0, 0] = 255
    out = levels.exclude(mask, p1, p2)
    assert np.count_nonzero(out[:, 10:30] == 1) == 0
    assert np.all(out[:, 42:58] == 1)  # dark on date 2 only: kept
    assert out[0, 0] == 255 and np.count_nonzero(out == 1) == 240 * 16


def test_level_db_is_the_local_mean_in_db():
    p = np.full((9, 9), 0.01, np.float32)
    assert dg.level_db(p)[4, 4] == pytest.approx(-20.0, abs=1e-4)
    p[4, 4] = np.nan
    assert np.isfinite(dg.level_db(p)[4, 4])  # the window's other pixels still give a mean
