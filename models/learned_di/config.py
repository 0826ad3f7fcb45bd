"""Defaults of the learned-DI model folder (read by ``training`` and the command line)."""
from . import schema

#: Network: conditional U-Net (``architecture.LearnedDI`` arguments).
NETWORK = dict(n_inputs=schema.DEFAULT_N_INPUTS, arch="film", base=16, max_channels=64)
#: Training from scratch: patches, optimiser, schedule (the shipped model's run).
TRAINING = dict(epochs=20, patch=64, batch=16, lr=1e-3, schedule="cosine", patches_per_epoch=512,
                val_patches=256, val_fraction=0.2, loss="mse", augment=True)
#: Fine-tuning a trained model on a user's stack history: validation dates interleaved through the
#: history, recent targets drawn more often (half-life in days), learning rate reduced on plateau. Chosen
#: on stacks simulated like the demo with other seeds (2027, 2028; newest target, -2.5 dB blobs), never
#: on the demo stack: among learning rates 1e-4, 3e-4, 1e-3 and half-lives none, 15, 30, 60 days,
#: 3e-4 and 30 days gave the highest learned-DI AUC (see the session notes of issue 10).
FINETUNE = dict(epochs=1000, lr=3e-4, schedule="plateau", patches_per_epoch=256, val_patches=128,
                val_fraction=0.15, split="interleaved", half_life_days=30.0, max_minutes=2.0, patience=20)
#: Parameter name prefixes of the encoder (frozen with --freeze-encoder-epochs; the named
#: pretrained source "learned_di.encoder" loads only these).
ENCODER_PREFIXES = ("encoders.", "bottleneck.")
#: Inference tiling recorded in the metadata (pixels).
TILING = dict(tile_size=schema.DEFAULT_TILE_SIZE, overlap=schema.DEFAULT_OVERLAP)
#: Model card title.
CARD_TITLE = "Learned difference image model"
