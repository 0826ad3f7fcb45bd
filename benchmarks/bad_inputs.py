"""Bad-input catalogue of issue 16, counted: every algorithm x every bad input or unusable output.

Runs the cases of ``tests/bad_inputs.py`` through ``processing.run`` (QGIS
headless, the SAR Change provider) and prints the totals in the issue's form:
cases tried, clear, unclear, crashes, silent wrong outputs, partial files,
inputs modified; then one line per case that is not clear (or every case with
``--all``). Full-disk and read-only cases mount a tmpfs (root only); where
that is not allowed they are counted as skipped. The newer algorithms (coherence,
unsupervised change, segmentation, SAR to optical, fine-tuning) and the trainers
are included; a trainer's cases are all refused before training starts.

    .venv/bin/python benchmarks/bad_inputs.py [--all] [--json out.json]
"""
import argparse
import collections
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_qgis(profile):
    """A headless QGIS with Processing and the SAR Change provider; returns processing.run."""
    plugins = os.path.join(ROOT, ".plugins")
    os.makedirs(plugins, exist_ok=True)
    link = os.path.join(plugins, "sar_change")
    if not os.path.exists(link):
        os.symlink(ROOT, link, target_is_directory=True)
    sys.path[:0] = [plugins, os.path.join(ROOT, "tests"), "/usr/share/qgis/python/plugins"]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = profile
    from qgis.core import QgsApplication
    from qgis.testing import start_app

    app = start_app(cleanup=False)
    from processing.core.Processing import Processing

    Processing.initialize()
    from sar_change.processing.provider import SarChangeProvider

    if QgsApplication.processingRegistry().providerById("sarchange") is None:
        provider = SarChangeProvider()
        QgsApplication.processingRegistry().addProvider(provider)
        app._sar_change_provider = provider
    import processing

    return processing.run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="list every case, not only the failures")
    parser.add_argument("--json", help="write the totals and every case's outcome to this file")
    args = parser.parse_args(argv)

    work = tempfile.mkdtemp(prefix="sar_change_bad_inputs_")
    run = start_qgis(os.path.join(work, "profile"))
    import bad_inputs

    t0 = time.perf_counter()
    scene = bad_inputs.Scene(os.path.join(work, "scene"))
    totals = collections.Counter()
    per_alg = collections.defaultdict(collections.Counter)
    rows = []
    for i, case in enumerate(bad_inputs.all_cases()):
        out = os.path.join(work, "out", f"{i:03d}")
        os.makedirs(out, exist_ok=True)
        if case.mount:
            why = bad_inputs.mount_tmpfs(out, case.mount)
            if why:
                totals["skipped"] += 1
                rows.append(dict(case=case.id, kind="skipped", message=why, left=[], modified=[]))
                continue
        try:
            outcome = bad_inputs.run_case(case, scene, out, run)
        finally:
            if case.mount:
                bad_inputs.unmount(out)
        totals["tried"] += 1
        totals[outcome.kind] += 1
        totals["partial files"] += bool(outcome.left)
        totals["inputs modified"] += bool(outcome.modified)
        per_alg[case.alg][outcome.kind] += 1
        rows.append(dict(case=case.id, kind=outcome.kind, message=outcome.message, left=outcome.left,
                         modified=outcome.modified))
    seconds = time.perf_counter() - t0

    print(f"{totals['tried']} cases tried across {len(per_alg)} algorithms ({seconds:.1f} s): "
          f"{totals['clear']} clear, {totals['unclear']} unclear, {totals['crash']} crashes, "
          f"{totals['silent']} silent wrong outputs, {totals['partial files']} partial files, "
          f"{totals['inputs modified']} inputs modified; {totals['skipped']} skipped (no tmpfs mount)")
    print()
    print(f"{'algorithm':22s} {'cases':>5s} {'clear':>5s} {'unclear':>7s} {'crash':>5s} {'silent':>6s}")
    for alg in sorted(per_alg):
        c = per_alg[alg]
        print(f"{alg:22s} {sum(c.values()):5d} {c['clear']:5d} {c['unclear']:7d} {c['crash']:5d} "
              f"{c['silent']:6d}")
    print()
    for row in rows:
        if args.all or row["kind"] not in ("clear", "skipped") or row["left"] or row["modified"]:
            first = row["message"].replace("Unable to execute algorithm\n", "").splitlines()[0][:160]
            print(f"[{row['kind']}] {row['case']}: {first}"
                  + (f"  LEFT {row['left']}" if row["left"] else "")
                  + (f"  MODIFIED {row['modified']}" if row["modified"] else ""))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(dict(totals=dict(totals), seconds=seconds, cases=rows), handle, indent=1)
    bad = totals["crash"] + totals["silent"] + totals["partial files"] + totals["inputs modified"]
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
