"""InSAR coherence estimators (SLC sample coherence, intensity correlation)."""
