"""PCA and t-SNE of windows (rgan.metrics.embedding): shapes, determinism under a seed, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from rgan import metrics


@pytest.fixture
def real() -> np.ndarray:
    return np.random.default_rng(0).random((12, 10, 3))  # (N, T, F)


@pytest.fixture
def fake() -> np.ndarray:
    return np.random.default_rng(1).random((9, 10, 3))


def test_pca_embedding_shapes_and_determinism(real, fake):
    r, g = metrics.pca_embedding(real, fake, seed=0)
    assert r.shape == (12, 2) and g.shape == (9, 2)
    r2, g2 = metrics.pca_embedding(real, fake, seed=0)
    np.testing.assert_array_equal(r, r2)
    np.testing.assert_array_equal(g, g2)
    # Fitted on the feature-averaged real windows: the real projection is centred.
    np.testing.assert_allclose(r.mean(axis=0), 0, atol=1e-12)
    small_r, small_g = metrics.pca_embedding(real, fake, seed=1, max_samples=5)
    assert small_r.shape == (5, 2) and small_g.shape == (5, 2)


def test_tsne_embedding_shapes_and_determinism(real, fake):
    r, g = metrics.tsne_embedding(real, fake, max_samples=10, seed=3)
    assert r.shape == (10, 2) and g.shape == (9, 2)
    r2, g2 = metrics.tsne_embedding(real, fake, max_samples=10, seed=3)
    np.testing.assert_array_equal(r, r2)
    np.testing.assert_array_equal(g, g2)


def test_embedding_errors(real, fake):
    with pytest.raises(ValueError, match=r"real must have at least 2 windows of at least 2 steps; found \(1, 10, 3\)"):
        metrics.pca_embedding(real[:1], fake)
    with pytest.raises(ValueError, match="fake must have 10 time steps like real; found 5"):
        metrics.tsne_embedding(real, fake[:, :5])
