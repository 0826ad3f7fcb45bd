"""Learned difference image: stacks, model runs and fine-tuning plans (no torch)."""
