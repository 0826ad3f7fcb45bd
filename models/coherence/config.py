"""Defaults of the coherence model folder (read by ``training``, the command line and the benchmark).

Widths: the published Residual U-Net has encoder levels of 32, 64, 128, 256
channels and a 512-channel bridge (``FULL_WIDTHS``). Every width is
multiplied by ``width_scale`` (rounded, at least 4; ``widths``): the default
0.25 gives 8, 16, 32, 64 and a 128-channel bridge, about 1/16 of the published
multiply-adds, so training fits in minutes on two CPU cores and inference
runs at several megapixels per second; ``width_scale=1`` is the published size.
``stem``: the network works at 1/stem of the input resolution after a
strided stem (the reference coherence is itself a window estimate, 5 x 5
pixels in the simulator) and its two heads are upsampled bilinearly back to
the input grid. Measured with benchmarks/coherence.py's speed check on two
threads (1024 x 1024 px, tiles of 256): width_scale 0.25 runs at about 2.4,
4.8 and 13.7 MPix/s with stem 1, 2 and 4; the default is stem 4.
``class_weight_power``: per-pixel loss weights (land-cover share) ** -power.
Without them (the model shipped before) the network predicted ~0.25 on towns
whose reference is ~0.65 (towns are ~2 % of the training pixels). Chosen on
the validation pairs of benchmarks/coherence.py's training scenes (never the
test scenes), 1-minute runs against the shipped 10-minute unweighted model
(validation RMSE overall / urban / mean over the classes): unweighted
0.141 / 0.344 / 0.185; power 0.5 0.138 / 0.201 / 0.157; power 1 0.146 /
0.144 / 0.149. 0.5 is the only one that lowers both the overall and the
class-mean validation RMSE (1 trades the overall RMSE for the rare classes).
``patch``: training patches the size of the inference tiles (256 px,
``schema.DEFAULT_TILE_SIZE``; batch 2 and 64 patches per epoch keep the
pixels per step and per epoch of the earlier 128-px x 8 and 256). At 128 px
the deepest level is 2 x 2 (every pixel on the zero-padded border); on
256-px tiles it is 4 x 4 with inner pixels never seen in training. Measured
(benchmarks/coherence.py test scenes, 12-day VV, RMSE / within 1 sigma):
the unweighted 128-px model 0.146 / 0.70 on 128-px tiles but 0.152 / 0.58
on its 256-px tiles; the weighted 128-px model 0.137 / 0.67 on 128-px tiles
and 0.584 (predicting ~0.8 everywhere) on 256-px tiles. A 1.7-minute run
with both defaults (``benchmarks/coherence.py --minutes 1.7 --ship``, 34
epochs): validation RMSE 0.142 (not shipped: the shipped model's card says
0.141, on 128-px validation patches), test 12-day 0.143, within 1 / 2 sigma
0.686 / 0.966, urban 0.332 (intensity baseline 0.207). On 256-px validation
patches (its tiles) the shipped model scores RMSE 0.150, class mean 0.200,
urban 0.394; that run's model 0.142, 0.178, 0.300 (the --ship gate now scores
both this way).
``window_stem``, ``refine``, ``posterior_targets`` (issue 12's attempts at
the 0.10 RMSE goal; benchmarks/results/coherence_selection.md): 2-minute
runs from the shipped weather model (lr 5e-4, seed 0, validation pairs of
the training scenes only), validation RMSE / class mean: control 0.1231 /
0.1378; posterior targets 0.1232 / 0.1383 (no gain: the reference's speckle
already averages out of the gradients of 2 x 256 x 256-pixel steps); a
full-resolution refinement of 16 channels 0.1224 / 0.1359 (0.0004-0.0008
at equal epochs, at twice the cost per epoch and about half the inference
speed); the 3 x 3 window features in the stem 0.1197 / 0.1324, ahead of the
control from epoch 5 on, at some cost in speed: chosen (the default).
``stem_blocks`` (residual blocks after the stem, at 1/stem resolution): one
block, from the window-stem model under the same 2-minute protocol, scored
0.1163 against its control's 0.1164 (within 0.0008 of it at every epoch):
no gain, the default stays 0 (benchmarks/results/coherence_selection.md).
``weather_dropout``, ``condition_dropout`` (weather models): the fraction of
training patches whose weather conditions are all hidden (the path of a
user without weather data, exactly the unconditioned network) and, among the
others, the chance of hiding each condition on its own (partial knowledge).
"""

#: Encoder widths and bridge of the published network (channels).
FULL_WIDTHS = (32, 64, 128, 256)
FULL_BRIDGE = 512
#: Network defaults (``architecture.CoherenceUNet`` arguments).
NETWORK = dict(width_scale=0.25, stem=4, use_baseline=False, use_weather=False, refine=0, window_stem=True,
               stem_blocks=0)
#: Training defaults.
TRAINING = dict(epochs=200, patch=256, batch=2, lr=2e-3, schedule="plateau", patches_per_epoch=64,
                val_patches=48, val_fraction=0.2, augment=True, beta=0.5, balance=0.25,
                class_weight_power=0.5, weather_dropout=0.3, condition_dropout=0.15, posterior_targets=False)
#: Parameter-name prefixes of the encoder (frozen with --freeze-encoder-epochs).
ENCODER_PREFIXES = ("stem.", "encoders.", "bridge.")
#: Model card title.
CARD_TITLE = "Coherence from detected images (Residual U-Net)"


def widths(width_scale):
    """(encoder widths, bridge width) for ``width_scale`` (1 = the published 32-256 and 512)."""
    def w(c):
        return max(4, int(round(c * float(width_scale))))
    return tuple(w(c) for c in FULL_WIDTHS), w(FULL_BRIDGE)
