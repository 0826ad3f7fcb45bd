"""Run a Pipeline on a dask.distributed cluster: waves of steps, skipping finished outputs."""
import contextlib
import os
import sys

from . import pipeline as pl

SPECKLE_OUTPUTS = ("speckle_1.tif", "speckle_2.tif")
DIFFERENCE_OUTPUT = "difference.tif"
MASK_OUTPUT = "change_mask.tif"
THRESHOLD_OUTPUT = "threshold.json"
SVM_OUTPUT = "svm_change_mask.tif"


@contextlib.contextmanager
def client_for(scheduler=None, workers=None, threads_per_worker=1, processes=True):
    """A distributed Client: on ``scheduler`` (address) if given, else on a new LocalCluster."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    # Spawned workers import sar_change: give them the folder it is imported from.
    import sar_change

    parent = os.path.dirname(os.path.dirname(os.path.abspath(sar_change.__file__)))
    paths = [parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    # The workers' GDAL block caches (osgeo's and rasterio's own) capped as the block engine caps its own,
    # unless the user set GDAL_CACHEMAX: the default, 5 % of RAM per worker and per GDAL, is no bound.
    from ..core.engine.raster_blocks import DEFAULT_GDAL_CACHE_MB

    os.environ.setdefault("GDAL_CACHEMAX", str(int(float(os.environ.get("SAR_CHANGE_GDAL_CACHE_MB",
                                                                        DEFAULT_GDAL_CACHE_MB)))))
    workers = workers or max(1, (os.cpu_count() or 2) // max(1, threads_per_worker))
    with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=processes,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


class Progress:
    """A tqdm bar over tasks (a plain line per wave when tqdm is missing or ``quiet``)."""

    def __init__(self, total, label, quiet=False):
        self.bar = None
        if not quiet:
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=label, unit="task", file=sys.stderr)
            except ImportError:
                print(f"{label}: {total} tasks", file=sys.stderr)

    def update(self):
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _compute(client, work, label, on_output, quiet):
    """Compute ``work`` = [(tiles, final)], report each finished output, raise the first error."""
    from distributed import as_completed

    if not work:
        return
    tile_futures = client.compute([t for tiles, _ in work for t in tiles])
    finals = client.compute([final for _, final in work])
    bar = Progress(len(tile_futures) + len(finals), label, quiet)
    try:
        final_keys = {f.key for f in finals}
        for future in as_completed(tile_futures + finals):
            future.result()  # raises the task's error here
            bar.update()
            if future.key in final_keys and on_output is not None:
                on_output(future.result())
    except BaseException:
        client.cancel(tile_futures + finals)
        raise
    finally:
        bar.close()


def run(pipeline, client, on_output=None, quiet=False):
    """Run every step of ``pipeline`` for every job on ``client``; returns ``{job name: outputs}``.

    An output that exists is skipped (resume). ``on_output(path)`` is called
    when an output is written. Errors stop the run with the failing task's
    exception; finished outputs stay, unfinished ones leave nothing behind.
    """
    outputs = {job.name: {} for job in pipeline.jobs}
    for job in pipeline.jobs:
        os.makedirs(job.folder, exist_ok=True)
    inputs = {job.name: (job.image_1, job.image_2) for job in pipeline.jobs}
    for alg, params in pipeline.steps:
        work, fits = [], []
        for job in pipeline.jobs:
            src = inputs[job.name]
            if alg == pl.SPECKLE:
                dsts = [job.output(n) for n in SPECKLE_OUTPUTS]
                for s, d in zip(src, dsts):
                    if not os.path.exists(d):
                        work.append(pl.speckle_tasks(s, d, params, pipeline.chunk))
                inputs[job.name] = tuple(dsts)
                outputs[job.name]["speckle"] = dsts
            elif alg == pl.DIFFERENCE:
                dst = job.output(DIFFERENCE_OUTPUT)
                if not os.path.exists(dst):
                    work.append(pl.difference_tasks(src[0], src[1], dst, params, pipeline.chunk))
                inputs[job.name] = (dst,)
                outputs[job.name]["difference"] = dst
            elif alg == pl.SVM:
                dst = job.output(SVM_OUTPUT)
                if not os.path.exists(dst):
                    work.append(pl.svm_tasks(src[0], src[1], dst, params))
                outputs[job.name]["svm_change_mask"] = dst
            else:
                dst, record = job.output(MASK_OUTPUT), job.output(THRESHOLD_OUTPUT)
                outputs[job.name].update(change_mask=dst, threshold=record)
                if not (os.path.exists(dst) and os.path.exists(record)):
                    # The fit reads a bounded sample of the written DI, on a worker; all jobs at once.
                    fits.append((src[0], dst, record, client.submit(pl.fit_threshold, src[0], params,
                                                                    pure=False)))
        for src, dst, record, future in fits:
            result = future.result()
            pl.write_json(record, {"threshold": result.threshold, "low_threshold": result.low_threshold,
                                   "method": result.method, "side": result.side,
                                   "description": list(result.describe())})
            work.append(pl.threshold_tasks(src, dst, result, params, pipeline.chunk))
        _compute(client, work, alg.split(":")[-1], on_output, quiet)
    return outputs
