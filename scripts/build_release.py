"""Build the plugin zip for the QGIS plugin manager: dist/sar_change-<version>.zip.

The zip holds one folder, ``sar_change/``, with the files git tracks minus tests, benchmarks, CI,
scripts and development files (and the .ts translation sources; the compiled .qm files stay).

    python3 scripts/build_release.py [--out DIR]
"""
import argparse
import configparser
import fnmatch
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "sar_change"
#: Left out of the release (patterns on paths relative to the repository root).
EXCLUDE = ("tests/*", "benchmarks/*", "scripts/*", "demo/*", ".ci/*", ".github/*", ".gitignore",
           ".gitattributes", "pyproject.toml", "requirements*.txt", "constraints.txt", "i18n/*.ts",
           "*.pyc", "*/__pycache__/*", ".plugins/*", ".venv/*", "dist/*", "*.partial.tif")


def version():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, "metadata.txt"), encoding="utf-8")
    return parser["general"]["version"]


def tracked_files():
    """Paths git tracks (relative, '/'-separated), or every file when this is not a git checkout."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        files = [f for f in out.decode("utf-8").split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = [os.path.relpath(os.path.join(d, f), ROOT).replace(os.sep, "/")
                 for d, _, names in os.walk(ROOT) for f in names]
    return sorted(f for f in files if os.path.isfile(os.path.join(ROOT, f)))


def release_files():
    """The files that go into the release."""
    return [f for f in tracked_files() if not any(fnmatch.fnmatch(f, p) for p in EXCLUDE)]


def build(out_dir):
    """Write the zip into ``out_dir``; returns its path."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{PACKAGE}-{version()}.zip")
    files = release_files()
    missing = [f for f in ("metadata.txt", "__init__.py", "LICENSE") if f not in files]
    if missing:
        raise SystemExit(f"not releasable, missing: {missing}")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(os.path.join(ROOT, f), f"{PACKAGE}/{f}")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "dist"), help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    path = build(args.out)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
