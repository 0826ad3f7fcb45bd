"""The values of a change map (uint8), shared by every change classifier and its raster writer.

1 changed, 0 unchanged, 255 no data (a pixel that is no data in either image, or outside a
window's valid pixels); 2 marks the uncertain pixels of a three-class pre-classification
(hierarchical fuzzy c-means), never written to an output map.
"""

CHANGED = 1
UNCHANGED = 0
UNCERTAIN = 2
NODATA = 255
