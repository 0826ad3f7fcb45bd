"""Processing algorithm "Unsupervised change detection": wraps core.change.unsupervised_raster.

The chain is fitted on a bounded sample of the pair (whole pair up to one
million pixels, else evenly spread tiles) and the uint8 change mask is
written block by block with a halo (``core.engine.raster_blocks.map_raster``).
No torch: scikit-learn trains the small patch classifier, numpy applies it.
"""
import math
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.change import unsupervised as us
from ...core.change import unsupervised_raster as ur
from ...core.change.difference import ZeroPowerError
from ...core.engine import raster_sampling, validation
from ...core.engine.raster_blocks import Cancelled, read_info
from . import common
from .common import tr

#: Method enum: index 0 is the default chain, then one entry per method.
METHOD_CHOICES = ("default", us.PCA_KMEANS, us.FCM, us.SELF_SUPERVISED, us.PCANET, us.MRF)

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Change mask of two co-registered SAR images of the same area (earlier, later) with no "
        "training data: 1 = changed, 0 = unchanged, 255 = no data (uint8 GeoTIFF on the grid of the "
        "earlier image). A pixel that is no data in either image is no "
        "data.</p><h3>Methods</h3><ul><li><b>Default (robust)</b>: {default}. Chosen, with no per-dataset"
        " parameter, by a leave-one-pair-out protocol over the labelled benchmark pairs and simulated "
        "pairs (<code>benchmarks/change_detection.py --protocol loo</code>). The difference image setting"
        " below does not apply to it.</li><li>The other methods run after the default's speckle filter, "
        "on the difference image chosen below.</li><li><b>PCA-KMeans</b> (Celik 2009): principal "
        "components of 5 x 5 blocks of the difference image, 5 x 5 neighbourhood of every pixel projected"
        " on the first 3, k-means with two clusters; the cluster with the larger mean difference is the "
        "change.</li><li><b>Fuzzy c-means</b>: two clusters of the difference image values (pixel by "
        "pixel).</li><li><b>Self-supervised classifier</b> (PCANet / DDNet family): a pre-classification "
        "of this pair labels confident changed and unchanged pixels; a small neural network (one hidden "
        "layer, scikit-learn MLP) learns from their 7 x 7 patches of the log ratio and the difference "
        "image and labels every pixel. Trained for each pair in seconds; no torch, no shipped "
        "weights.</li><li><b>PCANet pipeline</b> (Gao et al. 2016): a hierarchical fuzzy c-means "
        "pre-classification of the 5 x 5 mean difference image into changed, unchanged and uncertain "
        "pixels; the same kind of network, trained on the confident pixels from 7 x 7 patches of both "
        "dates (dB), the difference image and its 5 x 5 mean, labels the uncertain pixels.</li><li><b>PCA-"
        "KMeans + Markov random field</b> (spatial context; Bruzzone &amp; Prieto 2000): the PCA-KMeans "
        "map is regularised by a Potts prior (beta 1.5 per agreeing neighbour of the 8) on the likelihood "
        "k-means assumes (two Gaussian classes of equal spread around its two centres), 5 sweeps of "
        "iterated conditional modes; when the guard replaces the map, the fallback's map is regularised "
        "the same way on the 5 x 5 mean difference image.</li></ul><p>Image 1 is first scaled so that the "
        "median of the log ratio the difference image folds is 0 dB (of the 3 x 3 means for the window "
        "difference images, of the pixels for |LR|): this removes a calibration or 8-bit stretch "
        "difference and the log-ratio bias of different numbers of looks, which depends on the window "
        "(Fisher-Snedecor law of the ratio of two means). Every method assumes that fewer than half of the "
        "valid pixels changed (the median pixel is an unchanged one, and the guard below refuses a "
        "majority): where most of the area changed, the map is inverted (the unchanged part labelled "
        "changed). The log warns when the offset exceeds what unequal looks explain (+-1.59 dB, one look "
        "against many): a calibration or stretch difference between the dates, or such a majority change; "
        "then check the map against known areas, and if most of the area may have changed, run again on an"
        " extent with more unchanged ground.</p><h3>Guard against all-change maps</h3>"
        "<p>Rule: {guard}. The log reports the changed "
        "share, how confident the separation of the difference image is (Sarle's bimodality coefficient;"
        " Ashman's D, overlap and false-alarm share of two Gaussian classes fitted from the method's "
        "split) and which rule made the map; the outputs <i>Changed fraction</i>, <i>Separation</i>, "
        "<i>Bimodality</i> and <i>Guard</i> carry them.</p><h3>Parameters</h3><ul><li><b>Input scale</b>: "
        "linear power, amplitude (e.g. 8-bit "
        "images of the classic benchmarks) or dB; both images in the same scale.</li><li><b>Power "
        "floor</b>: linear power below which values are raised to it before the ratios; 0 refuses zero "
        "power (8-bit images often hold zeros: give e.g. 1).</li><li><b>Random seed</b>: of k-means, the "
        "samples and the network (results are repeatable).</li><li><b>Exclusion mask</b> (optional, off by "
        "default): a raster on the grid of the earlier image, band 1, non-zero = excluded (e.g. permanent "
        "or reference water, as operational flood mapping does; or areas known not to change). Threshold "
        "a water occurrence layer first (e.g. JRC Global Surface Water occurrence >= 90 with the Raster "
        "calculator): a raw occurrence layer is non-zero wherever water was ever seen, which is where "
        "floods happen, and excluded pixels cannot be found changed. Do not buffer the mask: a water mask "
        "dilated by 2 pixels covered 15-39 % of the changed pixels of simulated floods and lowered their "
        "kappa (benchmarks/results/change_exclusion.md). Excluded pixels are left out of every "
        "statistic that sets the clusters, thresholds, guard and fallback (they are no data for the "
        "chain, also in its windows) and are written as unchanged (0); its zeros and no-data pixels are "
        "not excluded. A polygon layer: rasterise it onto that grid first (GDAL Rasterize, burn value "
        "1). The log and the output <i>Excluded pixels</i> give how many pixels valid in both images "
        "were excluded.</li></ul>").format(
        default=us.DEFAULT.name(), guard=us.GUARD_RULE)


def guard_summary(guard):
    """One line for the Guard output: the rule that made the map, the reasons and the confidence."""
    if guard.fallback:
        rule = us.FALLBACK_LABELS[guard.fallback_rule]
        return f"fallback: {rule} ({', '.join(guard.reasons)}; separation {guard.confidence})"
    return f"chain (separation {guard.confidence})"


class UnsupervisedChangeAlgorithm(common.SarChangeAlgorithm):
    """Unsupervised change detection between two dates."""

    IMAGE_1 = "IMAGE_1"
    IMAGE_2 = "IMAGE_2"
    BAND_1 = "BAND_1"
    BAND_2 = "BAND_2"
    SCALE = "SCALE"
    METHOD = "METHOD"
    DIFFERENCE = "DIFFERENCE"
    POWER_FLOOR = "POWER_FLOOR"
    SEED = "SEED"
    EXCLUDE = "EXCLUDE"
    OUTPUT = "OUTPUT"
    OUTPUT_DI = "OUTPUT_DI"
    CHANGED_FRACTION = "CHANGED_FRACTION"
    SEPARATION = "SEPARATION"
    BIMODALITY = "BIMODALITY"
    GUARD = "GUARD"
    EXCLUDED = "EXCLUDED"

    def name(self):
        return "unsupervisedchange"

    def displayName(self):
        return tr("Unsupervised change detection")

    def group(self):
        return tr("Change detection")

    def groupId(self):
        return "changedetection"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return UnsupervisedChangeAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_1, tr("Earlier image (image 1)")))
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_2, tr("Later image (image 2)")))
        self.addParameter(number(self.BAND_1, tr("Band of image 1"), type=number.Integer, defaultValue=1,
                                 minValue=1))
        self.addParameter(number(self.BAND_2, tr("Band of image 2"), type=number.Integer, defaultValue=1,
                                 minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        labels = [tr("Default (robust): {name}").format(name=us.DEFAULT.name())]
        labels += [tr(us.METHOD_LABELS[m]) for m in METHOD_CHOICES[1:]]
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, tr("Method"), options=labels,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.DIFFERENCE, tr("Difference image (methods other than the default)"),
            options=[tr(us.DI_LABELS[k]) for k in us.DI_KINDS],
            defaultValue=us.DI_KINDS.index(us.DEFAULT.di)))
        self.addParameter(number(self.POWER_FLOOR, tr("Power floor (linear power; 0 = refuse zero power)"),
                                 type=number.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=0,
                                 minValue=0))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.EXCLUDE, tr("Exclusion mask (optional; non-zero = excluded, written unchanged)"),
            optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Change mask")))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_DI, tr("Difference image"), optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.CHANGED_FRACTION, tr("Changed fraction (0-1)")))
        self.addOutput(QgsProcessingOutputNumber(self.SEPARATION,
                                                 tr("Separation (Ashman's D of the fitted classes)")))
        self.addOutput(QgsProcessingOutputNumber(self.BIMODALITY, tr("Bimodality coefficient")))
        self.addOutput(QgsProcessingOutputString(self.GUARD, tr("Guard")))
        self.addOutput(QgsProcessingOutputNumber(self.EXCLUDED, tr("Excluded pixels")))

    def _settings(self, parameters, context):
        """(ChainConfig, floor or None, seed); ValueError with the fix if invalid."""
        method = METHOD_CHOICES[self.parameterAsEnum(parameters, self.METHOD, context)]
        di = us.DI_KINDS[self.parameterAsEnum(parameters, self.DIFFERENCE, context)]
        floor = self.parameterAsDouble(parameters, self.POWER_FLOOR, context)
        if not (math.isfinite(floor) and floor >= 0):
            raise ValueError(tr("the power floor must be >= 0 (0 = refuse zero power), got {v}").format(
                v=floor))
        config = us.DEFAULT if method == "default" else us.method_config(method, di)
        return config.check(), (floor or None), self.parameterAsInt(parameters, self.SEED, context)

    def validate(self, parameters, context):
        """Refuse a negative power floor, a constant image (no speckle) and a wrong scale before running."""
        self._settings(parameters, context)
        sources, names, _ = self._inputs(parameters, context)  # bands and grids first: they say the fix
        self._exclusion(parameters, context, sources[0], names[0])
        common.check_sar_inputs(self, parameters, context, [self.IMAGE_1, self.IMAGE_2])

    def _inputs(self, parameters, context):
        sources, names, bands = [], [], []
        for key, band_key in ((self.IMAGE_1, self.BAND_1), (self.IMAGE_2, self.BAND_2)):
            layer = self.parameterAsRasterLayer(parameters, key, context)
            src = common.gdal_source(layer, key)
            band = self.parameterAsInt(parameters, band_key, context)
            with common.core_errors(layer.name()):
                info = read_info(src)
            if not 1 <= band <= info.bands:
                raise common.band_error(layer.name(), band, info.bands)
            sources.append(src)
            names.append(layer.name())
            bands.append(band)
        if sources[0] == sources[1] and bands[0] == bands[1]:
            raise QgsProcessingException(tr(
                "Image 1 and image 2 are the same layer '{a}' and band {b}: choose the earlier and the later "
                "date").format(a=names[0], b=bands[0]))
        a, b = (read_info(s) for s in sources)
        if (a.xsize, a.ysize) != (b.xsize, b.ysize) or (
                a.geotransform and b.geotransform and any(
                    abs(x - y) > 1e-9 * max(1.0, abs(x)) for x, y in zip(a.geotransform, b.geotransform))):
            raise QgsProcessingException(tr(
                "Input layer '{b}' is not on the grid of '{a}' ({bx} x {by} vs {ax} x {ay} pixels or another "
                "geotransform): run sarchange:coregister first").format(
                    a=names[0], b=names[1], ax=a.xsize, ay=a.ysize, bx=b.xsize, by=b.ysize))
        return sources, names, bands

    def _exclusion(self, parameters, context, reference, reference_name):
        """(source, name) of the optional exclusion mask, or (None, None); refuses one off the pair's grid."""
        layer = self.parameterAsRasterLayer(parameters, self.EXCLUDE, context)
        if layer is None:
            return None, None
        src = common.gdal_source(layer, self.EXCLUDE)
        with common.core_errors(layer.name()):
            info = read_info(src)
        problem = validation.grid_problem(info, read_info(reference))
        if problem:
            raise QgsProcessingException(tr(
                "Exclusion mask '{m}' is not on the grid of '{a}' ({problem}): resample it onto that grid "
                "with nearest neighbour (e.g. GDAL Warp (reproject) with the image's CRS, extent and pixel "
                "size, or Align rasters); rasterise a polygon layer onto that grid (GDAL Rasterize, burn "
                "value 1)").format(m=layer.name(), a=reference_name, problem=problem))
        return src, layer.name()

    def processAlgorithm(self, parameters, context, feedback):
        try:
            config, floor, seed = self._settings(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        sources, names, bands = self._inputs(parameters, context)
        exclude, exclude_name = self._exclusion(parameters, context, sources[0], names[0])
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        dst_di = self.parameterAsOutputLayer(parameters, self.OUTPUT_DI, context) or None
        for src, name, band in zip(sources, names, bands):
            with common.core_errors(name):
                raster_sampling.check_input_scale(src, scale, [band])
        common.report_palettes(feedback, sources, names, bands)
        feedback.pushInfo(tr("Chain: {name}").format(name=config.name()))
        try:
            with common.core_errors("', '".join(names + ([exclude_name] if exclude else []))):
                try:
                    fitted, counts = ur.detect_rasters(
                        sources[0], sources[1], dst, bands[0], bands[1], config, scale, floor, dst_di, seed,
                        progress=common.progress_callback(feedback),
                        is_canceled=common.cancel_callback(feedback), exclude=exclude)
                except ZeroPowerError as exc:
                    raise QgsProcessingException(tr(
                        "Input layer '{name}' holds zero or negative power: give linear power > 0, set the "
                        "correct input scale, mask those pixels as no data, or set a power floor > 0 (e.g. 1 "
                        "for 8-bit images)").format(name=names[exc.image - 1])) from exc
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            for path in (dst, dst_di):
                if path:
                    if path == dst and os.path.exists(path) and dst_di:
                        os.remove(path)  # written before the difference image was cancelled
                    common.forget_output(context, path)
            return {}
        guard = fitted.guard
        if fitted.config != config:
            feedback.pushWarning(tr("The pre-classification found too few confident pixels of one class to "
                                    "train the classifier: {name} labelled the pair instead").format(
                                        name=fitted.config.name()))
        for line in guard.lines():
            (feedback.pushWarning if line.startswith("WARNING") else feedback.pushInfo)(line)
        feedback.pushInfo(tr("Change mask: {c} changed, {u} unchanged, {n} no-data pixels").format(
            c=counts["changed"], u=counts["unchanged"], n=counts["nodata"]))
        valid = counts["changed"] + counts["unchanged"]
        if exclude:
            share = 100.0 * counts["excluded"] / valid if valid else 0.0
            feedback.pushInfo(tr(
                "Exclusion mask '{m}': {n} pixels excluded ({p:.2f} % of the pixels valid in both images), "
                "left out of every statistic of the chain and counted as unchanged").format(
                    m=exclude_name, n=counts["excluded"], p=share))
        results = {self.OUTPUT: dst,
                   self.CHANGED_FRACTION: counts["changed"] / valid if valid else float("nan"),
                   self.SEPARATION: guard.mixture_d,
                   self.BIMODALITY: guard.bimodality,
                   self.GUARD: guard_summary(guard),
                   self.EXCLUDED: counts["excluded"]}
        if dst_di:
            results[self.OUTPUT_DI] = dst_di
        return results
