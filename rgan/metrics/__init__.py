"""How real do generated sequences look? Scores that compare real and generated windows.

Every metric takes arrays of shape (N, T, F) already min-max scaled to [0, 1] (the scale the generator
works in) and returns plain Python floats or small numpy arrays. Functions are pure: randomness comes
only from the ``seed`` argument and global RNG states (numpy's and torch's) are left untouched; the
learned scores set the calling thread's torch thread count for their duration (``num_threads``).

The two learned scores follow the TimeGAN paper (Yoon et al., NeurIPS 2019):

- ``discriminative_score``: a small post-hoc GRU classifier tells real from generated windows;
  score = |held-out accuracy - 0.5| (0 is best).
- ``predictive_score``: train-on-synthetic, test-on-real; a GRU trained on generated windows predicts
  the last feature one step ahead, mean absolute error measured on real windows (lower is better).

The rest are cheap, closed-form checks: MMD, autocorrelation, marginal distributions, cross-feature
correlation, nearest-neighbour memorisation and diversity (mode collapse). Scores mean little on their
own; compare them against ``baseline_independent_steps`` and ``baseline_shuffled_time`` (see DESIGN.md,
Evaluation) and against the same score on differences (``differenced_pair``).

Layout: ``learned`` (the two GRU scores), ``distances`` (MMD), ``descriptive`` (autocorrelation,
marginals, cross-correlation, first differences), ``neighbours`` (memorisation, diversity),
``baselines``, ``classify`` (``tstr_accuracy``: train on labelled synthetic, test on real), ``suite`` (``evaluate`` and ``METRIC_INFO``), ``embedding`` (PCA, t-SNE) and ``jobs``
(background evaluation jobs and their store); ``_common`` holds the shared input checks. Import names
from ``rgan.metrics`` itself.
"""

from __future__ import annotations

from rgan.metrics.classify import tstr_accuracy, tstr_split
from rgan.metrics.baselines import baseline_independent_steps, baseline_shuffled_time
from rgan.metrics.descriptive import (
    acf_distance,
    autocorrelation,
    cross_correlation_distance,
    differenced_pair,
    first_differences,
    joint_minmax,
    marginal_distance,
    marginal_distances,
)
from rgan.metrics.distances import mmd_rbf
from rgan.metrics.embedding import pca_embedding, tsne_embedding
from rgan.metrics.jobs import BaselineCache, EvalKey, EvaluationJob, EvaluationStore, JobStatus
from rgan.metrics.learned import discriminative_score, predictive_score, start_end_scores
from rgan.metrics.neighbours import Memorisation, diversity, memorisation, nearest_neighbour_ratio, nearest_windows
from rgan.metrics.suite import METRIC_INFO, MIN_REAL_WINDOWS, evaluate

__all__ = [
    "METRIC_INFO",
    "MIN_REAL_WINDOWS",
    "BaselineCache",
    "EvalKey",
    "EvaluationJob",
    "EvaluationStore",
    "JobStatus",
    "Memorisation",
    "acf_distance",
    "autocorrelation",
    "baseline_independent_steps",
    "baseline_shuffled_time",
    "cross_correlation_distance",
    "differenced_pair",
    "discriminative_score",
    "diversity",
    "evaluate",
    "first_differences",
    "joint_minmax",
    "marginal_distance",
    "marginal_distances",
    "memorisation",
    "mmd_rbf",
    "nearest_neighbour_ratio",
    "nearest_windows",
    "pca_embedding",
    "predictive_score",
    "start_end_scores",
    "tsne_embedding",
    "tstr_accuracy",
    "tstr_split",
]
