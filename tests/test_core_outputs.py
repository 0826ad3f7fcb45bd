"""core.engine.outputs: the output policy of every writer (same file, room, checked writes, atomic rename)."""
import errno
import os
import subprocess

import numpy as np
import pytest

from sar_change.core.engine import outputs
from sar_change.core.engine import raster_blocks as rb


def _image(path, n=64, seed=0):
    values = np.random.default_rng(seed).random((n, n)).astype(np.float32)
    return rb.write_array(path, values), values


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs (root only; CI runs as root); skipped with the reason elsewhere."""
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the CI runs as root")
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True)


def test_same_file_sees_links(tmp_path):
    src, _ = _image(tmp_path / "a.tif")
    os.symlink(src, tmp_path / "sym.tif")
    os.link(src, tmp_path / "hard.tif")
    assert outputs.same_file(src, tmp_path / "sym.tif")
    assert outputs.same_file(src, tmp_path / "hard.tif")
    assert outputs.same_file(src, str(tmp_path / "sub" / ".." / "a.tif"))
    assert not outputs.same_file(src, tmp_path / "b.tif")
    assert outputs.file_path("x.gpkg|layername=a") == "x.gpkg"


def test_check_targets_refuses_inputs_other_outputs_and_missing_room(tmp_path, monkeypatch):
    src, _ = _image(tmp_path / "a.tif")
    os.link(src, tmp_path / "hard.tif")
    with pytest.raises(outputs.OutputError, match="output 'out' must not overwrite the input 'in'"):
        outputs.check_targets({"out": str(tmp_path / "hard.tif")}, {"in": [src]})
    with pytest.raises(outputs.OutputError, match="outputs 'a' and 'b' are the same file"):
        outputs.check_targets({"a": str(tmp_path / "o.tif"), "b": str(tmp_path / "o.tif")})
    with pytest.raises(outputs.OutputError, match="does not exist; create it"):
        outputs.check_targets({"a": str(tmp_path / "missing" / "o.tif")})
    outputs.check_targets({"a": str(tmp_path / "missing" / "o.tif")}, create_folders=True)
    with pytest.raises(outputs.OutputError, match="is a file, not a folder"):
        outputs.check_targets({"a": os.path.join(src, "o.tif")}, create_folders=True)
    monkeypatch.setattr(outputs, "free_bytes", lambda folder: 5 << 20)
    with pytest.raises(outputs.OutputError, match=r"needs about 8.0 MiB but the disk .* has 5.0 MiB free"):
        outputs.check_targets({"a": str(tmp_path / "o.tif")}, estimated_bytes=8 << 20)
    outputs.check_targets({"a": str(tmp_path / "o.tif")}, estimated_bytes=1 << 20)
    assert os.listdir(tmp_path) == ["a.tif", "hard.tif"]  # the probes are gone


def test_room_of_several_outputs_is_each_ones_bands(tmp_path, monkeypatch):
    """The engine asks for the sum of its outputs' sizes, not that sum once per output."""
    src, _ = _image(tmp_path / "in.tif", n=64)
    targets = [rb.OutputRaster(tmp_path / f"o{k}.tif", bands) for k, bands in ((1, 1), (2, 2))]
    needed = 64 * 64 * 3 * 4  # three float32 bands in all

    def run():
        rb.map_raster_outputs(src, targets, lambda a: np.concatenate([a, a, a]), 0)

    monkeypatch.setattr(outputs, "free_bytes", lambda folder: needed + outputs.ROOM_MARGIN - 1)
    with pytest.raises(outputs.OutputError, match="needs about 48.0 KiB"):  # both, in one folder (not 96)
        run()
    monkeypatch.setattr(outputs, "free_bytes", lambda folder: needed + outputs.ROOM_MARGIN)
    run()
    assert sorted(os.listdir(tmp_path)) == ["in.tif", "o1.tif", "o2.tif"]


def test_os_reasons_in_words():
    assert "is full" in outputs.os_reason(OSError(errno.ENOSPC, "x"), "/d")[0]
    assert "read-only" in outputs.os_reason(OSError(errno.EROFS, "x"), "/d")[0]
    assert "no permission" in outputs.os_reason(OSError(errno.EACCES, "x"), "/d")[0]


def test_failed_write_leaves_nothing_and_keeps_an_old_file(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("old")
    with pytest.raises(ZeroDivisionError):
        with outputs.text_output(path) as handle:
            handle.write("new")
            1 / 0  # noqa: B018 - any failure while writing
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["t.txt"]
    with outputs.text_output(path) as handle:
        handle.write("new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["t.txt"]


def test_engine_refuses_a_full_disk_before_work(tmp_path, small_disk):
    src, _ = _image(tmp_path / "in.tif", n=400)
    calls = []
    with pytest.raises(outputs.OutputError, match=r"needs about .* free some space"):
        rb.filter_raster(src, small_disk / "out.tif", lambda a: calls.append(1) or a, 0)
    assert calls == [] and os.listdir(small_disk) == []


@pytest.mark.parametrize("writer", ["engine", "write_array", "text"])
def test_disk_filling_up_during_the_write(tmp_path, small_disk, monkeypatch, writer):
    """The room check passes (free space misreported) but the disk fills: a clear error, nothing left."""
    src, values = _image(tmp_path / "in.tif", n=400)
    monkeypatch.setattr(outputs, "free_bytes", lambda folder: 1 << 40)
    dst = small_disk / ("out.tif" if writer != "text" else "out.csv")
    with pytest.raises(outputs.OutputError) as info:
        if writer == "engine":
            rb.filter_raster(src, dst, lambda a: a, 0, creation_options=["COMPRESS=NONE"])
        elif writer == "write_array":
            rb.write_array(dst, values)
        else:
            with outputs.text_output(dst) as handle:
                handle.write("x" * (1 << 20))
    message = str(info.value)
    assert "full" in message and str(dst) in message and ".partial" not in message
    assert os.listdir(small_disk) == []


def test_verify_catches_an_unreadable_raster(tmp_path):
    path = tmp_path / "bad.tif"
    path.write_bytes(b"II*\x00garbage")
    with pytest.raises(RuntimeError, match="does not reopen"):
        outputs.verify_raster(path)
    src, _ = _image(tmp_path / "ok.tif")
    outputs.verify_raster(src, bands=1)
    with pytest.raises(RuntimeError, match="1 band"):
        outputs.verify_raster(src, bands=2)


def test_a_folder_as_output_is_refused_before_any_temporary_file(tmp_path, monkeypatch):
    """An output naming a folder ('', '.', '..', the checkout, a trailing separator) is refused before a
    temporary file exists: it would land beside the folder, in its parent (a stray
    '.<checkout>.<hex>.partial.tif' next to a checkout, from a run whose output was '' in it)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    src, values = _image(tmp_path / "in.tif", n=16)
    monkeypatch.chdir(repo)  # as a test run from the checkout: '' and '.' are the checkout itself
    writers = {
        "write_array": lambda dst: rb.write_array(dst, values),
        "filter_raster": lambda dst: rb.filter_raster(src, dst, lambda block: block, 0),
        "raster_output": lambda dst: outputs.raster_output(dst).__enter__(),
        "write_bytes": lambda dst: outputs.write_bytes(dst, b"x"),
        "text_output": lambda dst: outputs.text_output(dst).__enter__(),
    }
    for dst in ("", ".", "..", str(repo), str(repo) + os.sep, str(tmp_path / "new") + os.sep):
        for name, write in writers.items():
            with pytest.raises(outputs.OutputError, match="give a file name") as info:
                write(dst)
            assert "folder" in str(info.value) or "no file name" in str(info.value), (name, dst)
        with pytest.raises(outputs.OutputError, match="is an existing folder|names a folder|no file name"):
            outputs.check_targets({"out": dst} if dst else {"out": "."})
    left = [p for d in (repo, tmp_path) for p in os.listdir(d) if ".partial" in p]
    assert left == [] and os.listdir(repo) == [] and not (tmp_path / "new").exists()


def _byte_raster(path, values):
    from osgeo import gdal

    with outputs.raster_output(path, bands=1) as tmp:
        ds = gdal.GetDriverByName("GTiff").Create(tmp, values.shape[1], values.shape[0], 1, gdal.GDT_Byte)
        ds.GetRasterBand(1).WriteArray(values)
        ds = None


def test_a_replaced_raster_drops_the_old_files_statistics_sidecar(tmp_path):
    """A histogram cached in <file>.aux.xml by an earlier file must not describe the new one."""
    from osgeo import gdal

    path = str(tmp_path / "mask.tif")
    _byte_raster(path, np.ones((8, 8), np.uint8))
    ds = gdal.Open(path)
    assert ds.GetRasterBand(1).GetHistogram(-0.5, 255.5, 256, False, False)[1] == 64
    ds = None  # closing writes the histogram to mask.tif.aux.xml
    assert os.path.exists(path + ".aux.xml")
    values = np.zeros((8, 8), np.uint8)
    values[0, :3] = 1
    _byte_raster(path, values)
    ds = gdal.Open(path)
    assert ds.GetRasterBand(1).GetHistogram(-0.5, 255.5, 256, False, False)[1] == 3


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    import signal
    import sys

    dst = tmp_path / "out.tif"
    code = ("import sys, time; from sar_change.core.engine import outputs; "
            "p = outputs.temporary_path(sys.argv[1]); open(p, 'w').write('x'); open(p + '.aux.xml', 'w'); "
            "print(p, flush=True); time.sleep(60)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    child = subprocess.Popen([sys.executable, "-c", code, str(dst)], stdout=subprocess.PIPE, text=True,
                             env=env)
    try:
        orphan = child.stdout.readline().strip()
        assert os.path.dirname(orphan) == str(tmp_path) and f"-{child.pid}-" in orphan
        mine = outputs.temporary_path(dst)
        open(mine, "w").close()
        other_host = tmp_path / f".out.tif.otherhost-{child.pid}-0123abcd.partial.tif"
        other_output = tmp_path / f".out2.tif.{outputs._host_tag()}-{child.pid}-0123abcd.partial.tif"
        for path in (other_host, other_output):
            path.write_text("x")
        assert outputs.remove_orphans(dst) == []  # the writer still runs: its file stays
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    rb.write_array(dst, np.zeros((4, 4), np.float32))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["out.tif", os.path.basename(mine), other_host.name, other_output.name])
