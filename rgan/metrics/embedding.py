"""2-D pictures of windows: PCA and t-SNE of real and generated windows, as the TimeGAN paper draws them.

These are computations (numpy and scikit-learn); ``rgan.plots.embedding_figure`` draws their result.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pca_embedding", "tsne_embedding"]


def _window_means(x: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 3:
        raise ValueError(f"{name} must have shape (N, T, F); found {a.shape}.")
    if a.shape[0] < 2 or a.shape[1] < 2:
        raise ValueError(f"{name} must have at least 2 windows of at least 2 steps; found {a.shape}.")
    return a.mean(axis=2)  # (N, T)


def _subsample(x: np.ndarray, max_samples: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_samples is None or x.shape[0] <= max_samples:
        return x
    return x[np.sort(rng.choice(x.shape[0], size=max_samples, replace=False))]


def _embedding_inputs(real, fake, max_samples, seed) -> tuple[np.ndarray, np.ndarray]:
    r, g = _window_means(real, "real"), _window_means(fake, "fake")
    if r.shape[1] != g.shape[1]:
        raise ValueError(f"fake must have {r.shape[1]} time steps like real; found {g.shape[1]}.")
    rng = np.random.default_rng(seed)
    return _subsample(r, max_samples, rng), _subsample(g, max_samples, rng)


def pca_embedding(
    real: np.ndarray, fake: np.ndarray, seed: int = 0, *, max_samples: int | None = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """2-D PCA of windows averaged over features, fitted on real and applied to both (TimeGAN's way).

    Each window ``(T, F)`` is first reduced to its per-step mean over features, ``x.mean(axis=2)``
    -> ``(N, T)``, exactly as the TimeGAN paper's visualisation does. That is honest about levels and
    shapes of the average but blind to how features differ from each other: two data sets with the
    same feature-averaged windows look identical here.

    Args:
        real, fake: ``(N, T, F)`` and ``(M, T, F)``, at least 2 windows each.
        seed: picks the random subsample when there are more than ``max_samples`` windows.
        max_samples: per side, as TimeGAN (1000); None keeps all.

    Returns:
        ``(real_xy (n, 2), fake_xy (m, 2))``.
    """
    from sklearn.decomposition import PCA

    r, g = _embedding_inputs(real, fake, max_samples, seed)
    pca = PCA(n_components=2, svd_solver="full").fit(r)
    return pca.transform(r), pca.transform(g)


def tsne_embedding(
    real: np.ndarray, fake: np.ndarray, max_samples: int = 1000, seed: int = 0, *, max_iter: int = 300
) -> tuple[np.ndarray, np.ndarray]:
    """2-D t-SNE of real and generated windows averaged over features, fitted jointly (TimeGAN's way).

    Windows are reduced to ``x.mean(axis=2)`` -> ``(N, T)`` first (see ``pca_embedding`` for what this
    hides). Perplexity 40 and 300 iterations as TimeGAN (perplexity lowered for tiny inputs: it must stay
    below the sample count; scikit-learn needs ``max_iter >= 250``).
    Distances between clusters in t-SNE mean little; overlap vs separation is what to read.

    Returns:
        ``(real_xy (n, 2), fake_xy (m, 2))`` with at most ``max_samples`` rows each.
    """
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    r, g = _embedding_inputs(real, fake, max_samples, seed)
    both = np.concatenate([r, g])
    perplexity = min(40.0, max(1.0, (len(both) - 1) / 3))
    # One OpenMP thread: in the dashboard, training threads hold the cores, and t-SNE's busy-waiting
    # OpenMP team then runs several times slower than a single thread (measured 11 s vs 3.4 s, 2,000 points).
    with threadpool_limits(limits=1, user_api="openmp"):
        xy = TSNE(n_components=2, perplexity=perplexity, init="pca", max_iter=max_iter,
                  random_state=seed).fit_transform(both)
    return xy[: len(r)], xy[len(r):]
