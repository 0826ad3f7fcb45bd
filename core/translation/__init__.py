"""SAR-to-optical translation: pair datasets, BigEarthNet reader, metrics, contrast."""
