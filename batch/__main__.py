"""Command line: ``python -m sar_change.batch PIPELINE.yaml [--scheduler tcp://host:8786]``."""
import argparse
import sys

from . import pipeline as pl
from . import runner


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sar_change.batch",
        description="Run a SAR Change pipeline (speckle filter -> difference image -> threshold) "
                    "over many image pairs on a Dask cluster; finished outputs are skipped.")
    parser.add_argument("pipeline",
                        help="pipeline file (.yaml, .yml or .json); see sar_change.batch.pipeline")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a LocalCluster)")
    parser.add_argument("--workers", type=int, help="LocalCluster worker processes (default: one per core)")
    parser.add_argument("--threads-per-worker", type=int, help="threads per LocalCluster worker (default 1)")
    parser.add_argument("--chunk", type=int, help="chunk side, pixels (default: the pipeline's, else 1024)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        spec = pl.load(args.pipeline)
    except (pl.PipelineError, OSError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    if args.chunk:
        spec.chunk = args.chunk
    with runner.client_for(args.scheduler or spec.scheduler, args.workers or spec.workers,
                           args.threads_per_worker or spec.threads_per_worker) as client:
        outputs = runner.run(spec, client, quiet=args.quiet,
                             on_output=lambda p: print(f"written {p}", file=sys.stderr))
    for name, files in outputs.items():
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in files.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
