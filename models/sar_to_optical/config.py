"""Defaults of the SAR-to-optical model folder (read by ``training``, the command line and the benchmark)."""
from . import schema

#: Networks: SARDINet at 1/8 of the paper's widths with batch normalisation (architecture.py); the pix2pix
#: U-Net baseline.
NETWORK = {"sardinet": dict(width=0.125, batch_norm=True), "pix2pix": dict(base=16, depth=4, max_channels=64)}
#: Training: MAE loss with Adam (Bralet et al. 2022, 2024), random patches, constant learning rate.
TRAINING = dict(epochs=30, patch=64, batch=16, lr=1e-3, schedule="plateau", patches_per_epoch=256,
                val_patches=128, val_fraction=0.25)
#: Inference tiling recorded in the metadata (pixels).
TILING = dict(tile_size=schema.DEFAULT_TILE_SIZE, overlap=schema.DEFAULT_OVERLAP)
CARD_TITLE = "SAR-to-optical translation model"
