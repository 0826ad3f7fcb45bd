"""PCA-KMeans, fuzzy c-means, the self-supervised patch classifier and the unsupervised chains."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sar_change.core.change import evaluation, fcm
from sar_change.core.change import pca_kmeans as pk
from sar_change.core.change import separation as sep
from sar_change.core.change import unsupervised as us
from sar_change.core.change import unsupervised_raster as ur
from sar_change.core.engine.raster_blocks import read_array

from helpers import gamma_speckle, write_raster

GEOTRANSFORM = (500000.0, 10.0, 0.0, 4600000.0, 0.0, -10.0)


def speckled_pair(shape=(96, 112), looks=4, seed=0, gain=8.0):
    """Two L-look power images of one scene; a rectangle brightens, a disc darkens; truth mask."""
    rows, cols = shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    scene = np.where(xx < cols // 2, 1.0, 2.5)
    p1 = (scene * gamma_speckle(shape, looks, seed)).astype(np.float32)
    after = scene.copy()
    up = (yy > 20) & (yy < 44) & (xx > 14) & (xx < 50)
    down = (yy - 70) ** 2 + (xx - 80) ** 2 < 12 ** 2
    after[up] *= gain
    after[down] /= gain
    p2 = (after * gamma_speckle(shape, looks, seed + 1)).astype(np.float32)
    return p1, p2, (up | down).astype(np.uint8)


def kappa(mask, truth):
    return evaluation.confusion((mask == 1).astype(np.uint8), truth).kappa


# --- PCA-KMeans against a direct implementation of Celik (2009) ------------------------------

def reference_pca_kmeans(di, h, s):
    """Loops over blocks and pixels, np.cov eigenvectors, Lloyd's k-means from the DI extremes."""
    rows, cols = di.shape
    blocks = [di[i:i + h, j:j + h].ravel()
              for i in range(0, rows - h + 1, h) for j in range(0, cols - h + 1, h)]
    blocks = np.array(blocks, np.float64)
    psi = blocks.mean(axis=0)
    values, vectors = np.linalg.eig(np.cov(blocks.T, bias=True))
    order = np.argsort(values.real)[::-1][:s]
    es = vectors.real[:, order]
    es *= np.where(es.sum(axis=0) < 0, -1.0, 1.0)
    fill = np.median(di)
    r = h // 2
    padded = np.full((rows + 2 * r, cols + 2 * r), fill)
    padded[r:-r, r:-r] = di
    feats = np.empty((rows, cols, s))
    for i in range(rows):
        for j in range(cols):
            feats[i, j] = (padded[i:i + h, j:j + h].ravel() - psi) @ es
    f = feats.reshape(-1, s)
    centres = np.stack([f[np.argmin(di)], f[np.argmax(di)]])
    for _ in range(100):
        lab = np.argmin(((f[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        centres = np.stack([f[lab == k].mean(axis=0) for k in (0, 1)])
    changed = int(np.argmax([di.ravel()[lab == k].mean() for k in (0, 1)]))
    return (lab == changed).reshape(rows, cols).astype(np.uint8), es.T, feats


def test_pca_kmeans_matches_direct_implementation():
    p1, p2, _ = speckled_pair((40, 50), looks=4)
    di = np.abs(10 * np.log10(p2 / p1))
    model = pk.fit(di, size=5, components=3, seed=0)
    ref_labels, ref_vectors, ref_feats = reference_pca_kmeans(di.astype(np.float64), 5, 3)
    np.testing.assert_allclose(model.components, ref_vectors, atol=1e-8)
    np.testing.assert_allclose(model.features(di), ref_feats, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(model.labels(di), ref_labels)
    assert 0.05 < ref_labels.mean() < 0.5  # a real split, not a degenerate one


def test_pca_kmeans_keeps_no_data_and_finds_the_change():
    p1, p2, truth = speckled_pair()
    di = np.abs(10 * np.log10(p2 / p1))
    di[:3, :4] = np.nan
    model = pk.fit(di, seed=0)
    labels = model.labels(di)
    assert (labels[:3, :4] == 255).all() and set(np.unique(labels[3:])) <= {0, 1}
    assert kappa(labels, truth) > 0.85


# --- Fuzzy c-means --------------------------------------------------------------------------

def test_fcm_memberships_sum_to_one():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 2))
    u = fcm.memberships(x, rng.normal(size=(4, 2)), m=2.0)
    np.testing.assert_allclose(u.sum(axis=1), 1.0, atol=1e-12)
    assert (u >= 0).all()
    centres = np.array([[0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(fcm.memberships(centres, centres), np.eye(2))  # a sample on a centre


def test_fcm_converges_on_a_separable_mixture():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0.0, 1.0, 3000), rng.normal(10.0, 1.0, 1000)])
    result = fcm.fuzzy_cmeans(x, 2)
    assert result.converged and result.iterations < 100
    np.testing.assert_allclose(result.centres[:, 0], [0.0, 10.0], atol=0.1)
    u = result.memberships(x)
    np.testing.assert_allclose(u.sum(axis=1), 1.0, atol=1e-12)
    # fixed point: each centre is the u^m-weighted mean of the samples
    w = u ** 2
    np.testing.assert_allclose(result.centres[:, 0], (w * x[:, None]).sum(0) / w.sum(0), atol=1e-3)
    assert np.mean(np.argmax(u, axis=1) == (x > 5)) > 0.99


def test_hierarchical_fcm_marks_the_top_cluster_changed():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.gamma(2.0, 1.0, 9000), rng.normal(20.0, 2.0, 1000)])
    model = fcm.fit_hierarchical(x)
    labels = model.labels(x)
    assert model.cluster_labels[-1] == fcm.CHANGED and model.cluster_labels[0] == fcm.UNCHANGED
    assert (labels[9000:] == fcm.CHANGED).mean() > 0.95
    assert (labels[:9000] == fcm.CHANGED).mean() < 0.01
    assert 0.08 < model.expected_changed < 0.12


def test_hierarchical_fcm_shares_on_a_bimodal_image():
    """90 % at DI 1, 10 % at DI 3 (sd 0.1): exactly the upper mode is changed, uncertain only below."""
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(1.0, 0.1, 9000), rng.normal(3.0, 0.1, 1000)])
    model = fcm.fit_hierarchical(x)
    labels = model.labels(x)
    assert model.expected_changed == 0.1
    assert np.mean(labels == fcm.CHANGED) == 0.1 and (labels[9000:] == fcm.CHANGED).all()
    uncertain = labels == fcm.UNCERTAIN
    assert uncertain.any() and not uncertain[9000:].any()  # the cluster crossing T lies in the body


# --- Self-supervised classifier -------------------------------------------------------------

def test_self_supervised_classifier_beats_its_pseudo_labels():
    """Single-look pair, 4.8 dB change: the patch network improves on the pre-classification.

    (On easy pairs, e.g. 10 dB changes, the pseudo-labels are already at kappa ~0.95 and the
    network stays within ~0.05 of them; it does not always beat them.)
    """
    p1, p2, truth = speckled_pair((120, 120), looks=1, seed=5, gain=3.0)
    config = us.ChainConfig(us.SELF_SUPERVISED, us.MEAN_RATIO, pseudo_labels=us.LABELS_CONSENSUS)
    fitted = us.fit_chain(p1, p2, config, seed=0)
    assert fitted.config == config  # trained, no fallback
    pseudo = us._pseudo_labels(config, [fitted.difference_image(p1, p2)], seed=0)[0]
    pseudo_mask = (pseudo == fcm.CHANGED).astype(np.uint8)  # uncertain counted as unchanged
    mask = us.in_strips(fitted.labels, [p1, p2], fitted.margin)
    k_pseudo, k_net = kappa(pseudo_mask, truth), kappa(mask, truth)
    assert k_net > k_pseudo + 0.04, (k_net, k_pseudo)  # measured 0.876 vs 0.817
    assert fitted.model.train_counts[0] > 0 and fitted.model.train_counts[1] > 0


def test_pcanet_pipeline_recovers_a_planted_change():
    """Single-look pair, x3 (4.8 dB) brightening and darkening on 8.6 % of the scene.

    The hierarchical FCM pre-classification calls about the planted share changed; the
    classifier labels the uncertain pixels (measured kappa 0.820; the default 0.898).
    """
    p1, p2, truth = speckled_pair((120, 120), looks=1, seed=5, gain=3.0)
    config = us.ChainConfig(us.PCANET, us.LOG_MEAN_RATIO)
    mask, fitted = us.detect(p1, p2, config, seed=0)
    assert fitted.config == config and not fitted.guard.fallback
    pre = fitted.model.preclass.labels(us.local_mean(fitted.difference_image(p1, p2), us.OUTLIER_WINDOW))
    assert abs(np.mean(pre == fcm.CHANGED) - truth.mean()) < 0.01
    uncertain = pre == fcm.UNCERTAIN
    assert 0.05 < uncertain.mean() < 0.4
    np.testing.assert_array_equal(mask[~uncertain], pre[~uncertain])  # confident pixels keep their label
    assert kappa(mask, truth) > 0.78
    assert sum(fitted.model.classifier.train_counts) > 0


# --- Chains, guard, block-wise application ---------------------------------------------------

@pytest.mark.parametrize("config", [us.ChainConfig(us.PCA_KMEANS), us.ChainConfig(us.FCM, us.MEAN_RATIO),
                                    us.ChainConfig(us.SMOOTHED_KI, despeckle="lee_sigma"),
                                    us.ChainConfig(us.SMOOTHED_KI, majority=5),
                                    us.ChainConfig(us.SMOOTHED_KI, us.LOG_MEAN_RATIO, majority=5),
                                    us.ChainConfig(us.PCANET, us.LOG_MEAN_RATIO, majority=5),
                                    us.DEFAULT])
def test_tiled_equals_whole_image(tmp_path, config):
    """Block-wise (64 px blocks, halo = margin) == in memory, bit for bit, with no data kept."""
    p1, p2, _ = speckled_pair((150, 170), looks=2, seed=2)
    p1[:5, :7] = np.nan
    p2[140, 160] = np.nan
    a = write_raster(tmp_path / "a.tif", np.nan_to_num(p1, nan=-1.0), GEOTRANSFORM, nodata=-1.0)
    b = write_raster(tmp_path / "b.tif", np.nan_to_num(p2, nan=-1.0), GEOTRANSFORM, nodata=-1.0)
    whole, fitted = us.detect(p1, p2, config, seed=0)
    out = tmp_path / "mask.tif"
    fitted_file, counts = ur.detect_rasters(a, b, out, config=config, block=64, dst_di=tmp_path / "di.tif")
    tiled = read_array(out)  # no data (255) read back as NaN
    tiled = np.where(np.isnan(tiled), 255, tiled).astype(np.uint8)
    np.testing.assert_array_equal(tiled, whole)
    assert (tiled[:5, :7] == 255).all() and tiled[140, 160] == 255
    assert counts["nodata"] == 36 and counts["changed"] == int(np.count_nonzero(whole == 1))
    di = read_array(tmp_path / "di.tif")
    np.testing.assert_array_equal(np.isnan(di), whole == 255)
    np.testing.assert_allclose(di[~np.isnan(di)], fitted.difference_image(p1, p2)[~np.isnan(di)], rtol=1e-6)


def test_guard_replaces_an_all_change_map():
    """A chain that labels most of the scene changed falls back to the robust outlier rule."""
    p1, p2, _ = speckled_pair((100, 100), looks=4, seed=7)
    p2[:, :62] *= 6.0  # a brightening over 62 % of the scene: k-means calls it changed
    p2[40:50, 80:90] *= 30.0
    # not centred: centring would take the majority (brightened) level as the no-change level
    fitted = us.fit_chain(p1, p2, us.ChainConfig(us.PCA_KMEANS, centre=False), seed=0)
    bare = us.fit_chain(p1, p2, us.ChainConfig(us.PCA_KMEANS, centre=False, guard=False), seed=0)
    assert fitted.guard.changed_fraction > 0.5 and fitted.guard.fallback
    assert any(line.startswith("GUARD") for line in fitted.guard.lines())
    mask = us.in_strips(fitted.labels, [p1, p2], fitted.margin)
    assert np.mean(us.in_strips(bare.labels, [p1, p2], bare.margin) == 1) > 0.5
    assert np.mean(mask == 1) < 0.5
    assert mask[42:48, 82:88].all()  # the strongest change survives the fallback


def test_guard_reports_a_unimodal_di_on_a_pair_without_change():
    """Two independent 4-look gamma images of one flat scene: the log ratio is unimodal (no change).

    PCA-KMeans splits it (~1/3 'changed'); the guard must say that no change class
    is separable (bimodality coefficient below 5/9, Ashman's D of the fitted classes
    below 2) and the fallback (the default's: the adjusted-boxplot fence) must flag only the far tail.
    """
    p1, p2 = gamma_speckle((160, 160), 4, 21), gamma_speckle((160, 160), 4, 22)
    mask, fitted = us.detect(p1, p2, us.DEFAULT, seed=0)
    g = fitted.guard
    assert g.changed_fraction > 0.2  # what the chain alone would map
    assert g.bimodality < sep.BC_BIMODAL and g.mixture_d < sep.D_SEPARATED
    assert g.confidence == "none" and us.UNIMODAL in g.reasons and g.fallback
    assert np.mean(mask == 1) < 0.03
    text = "\n".join(g.lines())
    assert "no separable change class" in text and "adjusted-boxplot outlier fence" in text


def test_adjusted_boxplot_fallback_on_a_pair_without_change():
    """Same unchanged pair: the skew-adjusted fence flags ~0.4 % where the 3-sigma rule flags ~1.4 %."""
    p1, p2 = gamma_speckle((160, 160), 4, 21), gamma_speckle((160, 160), 4, 22)
    masks = {}
    for fallback in (us.FALLBACK_OUTLIER, us.FALLBACK_ADJUSTED_BOXPLOT):
        config = us.ChainConfig(us.PCA_KMEANS, us.LOG_MEAN_RATIO, majority=5, fallback=fallback)
        masks[fallback], fitted = us.detect(p1, p2, config, seed=0)
        assert fitted.guard.fallback and us.UNIMODAL in fitted.guard.reasons
    assert fitted.guard.rule == "adjusted-boxplot rule"
    assert "adjusted-boxplot" in "\n".join(fitted.guard.lines())
    assert np.mean(masks[us.FALLBACK_ADJUSTED_BOXPLOT] == 1) < 0.008
    assert np.mean(masks[us.FALLBACK_OUTLIER] == 1) > 2 * np.mean(masks[us.FALLBACK_ADJUSTED_BOXPLOT] == 1)


def test_guard_keeps_a_clearly_bimodal_change():
    """A x8 brightening and darkening (3 % of the scene): confident separation, the chain's map kept."""
    p1, p2, truth = speckled_pair((160, 160), looks=4, seed=3, gain=8.0)
    mask, fitted = us.detect(p1, p2, us.DEFAULT, seed=0)
    g = fitted.guard
    assert g.bimodality > sep.BC_BIMODAL and g.mixture_d > sep.D_SEPARATED
    assert g.body_share < 0.01 and g.overlap < 0.2
    assert g.confidence == "confident" and g.reasons == () and not g.fallback
    np.testing.assert_array_equal(mask, us.in_strips(fitted.chain_labels, [p1, p2], fitted.margin))
    assert kappa(mask, truth) > 0.9


def test_guard_reasons_of_each_rule():
    """Each rule fires alone on its own numbers (fraction, contrast, BC, fitted D, body share)."""
    keep = dict(fraction=0.05, contrast=10.0, bimodality=0.8, mixture_d=2.5, body_share=0.0)
    assert us.guard_reasons(**keep) == ()
    assert us.guard_reasons(**dict(keep, fraction=0.6)) == (us.TOO_MANY,)
    # a unimodal DI alone keeps the map (a tiny class far out leaves BC below 5/9); with a tail, both listed
    assert us.guard_reasons(**dict(keep, bimodality=0.5, mixture_d=1.5)) == ()
    unimodal_tail = dict(keep, bimodality=0.5, mixture_d=1.5, contrast=2.9)
    assert us.guard_reasons(**unimodal_tail) == (us.UNIMODAL, us.IN_TAIL)
    assert us.guard_reasons(**dict(keep, bimodality=0.5)) == ()  # one criterion left: weak, kept
    assert us.guard_reasons(**dict(keep, contrast=2.9)) == (us.IN_TAIL,)  # below the outlier rule's bar
    assert us.guard_reasons(**dict(keep, body_share=0.6)) == (us.IN_TAIL,)
    assert us.guard_reasons(**dict(keep, contrast=1.5)) == (us.IN_TAIL, us.IN_MODE)


def test_config_names_and_checks():
    assert "PCA-KMeans h=5 S=3" in us.ChainConfig(us.PCA_KMEANS).name()
    with pytest.raises(ValueError, match="odd"):
        us.ChainConfig(size=4).check()
    with pytest.raises(ValueError, match="unknown method"):
        us.ChainConfig(method="nope").check()


# --- Real benchmark -------------------------------------------------------------------------

#: Written by benchmarks/change_detection.py --protocol loo --out benchmarks/results/change_detection_loo.
LOO_RESULT = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "change_detection_loo.json"


def loo_result():
    import json

    return json.loads(LOO_RESULT.read_text(encoding="utf-8"))


def test_default_is_the_protocol_choice():
    """The shipped default is the chain the recorded leave-one-pair-out run chose on all pairs."""
    result = loo_result()
    assert result["default"] == us.DEFAULT.name()


def test_default_reproduces_the_recorded_ottawa_kappa(shared_data):
    """The default gives, on Ottawa, the kappa the recorded run wrote (same code, same data)."""
    import glob
    import os

    result = loo_result()
    folder = shared_data / "cd_benchmarks" / "ottawa"
    if not folder.is_dir():
        pytest.skip("the Ottawa benchmark is not in ../shared/data/cd_benchmarks")
    files = {}
    for path in sorted(glob.glob(str(folder / "*"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        for suffix in ("_1", "_2", "_gt"):
            if stem.endswith(suffix) and not path.endswith(".aux.xml"):
                files.setdefault(suffix, path)
    a1, a2, gt = (read_array(files[s]) for s in ("_1", "_2", "_gt"))
    p1, p2 = np.square(np.maximum(a1, 1.0)), np.square(np.maximum(a2, 1.0))
    mask, _ = us.detect(p1, p2, us.DEFAULT, seed=0)
    ref = np.where(gt == 255, 1, 0).astype(np.uint8)
    k = evaluation.confusion((mask == 1).astype(np.uint8), ref, ignore=(gt != 255) & (gt != 0)).kappa
    recorded = next(p["default_kappa"] for p in result["pairs"] if p["name"] == "ottawa")
    assert k == pytest.approx(recorded, abs=1e-6)


def test_neighbourhoods_at_equals_the_full_array():
    from sar_change.core.change import neighbourhoods as nb

    rng = np.random.default_rng(0)
    image = rng.normal(size=(3, 17, 23)).astype(np.float32)
    image[1, 4, 5] = np.nan
    idx = rng.choice(17 * 23, 60, replace=False)
    full = nb.stacked_neighbourhoods(image, 5, (0.5, -1.0, 2.0)).reshape(17 * 23, -1)[idx]
    np.testing.assert_array_equal(nb.stacked_neighbourhoods_at(image, 5, (0.5, -1.0, 2.0), idx), full)
    assert full[:, 12].tolist() == image[0].ravel()[idx].tolist()  # the centre is the pixel itself


def test_fit_windows_are_equal_tiles_on_a_scene_no_multiple_of_the_tile():
    windows = ur.fit_windows(1100, 700, max_pixels=3 * 256 * 256, tile=256)  # edges 76 and 188 px wide
    assert len(windows) == 3
    assert {tuple(w.core[2:]) for w in windows} == {(256, 256)}
    strips = ur.fit_windows(100, 2000, max_pixels=10_000, tile=256)  # narrower than a tile
    assert {tuple(w.core[2:]) for w in strips} == {(100, 256)}


# --- Centring limits: a majority change, identical dates ------------------------------------------

def majority_change_pair(share, shape=(120, 120), looks=4, seed=7):
    """A flat 4-look pair whose first ``share`` of the rows darkens by 14 dB (truth mask)."""
    rows = int(round(share * shape[0]))
    p1 = gamma_speckle(shape, looks, seed).astype(np.float32)
    after = np.ones(shape)
    after[:rows] = 10.0 ** -1.4
    p2 = (after * gamma_speckle(shape, looks, seed + 1)).astype(np.float32)
    truth = np.zeros(shape, np.uint8)
    truth[:rows] = 1
    return p1, p2, truth


def test_looks_offset_bound_is_the_one_look_limit():
    from sar_change.core.change import centring

    # median of F(2 L2, 2 L1) with L1 = 1, L2 -> inf: 1 / ln 2, i.e. 1.59 dB
    assert centring.LOOKS_OFFSET_BOUND_DB == pytest.approx(1.5917, abs=1e-4)
    limit = centring.gamma_log_ratio_median_db(1, 1e7)
    assert limit == pytest.approx(centring.LOOKS_OFFSET_BOUND_DB, abs=1e-3)
    assert abs(centring.gamma_log_ratio_median_db(1, 4)) < centring.LOOKS_OFFSET_BOUND_DB


def test_majority_change_inverts_the_map_and_is_warned():
    p1, p2, truth = majority_change_pair(0.6)
    mask, fitted = us.detect(p1, p2, us.DEFAULT)
    # The median pixel is a changed one: centring moves image 1 by about -14 dB and the unchanged rows
    # become the change (documented in the Processing help), and the log says so and what to do.
    assert fitted.offset_db < -10.0
    assert kappa(mask, truth) < -0.5
    assert fitted.guard.centring_suspect
    [warning] = [line for line in fitted.guard.lines() if line.startswith("WARNING: the centring offset")]
    assert "inverted" in warning and "more unchanged ground" in warning
    # Without centring the guard still refuses a majority (more than half changed is implausible to it).
    mask, fitted = us.detect(p1, p2, replace(us.DEFAULT, centre=False))
    assert us.TOO_MANY in fitted.guard.reasons and kappa(mask, truth) < 0.2
    assert not fitted.guard.centring_suspect


def test_minority_change_is_not_warned():
    p1, p2, truth = majority_change_pair(0.2)
    mask, fitted = us.detect(p1, p2, us.DEFAULT)
    assert abs(fitted.offset_db) < 1.0 and not fitted.guard.centring_suspect
    assert kappa(mask, truth) > 0.95


def test_identical_dates_are_refused_with_the_fix():
    p1, _, _ = speckled_pair((60, 70), looks=4, seed=2)
    with pytest.raises(ValueError, match="identical.*choose two different dates"):
        us.detect(p1, p1.copy(), us.DEFAULT)
    with pytest.raises(ValueError, match="identical"):
        us.detect(p1, 3.0 * p1, us.DEFAULT)  # a constant gain is removed by the centring
