"""Block engine and raster I/O: streaming with a halo, output policy, validation, scales."""
