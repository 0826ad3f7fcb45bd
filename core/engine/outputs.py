"""One output policy for every writer (rasters, CSV, JSON, HTML, ONNX): QGIS-free.

Rules (checked in this order):

1. Before any work, ``check_targets`` refuses an output that resolves to an
   input or to another output (same path after ``realpath``, or the same
   inode and device when both files exist: symlinks and hard links
   included), an output that is a folder, a folder that does not exist or is
   not writable (a probe file is created and removed) and a disk with less
   free space than the estimated size (bytes).
2. Every output is written under a hidden temporary name in its own folder
   (``temporary_path``), inside ``raster_output`` / ``file_output`` /
   ``text_output``. GDAL errors raised while the block runs (CE_Failure or
   worse, or RuntimeError when GDAL exceptions are on) are collected and
   fail the write; a raster must reopen and read back (first and last
   rows, or its checksum when small) before it is renamed onto the output
   path with ``os.replace`` (atomic on one file system). A process killed
   by a signal cannot clean up: its temporary file names this machine and
   its process id, and the next write to that output removes it.
3. On any failure the temporary file is removed, nothing is left at the
   output path (a file already there is left as it was) and an OutputError
   names the output path (never the temporary file) and why: disk full,
   read-only folder, missing folder, no permission.
"""
import errno
import os
import re
import shutil
import socket
import uuid
from contextlib import contextmanager

from osgeo import gdal

#: Free bytes a folder must keep beyond the estimate (GeoTIFF headers, overviews of the OS).
ROOM_MARGIN = 1 << 20
#: Rasters up to this many pixels (all bands) are read back whole when verified.
VERIFY_FULL_PIXELS = 4_000_000


class OutputError(RuntimeError):
    """An output cannot be written. ``path`` is the output (never the temporary file)."""

    def __init__(self, path, reason, fix=""):
        self.path = str(path)
        self.reason = reason
        self.fix = fix
        text = f"cannot write {self.path}: {reason}"
        super().__init__(f"{text}; {fix}" if fix else text)


def _host_tag():
    """This machine's name reduced to letters and digits (part of every temporary name)."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:24] or "host"


def _process_gone(pid):
    """True when no process ``pid`` runs on this machine (POSIX signal-0 probe; never True elsewhere:
    on Windows ``os.kill(pid, 0)`` would send CTRL_C_EVENT)."""
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it runs under another user
        return False
    return False


def remove_orphans(dst_path):
    """Remove the temporary files of ``dst_path`` left by a process of this machine that no longer runs.

    A run killed by a signal or a crash cannot clean up after itself (a
    cancel or a failure does); its hidden file carries this machine's name
    and its process id (``temporary_path``), so the next write to the same
    output removes it. Files of running processes, of other machines and of
    unknown form are left alone. Returns the removed paths.
    """
    folder, name = os.path.split(os.path.abspath(str(dst_path)))
    pattern = re.compile(rf"\.{re.escape(name)}\.{_host_tag()}-(\d+)-[0-9a-f]{{8}}(\..*)?$")
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for entry in entries:
        match = pattern.match(entry)
        if match and int(match.group(1)) != os.getpid() and _process_gone(int(match.group(1))):
            path = os.path.join(folder, entry)
            _remove(path)
            removed.append(path)
    return removed


def temporary_path(dst_path, suffix=".partial.tif"):
    """A unique hidden file name beside ``dst_path`` (same folder, same disk).

    The name holds this machine's name and process id; temporary files of
    ``dst_path`` left by killed processes are removed first (``remove_orphans``).
    Raises OutputError, before any file exists, when ``dst_path`` is not a
    file name (see ``folder_as_output``): the temporary file would otherwise
    land beside the folder, in its parent.
    """
    refuse_folder(dst_path)
    remove_orphans(dst_path)
    folder, name = os.path.split(os.path.abspath(str(dst_path)))
    return os.path.join(folder, f".{name}.{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


def folder_as_output(path):
    """Why ``path`` cannot name an output file (empty, an existing folder, ends with a separator), or None."""
    path = str(path or "")
    if not path.strip():
        return "has no file name (an empty path names the current folder)"
    if os.path.isdir(path):
        return "is an existing folder"
    if path.endswith(("/", os.sep)):
        return "names a folder (it ends with a separator), not a file"
    return None


def refuse_folder(path, label=""):
    """Raise OutputError when ``path`` names a folder rather than an output file (``folder_as_output``)."""
    why = folder_as_output(path)
    if why:
        raise OutputError(path, f"{_named('output', label)} {why}", "give a file name")


def same_file(a, b):
    """True when paths ``a`` and ``b`` name one file: same realpath, or same inode and device."""
    if not a or not b:
        return False
    a, b = str(a), str(b)
    if os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b)):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_ino, sa.st_dev) == (sb.st_ino, sb.st_dev)


def file_path(source):
    """The file part of a GDAL/OGR data source string ('a.gpkg|layername=x' -> 'a.gpkg')."""
    return str(source).split("|", 1)[0] if source else ""


def free_bytes(folder):
    """Free bytes on the file system holding ``folder``."""
    return shutil.disk_usage(folder).free


def _size_text(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} GiB"


def folder_problem(folder):
    """None when files can be created in ``folder``; else (reason, fix)."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        return (f"{folder} is a file, not a folder", "choose an output path in a folder")
    if not os.path.isdir(folder):
        return (f"the folder {folder} does not exist", "create it or choose another folder")
    probe = os.path.join(folder, f".sar_change_probe_{uuid.uuid4().hex[:8]}")
    try:
        with open(probe, "wb"):
            pass
    except OSError as exc:
        return os_reason(exc, folder)
    finally:
        try:
            os.remove(probe)
        except OSError:
            pass
    return None


def os_reason(exc, folder):
    """(reason, fix) in words for an OSError raised while writing into ``folder``."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (f"the disk holding {folder} is full", "free some space or choose another folder")
    if code == errno.EROFS:
        return (f"the folder {folder} is on a read-only file system", "choose a writable folder")
    if code in (errno.EACCES, errno.EPERM):
        return (f"no permission to write in {folder}", "choose a folder you can write to")
    if code == errno.ENOENT:
        return (f"the folder {folder} does not exist", "create it or choose another folder")
    return (exc.strerror or str(exc), "check the output folder")


def existing_ancestor(folder):
    """``folder`` or its nearest existing parent (a file there is returned as is: not a folder)."""
    folder = os.path.abspath(folder)
    while not os.path.exists(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


def _named(what, label):
    """"output 'Filtered raster'" from a label; "the output" when the label is empty (core callers)."""
    if not what:
        return f"'{label}' " if label else ""
    return f"{what} '{label}'" if label else f"the {what}"


def check_targets(outputs, inputs=(), estimated_bytes=None, create_folders=False):
    """Refuse unusable outputs before any work starts.

    ``outputs``: {label: path} (empty paths are skipped); ``inputs``:
    {label: path or list of paths} (an empty label: messages give the path only);
    ``estimated_bytes``: {label: bytes} or
    one number for every output; ``create_folders``: a missing folder is
    accepted when its nearest existing parent is writable (the caller creates
    it). Raises OutputError naming the output label and path, with the fix.
    """
    inputs = dict(inputs or {})
    flat_inputs = []
    for label, value in inputs.items():
        for path in (value if isinstance(value, (list, tuple)) else [value]):
            if path:
                flat_inputs.append((label, file_path(path)))
    seen = []
    needed = {}
    for label, path in outputs.items():
        if not path:
            continue
        path = str(path)
        for in_label, in_path in flat_inputs:
            if same_file(path, in_path):
                raise OutputError(path, f"{_named('output', label)} must not overwrite the input "
                                        f"{_named('', in_label)}({in_path})",
                                  "choose another output file")
        for out_label, out_path in seen:
            if same_file(path, out_path):
                raise OutputError(path, f"outputs '{out_label}' and '{label}' are the same file "
                                        "(one would overwrite the other)",
                                  "give each output its own file")
        seen.append((label, path))
        refuse_folder(path, label)
        folder = os.path.dirname(os.path.abspath(path))
        if create_folders:
            folder = existing_ancestor(folder)
        problem = folder_problem(folder)
        if problem:
            raise OutputError(path, f"{_named('output', label)}: {problem[0]}", problem[1])
        size = estimated_bytes.get(label, 0) if isinstance(estimated_bytes, dict) else (estimated_bytes or 0)
        key = os.stat(folder).st_dev
        needed.setdefault(key, [folder, 0, []])
        needed[key][1] += int(size)
        needed[key][2].append((label, path))
    for folder, size, targets in needed.values():
        free = free_bytes(folder)
        if size and free < size + ROOM_MARGIN:
            label, path = targets[0]
            raise OutputError(path, f"{_named('output', label)} needs about {_size_text(size)} but the disk "
                                    f"holding {folder} has {_size_text(free)} free",
                              "free some space or choose another folder")


def _remove(path):
    try:
        if path and os.path.lexists(path):
            os.remove(path)
    except OSError:
        pass


def _failure(path, tmp, error):
    """An OutputError for ``path`` from any write failure, without the temporary name."""
    folder = os.path.dirname(os.path.abspath(path))
    if isinstance(error, OutputError):
        return error
    if isinstance(error, OSError) and error.errno is not None:
        reason, fix = os_reason(error, folder)
        return OutputError(path, reason, fix)
    text = str(error).replace(tmp, path) if tmp else str(error)
    text = text.split("; ")[0]  # GDAL repeats the first failure in follow-up messages
    problem = folder_problem(folder)
    if problem is None and "no space left" in text.lower():
        problem = (f"the disk holding {folder} is full", "free some space or choose another folder")
    if problem is None:
        try:
            if free_bytes(folder) < ROOM_MARGIN:
                problem = (f"the disk holding {folder} is full", "free some space or choose another folder")
        except OSError:
            pass
    if problem is not None:
        return OutputError(path, problem[0], problem[1])
    return OutputError(path, f"the write failed ({text})", "check the disk and the output folder")


class GdalErrorLog:
    """Collects GDAL errors (CE_Failure and worse) raised on this thread while installed."""

    def __init__(self):
        self.messages = []

    def __call__(self, err_class, err_no, message):
        if err_class >= gdal.CE_Failure:
            self.messages.append(str(message))

    def raise_if_any(self):
        if self.messages:
            raise RuntimeError("; ".join(dict.fromkeys(self.messages)))


@contextmanager
def gdal_error_log():
    """Install a GdalErrorLog for the block; yields it (call ``raise_if_any``)."""
    log = GdalErrorLog()
    gdal.PushErrorHandler(log)
    try:
        yield log
    finally:
        gdal.PopErrorHandler()


def verify_raster(path, bands=None):
    """Reopen the raster at ``path`` and read it back (whole when small, else first and last rows).

    Raises RuntimeError when it cannot be opened or read.
    """
    with gdal_error_log() as log:
        ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY)
        if ds is None:
            raise RuntimeError("the written file does not reopen as a raster")
        if bands is not None and ds.RasterCount != bands:
            raise RuntimeError(f"the written file has {ds.RasterCount} band(s), expected {bands}")
        xs, ys = ds.RasterXSize, ds.RasterYSize
        for i in range(1, ds.RasterCount + 1):
            band = ds.GetRasterBand(i)
            rows = [(0, ys)] if xs * ys * ds.RasterCount <= VERIFY_FULL_PIXELS else [(0, 1), (ys - 1, 1)]
            for y, h in rows:
                if band.ReadRaster(0, y, xs, h) is None:
                    raise RuntimeError(f"band {i} of the written file cannot be read back")
        ds = None
        log.raise_if_any()


def replace_file(tmp, path):
    """Rename ``tmp`` onto ``path`` (atomic on one file system) with its GDAL sidecar.

    GDAL keeps statistics, histograms and band descriptions in ``<file>.aux.xml``:
    the temporary file's sidecar moves with it, and a sidecar left by an earlier
    file at ``path`` is removed, or GDAL and QGIS would report that file's
    statistics for the new one.
    """
    path = str(path)
    os.replace(tmp, path)
    sidecar = path + ".aux.xml"
    if os.path.exists(str(tmp) + ".aux.xml"):
        os.replace(str(tmp) + ".aux.xml", sidecar)
    elif os.path.exists(sidecar):
        os.remove(sidecar)


@contextmanager
def file_output(path, suffix=".partial"):
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    The block writes the temporary file completely (and closes it). Any
    exception removes it and becomes an OutputError naming ``path``.
    """
    path = str(path)
    tmp = temporary_path(path, suffix)
    try:
        yield tmp
        if not os.path.exists(tmp):
            raise RuntimeError("nothing was written")
        replace_file(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)) or not _is_write_error(exc):
            raise
        raise _failure(path, tmp, exc) from exc


def _is_write_error(exc):
    """Errors that mean the write failed (others, e.g. Cancelled or ValueError, pass through)."""
    return isinstance(exc, (OSError, OutputError)) or type(exc) is RuntimeError


@contextmanager
def text_output(path, newline=None):
    """Yield a UTF-8 text handle on a temporary file; flushed, fsynced and renamed onto ``path``."""
    with file_output(path, ".partial.txt") as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def write_bytes(path, data):
    """Write ``data`` (bytes) to ``path`` through the output policy. Returns ``path``."""
    with file_output(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return str(path)


@contextmanager
def raster_output(path, bands=None, suffix=".partial.tif"):
    """Yield a temporary raster path for ``path``; checked, verified and renamed on success.

    Create, write and close (``ds = None``) the dataset inside the block. GDAL
    errors of CE_Failure or worse during the block fail the write, the file
    must reopen with ``bands`` bands and read back, and only then is it
    renamed onto ``path``. Failures remove the temporary file and raise
    OutputError naming ``path``; Cancelled and other errors pass through
    (after the cleanup).
    """
    path = str(path)
    with file_output(path, suffix) as tmp:
        with gdal_error_log() as log:
            yield tmp
            log.raise_if_any()
        verify_raster(tmp, bands)


def check_created(ds, path):
    """Raise OutputError for ``path`` when GDAL could not create the dataset ``ds``."""
    if ds is None:
        folder = os.path.dirname(os.path.abspath(str(path)))
        problem = folder_problem(folder) or ("GDAL could not create the file", "check the output folder")
        raise OutputError(path, problem[0], problem[1])
    return ds


def check_write(result, path):
    """Raise OutputError for ``path`` when a GDAL write returned an error code."""
    if result not in (None, 0, gdal.CE_None):
        raise OutputError(path, "a block could not be written", "check free space in the output folder")
