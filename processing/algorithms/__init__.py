"""Processing algorithms of SAR Change: thin wrappers that call ``core``."""
