"""The ONNX contract of SAR-to-optical models (torch-free: imported by the QGIS side).

Inputs (raw physical values; the normalisation is inside the graph):
- ``sar``: float32 (B, 2, H, W), sigma0 VV and VH in dB;
- ``dem``: float32 (B, 1, H, W), elevation in metres on the SAR grid (only
  for the DEM fusions "early", "late", "intermediate");
- ``conditions``: float32 (B, 5), the optical acquisition's sun elevation and
  azimuth (degrees), day of year, and the grid's pixel width and height in
  metres (for the DEM's slopes) (only for conditioned models: metadata
  ``inputs.conditions`` lists CONDITION_NAMES; see conditions.py).
Output ``optical``: float32 (B, 4, H, W), Sentinel-2 L2A surface reflectance
(0..1, digital number / 10000) of B02, B03, B04, B08.
H and W are multiples of the model's ``size_multiple`` (metadata); whole
scenes run in blended tiles (``models.tiled_inference``).
"""
KIND = "sar_to_optical"
VERSION = "1"

INPUT_SAR = "sar"
INPUT_DEM = "dem"
INPUT_CONDITIONS = "conditions"
CONDITION_NAMES = ("sun_elevation_deg", "sun_azimuth_deg", "day_of_year", "pixel_width_m", "pixel_height_m")
OUTPUT = "optical"
SAR_BANDS = ("VV", "VH")
OPTICAL_BANDS = ("B02", "B03", "B04", "B08")
#: Output bands written by the QGIS algorithm, in this order: red, green, blue first so that the
#: raster loads as a true-colour layer (QGIS draws bands 1, 2, 3 as R, G, B), then NIR.
RGB_NIR_ORDER = ("B04", "B03", "B02", "B08")

#: Network families and DEM fusions (Bralet et al. 2024): "none" = SAR only.
ARCHES = ("sardinet", "pix2pix")
FUSIONS = ("none", "early", "late", "intermediate")
DEFAULT_TILE_SIZE = 512
DEFAULT_OVERLAP = 32


def uses_dem(fusion):
    """True when the fusion needs the DEM input."""
    if fusion not in FUSIONS:
        raise ValueError(f"fusion {fusion!r}: use one of {FUSIONS}")
    return fusion != "none"


def input_names(fusion, conditions=False):
    """ONNX input names in forward order (``conditions``: the model is conditioned on the acquisition)."""
    names = (INPUT_SAR, INPUT_DEM) if uses_dem(fusion) else (INPUT_SAR,)
    return names + (INPUT_CONDITIONS,) if conditions else names


def input_specs(fusion, conditions=False):
    """Tensor specs (``framework.metadata.tensor_spec`` dicts) of the inputs."""
    specs = [{"name": INPUT_SAR, "layout": "BCHW", "bands": list(SAR_BANDS), "scale": "dB", "units": "dB",
              "description": "Sentinel-1 sigma0 VV and VH"}]
    if uses_dem(fusion):
        specs.append({"name": INPUT_DEM, "layout": "BCHW", "bands": ["elevation"], "units": "m",
                      "description": "elevation on the SAR grid"})
    if conditions:
        specs.append({"name": INPUT_CONDITIONS, "layout": "BC", "bands": list(CONDITION_NAMES),
                      "units": "deg, deg, day, m, m", "description": "sun elevation and azimuth (clockwise "
                      "from north) at Sentinel-2's overpass (10:30 local solar time) and day of year of the "
                      "optical image; pixel width and height of the grid"})
    return specs


def output_specs():
    return [{"name": OUTPUT, "layout": "BCHW", "bands": list(OPTICAL_BANDS), "scale": "reflectance",
             "units": "1", "description": "Sentinel-2 L2A surface reflectance (digital number / 10000)"}]


def model_summary(info):
    """(fusion, needs_dem, output bands) of a parsed model metadata dict; ValueError when malformed."""
    inputs = info.get("inputs") or {}
    fusion = inputs.get("fusion")
    if fusion not in FUSIONS:
        raise ValueError(f"the model's metadata give no valid fusion ({fusion!r}); retrain it")
    bands = tuple((info.get("outputs") or [{}])[0].get("bands") or OPTICAL_BANDS)
    return fusion, uses_dem(fusion), bands


def needs_conditions(info):
    """True when a parsed model metadata dict says the model takes the acquisition conditions; ValueError
    when it lists conditions other than CONDITION_NAMES."""
    names = (info.get("inputs") or {}).get("conditions")
    if not names:
        return False
    if list(names) != list(CONDITION_NAMES):
        raise ValueError(f"the model's conditions {names} differ from this plugin's {list(CONDITION_NAMES)}: "
                         "retrain it or update the plugin")
    return True
