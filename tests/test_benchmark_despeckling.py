"""benchmarks/despeckling.py: its measures on known inputs and the report that --out writes."""
import datetime
from pathlib import Path

import numpy as np
import pytest

from helpers import load_benchmark

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module."""
    return load_benchmark("despeckling")


def test_ssim_and_psnr_on_known_images(bench):
    rng = np.random.default_rng(3)
    clean = rng.uniform(-20.0, 0.0, (40, 40))
    assert bench.ssim(clean, clean, 20.0) == pytest.approx(1.0, abs=1e-12)
    # A constant 2 dB error over a 20 dB range: PSNR = 10 log10(20^2 / 2^2) = 20 dB.
    assert bench.psnr_db(clean + 2.0, clean, 20.0) == pytest.approx(20.0, abs=1e-9)
    assert bench.ssim(clean + rng.normal(0.0, 3.0, clean.shape), clean, 20.0) < 0.9


def test_enl_of_gamma_speckle_on_flat_areas(bench):
    # L-look gamma speckle on a flat scene: ENL = mean^2 / variance ~ L on the chosen areas
    # (the lowest-CV blocks are picked, so the estimate leans high but stays near L).
    rng = np.random.default_rng(8)
    looks = 4.0
    power = 0.1 * rng.gamma(looks, 1.0 / looks, (256, 256))
    blocks = bench.homogeneous_blocks(power)
    assert len(blocks) == 26  # 10 % of the 256 blocks of 16 x 16
    assert looks < bench.enl_on(power, blocks) < 2.0 * looks


def test_report_keeps_the_printed_lines_under_command_date_and_machine(bench, capsys):
    log = bench.Log()
    log("first line")
    log("| a | b |\n|---|---|")
    assert capsys.readouterr().out == "first line\n| a | b |\n|---|---|\n"
    started = datetime.datetime(2026, 12, 3, 4, 30, tzinfo=datetime.timezone.utc)
    text = bench.report_text(log.lines, ["--size", "256", "--out", "x.md"], started, 12.4)
    assert "- command: `.venv/bin/python benchmarks/despeckling.py --size 256 --out x.md`" in text
    assert "- date: 2026-12-03 04:30 UTC" in text
    assert "- total wall time: 12 s" in text
    assert "- machine: " in text
    assert text.endswith("first line\n| a | b |\n|---|---|\n")
    assert bench.shown_path(ROOT / "models" / "x.onnx") == str(Path("models") / "x.onnx")
