"""Trained models of SAR Change and the small runtime that applies them (onnxruntime only)."""
