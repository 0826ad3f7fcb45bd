"""Speckle filters on linear-power images (numpy in, numpy out).

Every filter takes a 2-D float array of linear power with NaN for no data and
returns a float32 array of the same shape: NaN pixels stay NaN and never enter
a neighbour's statistics; pixels outside the array are treated as no data.
"""
