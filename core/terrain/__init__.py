"""Terrain geometry (slope, incidence, layover/shadow, simulated SAR) and flattening."""
