"""Processing algorithms "Simulate SAR time series" and "Simulated change mask".

Thin wrappers around ``core.simulator``: parameters are translated into a
``simulate_stack`` call (or ``write_change_mask``); the model, its sources and
the output formats are documented there.
"""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputRasterLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime

from ...core.engine.raster_blocks import Cancelled, read_array, read_info
from ...core.simulator import CLIMATES, simulate_stack, write_change_mask
from . import common
from .common import tr

ORBITS = ("ascending", "descending")
POLARISATIONS = ("VV", "VH")
CLIMATE_NAMES = tuple(sorted(CLIMATES))

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Simulates a Sentinel-1-like SAR time series (sigma0, linear power) on a DEM grid, with the "
        "weather, land cover and scheduled changes that drive it, for controlled change-detection "
        "experiments, training and demos.</p><p>Backscatter: per-class angular dependence on the local "
        "incidence angle from the DEM slope/aspect and the acquisition heading and incidence (Ulaby &amp;"
        " Dobson 1989), soil moisture from recent rain (Dobson &amp; Ulaby 1986), freezing (Rignot &amp; "
        "Way 1994), wet and dry snow (Nagler &amp; Rott 2000; Lievens et al. 2019), S1A/S1B calibration "
        "offsets, terrain projection with layover and shadow, noise floor, Gamma speckle with L looks. "
        "Weather: Markov-chain precipitation and AR(1) temperature (Richardson 1981), degree-day snowpack"
        " (Hock 2003).</p><h3>Outputs in the folder</h3><ul><li>one GeoTIFF per acquisition (e.g. "
        "S1A_20200103_ASC_VV_VH.tif; bands named VV, VH);</li><li>acquisitions.csv (date, platform, orbit"
        " direction, heading, mean incidence, temperature, precipitation of the day and 3 previous days, "
        "snow depth, applied shift), weather.csv, changes.csv;</li><li>landcover.tif (1 forest, 2 field, "
        "3 water, 4 urban, 5 bare), dem.tif when generated, geometry_ASC/DSC.tif (incidence, local "
        "incidence, layover/shadow bits), change_date.tif (days from the start to each pixel's change: "
        "masks between any two dates come from it, see <i>Simulated change mask</i>).</li></ul><p>Without"
        " a DEM a fractal DEM is generated (size, pixel size and relief below). A geographic DEM is "
        "handled (degrees converted to metres at its centre latitude). The whole DEM is held in memory: "
        "the simulator is meant for scenes up to a few thousand pixels on a side.</p>")


def _date_default(year, month, day):
    return QDateTime(QDate(year, month, day), QTime(0, 0))


def _iso(qdate):
    return qdate.toString("yyyy-MM-dd")


class SimulateStackAlgorithm(common.SarChangeAlgorithm):
    """Simulate a SAR time series with weather, land cover and scheduled changes."""

    DEM = "DEM"
    SIZE = "SIZE"
    PIXEL_SIZE = "PIXEL_SIZE"
    RELIEF = "RELIEF"
    START = "START_DATE"
    END = "END_DATE"
    REVISIT = "REVISIT"
    ORBITS = "ORBITS"
    INCIDENCE_MIN = "INCIDENCE_MIN"
    INCIDENCE_MAX = "INCIDENCE_MAX"
    POLARISATIONS = "POLARISATIONS"
    LOOKS = "LOOKS"
    SEED = "SEED"
    MAX_SHIFT = "MAX_SHIFT"
    CHANGES = "CHANGES"
    CLIMATE = "CLIMATE"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"

    def name(self):
        return "simulatestack"

    def displayName(self):
        return tr("Simulate SAR time series")

    def group(self):
        return tr("Simulation")

    def groupId(self):
        return "simulation"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return SimulateStackAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        date = QgsProcessingParameterDateTime
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.DEM, tr("DEM (metres; empty: generate a fractal DEM)"), optional=True))
        self.addParameter(number(self.SIZE, tr("Generated DEM size (pixels)"), type=number.Integer,
                                 defaultValue=512, minValue=16, maxValue=8192))
        self.addParameter(number(self.PIXEL_SIZE, tr("Generated DEM pixel size (m)"),
                                 type=number.Double, defaultValue=20.0, minValue=1.0))
        self.addParameter(number(self.RELIEF, tr("Generated DEM relief (m)"), type=number.Double,
                                 defaultValue=600.0, minValue=0.0))
        self.addParameter(date(self.START, tr("Start date"), type=date.Date,
                               defaultValue=_date_default(2020, 1, 1)))
        self.addParameter(date(self.END, tr("End date"), type=date.Date,
                               defaultValue=_date_default(2021, 12, 31)))
        self.addParameter(number(self.REVISIT, tr("Revisit per orbit direction (days)"),
                                 type=number.Integer, defaultValue=12, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.ORBITS, tr("Orbit directions"), options=[tr("Ascending"), tr("Descending")],
            allowMultiple=True, defaultValue=[0, 1]))
        self.addParameter(number(self.INCIDENCE_MIN, tr("Swath incidence, near range (degrees)"),
                                 type=number.Double, defaultValue=29.0))
        self.addParameter(number(self.INCIDENCE_MAX, tr("Swath incidence, far range (degrees)"),
                                 type=number.Double, defaultValue=46.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.POLARISATIONS, tr("Polarisations"), options=list(POLARISATIONS), allowMultiple=True,
            defaultValue=[0, 1]))
        self.addParameter(number(self.LOOKS, tr("Number of looks (speckle ENL)"), type=number.Double,
                                 defaultValue=4.0))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=0))
        self.addParameter(number(self.MAX_SHIFT, tr("Misregistration: maximum shift (pixels, 0 = none)"),
                                 type=number.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CHANGES, tr("Schedule changes (clear-cut, flood, new building, landslide)"),
            defaultValue=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.CLIMATE, tr("Climate"), options=list(CLIMATE_NAMES),
            defaultValue=CLIMATE_NAMES.index("temperate")))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, tr("Output folder")))
        self.addOutput(QgsProcessingOutputFile("ACQUISITIONS_CSV", tr("Acquisition table (CSV)")))
        self.addOutput(QgsProcessingOutputRasterLayer("LANDCOVER", tr("Land cover")))
        self.addOutput(QgsProcessingOutputRasterLayer("CHANGE_DATE", tr("Change date (days from start)")))
        self.addOutput(QgsProcessingOutputNumber("COUNT", tr("Number of acquisitions")))

    def processAlgorithm(self, parameters, context, feedback):
        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem = None
        if dem_layer is not None:
            path = common.gdal_source(dem_layer, self.DEM)
            info = read_info(path)
            dem = (read_array(path, 1), info.geotransform, info.projection)
            feedback.pushInfo(tr("DEM {name}: {x} x {y} pixels").format(
                name=dem_layer.name(), x=info.xsize, y=info.ysize))
        size = self.parameterAsInt(parameters, self.SIZE, context)
        orbits = [ORBITS[i] for i in self.parameterAsEnums(parameters, self.ORBITS, context)]
        pols = [POLARISATIONS[i] for i in self.parameterAsEnums(parameters, self.POLARISATIONS, context)]
        if not orbits or not pols:
            raise QgsProcessingException(tr("Choose at least one orbit direction and one polarisation."))
        out_dir = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        name = dem_layer.name() if dem_layer is not None else tr("generated DEM")
        try:
            with common.core_errors(name):
                summary = simulate_stack(
                    out_dir, dem=dem,
                    start=_iso(self.parameterAsDateTime(parameters, self.START, context).date()),
                    end=_iso(self.parameterAsDateTime(parameters, self.END, context).date()),
                    revisit_days=self.parameterAsInt(parameters, self.REVISIT, context),
                    orbits=tuple(orbits),
                    incidence_range=(self.parameterAsDouble(parameters, self.INCIDENCE_MIN, context),
                                     self.parameterAsDouble(parameters, self.INCIDENCE_MAX, context)),
                    polarisations=tuple(pols),
                    looks=self.parameterAsDouble(parameters, self.LOOKS, context),
                    seed=self.parameterAsInt(parameters, self.SEED, context),
                    shifts_px=self.parameterAsDouble(parameters, self.MAX_SHIFT, context),
                    changes="default" if self.parameterAsBool(parameters, self.CHANGES, context) else None,
                    shape=None if dem is not None else (size, size),
                    climate=CLIMATE_NAMES[self.parameterAsEnum(parameters, self.CLIMATE, context)],
                    pixel_size_m=self.parameterAsDouble(parameters, self.PIXEL_SIZE, context),
                    relief_m=self.parameterAsDouble(parameters, self.RELIEF, context),
                    progress=common.progress_callback(feedback),
                    is_canceled=common.cancel_callback(feedback))
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: the files of this run were removed."))
            return {}
        feedback.pushInfo(tr("{n} acquisitions written to {folder} in {s:.1f} s").format(
            n=len(summary["files"]), folder=out_dir, s=summary["seconds"]))
        for event in summary["events"]:
            pixels = 0 if event.mask is None else int(event.mask.sum())
            until = f" until {event.end_date}" if event.end_date is not None else ""
            feedback.pushInfo(tr("Scheduled change {id}: {kind} on {date}{until}, {n} pixels").format(
                id=event.event_id, kind=event.kind, date=event.date, until=until, n=pixels))
        return {self.OUTPUT_FOLDER: out_dir, "ACQUISITIONS_CSV": summary["acquisitions_csv"],
                "LANDCOVER": summary["landcover"], "CHANGE_DATE": summary["change_date"],
                "COUNT": len(summary["files"])}


class SimulatedChangeMaskAlgorithm(common.SarChangeAlgorithm):
    """Ground-truth change mask between two dates of a simulated stack."""

    CHANGE_DATE = "CHANGE_DATE"
    DATE_A = "DATE_A"
    DATE_B = "DATE_B"
    OUTPUT = "OUTPUT"

    def name(self):
        return "simulatedchangemask"

    def displayName(self):
        return tr("Simulated change mask")

    def group(self):
        return tr("Simulation")

    def groupId(self):
        return "simulation"

    def shortHelpString(self):
        return tr("<p>Writes the ground-truth change mask (1 changed, 0 unchanged) between two dates "
                  "from the change_date.tif of a stack made by <i>Simulate SAR time series</i>. A flood "
                  "that came and went between the two dates counts as unchanged.</p>")

    def createInstance(self):
        return SimulatedChangeMaskAlgorithm()

    def initAlgorithm(self, config=None):
        date = QgsProcessingParameterDateTime
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.CHANGE_DATE, tr("Change date raster (change_date.tif of a simulated stack)")))
        self.addParameter(date(self.DATE_A, tr("First date"), type=date.Date,
                               defaultValue=_date_default(2020, 1, 1)))
        self.addParameter(date(self.DATE_B, tr("Second date"), type=date.Date,
                               defaultValue=_date_default(2021, 12, 31)))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Change mask")))

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.CHANGE_DATE, context)
        src = common.gdal_source(layer, self.CHANGE_DATE)
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        with common.core_errors(layer.name()):
            write_change_mask(src,
                              _iso(self.parameterAsDateTime(parameters, self.DATE_A, context).date()),
                              _iso(self.parameterAsDateTime(parameters, self.DATE_B, context).date()),
                              dst)
        return {self.OUTPUT: dst}
