"""Defaults of the segmentation model folder (read by ``training``, ``pretrain`` and the command lines)."""

#: Network (``architecture.SegmentationNet`` arguments). The paper's ResNet-18 has widths 64/128/256
#: (``width=64``); 16 keeps a 2-core CPU run to minutes and the encoder under 1 MB.
#: ``low_level``: the DeepLabv3+ skip from the first stage (stride 4), for thin rivers and ridges.
#: ``fine_level``: a further refinement with the stem's stride-2 features before the classifier (the
#: shipped model's selection preferred it on the river-only selection seeds: models/segmentation.md).
#: ``full_level``: a last refinement at the input resolution with a 3x3 convolution of the input (off:
#: it did not gain within the benchmark's time budget, benchmarks/results/segmentation.md "sel E").
#: ``texture_windows``: window sizes (odd, pixels) of the speckle-contrast features of the dB bands
#: (``texture.TextureStem``; empty: none); the trainer gives the network its dB bands. (5, 9): chosen
#: by the confirmation round on fresh run seeds 3-5 and validation scenes 220-239 (melt macro F1
#: 0.770 against 0.724 without; benchmarks/results/segmentation.md "Confirmation of T: outcome").
NETWORK = dict(
    width=16,
    aspp_channels=32,
    aspp_rates=(1, 2, 3),
    image_pooling=False,
    low_level=True,
    fine_level=True,
    full_level=False,
    texture_windows=(5, 9),
)
#: Training on labelled patches.
TRAINING = dict(
    epochs=30,
    patch=64,
    batch=16,
    lr=2e-3,
    schedule="plateau",
    patches_per_epoch=1024,
    val_patches=128,
    loss="ce",
    focal_gamma=2.0,
    augment=True,
    # chosen on the validation seeds with the weight average, benchmarks/results/segmentation.md "sel P"
    patience=12,
    # decay per step of the weight average validated and kept (framework.loop.fit; 0: the live weights):
    # chosen on the validation seeds, benchmarks/results/segmentation.md "sel M"
    ema=0.99,
)
#: Self-supervised despeckling pretraining of the encoder.
PRETRAIN = dict(
    epochs=40, patch=64, batch=16, lr=2e-3, scenes=24, patches_per_epoch=256, looks=1.0, max_minutes=4.0
)
#: Parameter name prefixes of the encoder (loaded from a pretrained source, frozen with
#: --freeze-encoder-epochs).
ENCODER_PREFIXES = ("encoder.",)
TILING = dict(tile_size=256, overlap=32)
CARD_TITLE = "SAR segmentation model"
