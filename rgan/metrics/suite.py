"""The whole metric suite at once: ``evaluate`` runs every score on one pair of real and generated
window sets, with stage-weighted progress reports, and ``METRIC_INFO`` names and describes each score
(range, which direction is better) for tables and explanations. ``MIN_REAL_WINDOWS`` is the fewest real
windows it accepts. (Named ``suite`` so that the module does not shadow the ``evaluate`` function.)
"""

from __future__ import annotations

import numpy as np

from rgan.metrics._common import IterationCallback, StageCallback, _check_pair
from rgan.metrics.descriptive import acf_distance, cross_correlation_distance, differenced_pair, marginal_distance
from rgan.metrics.distances import mmd_rbf
from rgan.metrics.learned import discriminative_score, predictive_score
from rgan.metrics.neighbours import diversity, nearest_neighbour_ratio

METRIC_INFO: dict[str, dict[str, str]] = {
    "discriminative": {
        "name": "Discriminative score",
        "description": "A post-hoc GRU classifier is trained to tell real from generated windows; "
        "|held-out accuracy - 0.5|. 0 means it cannot tell them apart.",
        "range": "[0, 0.5]",
        "better": "lower",
    },
    "discriminative_diff": {
        "name": "Discriminative score on differences",
        "description": "The discriminative score on first differences (step-to-step changes), jointly "
        "rescaled to [0, 1]. Checks dynamics when levels alone already look right.",
        "range": "[0, 0.5]",
        "better": "lower",
    },
    "predictive": {
        "name": "Predictive score (TSTR)",
        "description": "A GRU trained on generated windows predicts the last feature one step ahead; "
        "mean absolute error on real windows. Compare with the same model trained on real data.",
        "range": "[0, 1]",
        "better": "lower",
    },
    "mmd": {
        "name": "MMD (RBF)",
        "description": "Squared maximum mean discrepancy between flattened windows, Gaussian kernel "
        "with median-heuristic bandwidth (unbiased estimate, clipped at 0).",
        "range": "[0, 2]",
        "better": "lower",
    },
    "acf": {
        "name": "Autocorrelation distance",
        "description": "Mean absolute difference between the mean autocorrelation curves of real and "
        "generated windows, per feature and lag. Checks the time dynamics.",
        "range": "[0, 2]",
        "better": "lower",
    },
    "marginal": {
        "name": "Marginal distance",
        "description": "Mean over features of the 1-D Wasserstein distance between the pooled values "
        "of real and generated data. Checks levels, not dynamics.",
        "range": "[0, 1]",
        "better": "lower",
    },
    "cross_correlation": {
        "name": "Cross-correlation distance",
        "description": "Mean absolute difference between the feature-feature correlation matrices "
        "(off-diagonal entries). 0 for a single feature.",
        "range": "[0, 2]",
        "better": "lower",
    },
    "nn_ratio": {
        "name": "Nearest-neighbour ratio",
        "description": "Median distance from generated windows to their nearest training window, "
        "divided by the same for held-out real windows. Much below 1 suggests copying.",
        "range": "[0, inf)",
        "better": "1",
    },
    "nn_fraction_copies": {
        "name": "Near-copies",
        "description": "Fraction of generated windows closer to a training window than 99% of "
        "held-out real windows are. About 0.01 for fresh real data.",
        "range": "[0, 1]",
        "better": "lower",
    },
    "diversity": {
        "name": "Diversity",
        "description": "Mean pairwise distance among generated windows divided by the same among real "
        "windows. Near 0 means mode collapse; above 1 means noisier than the data.",
        "range": "[0, inf)",
        "better": "1",
    },
    "coverage": {
        "name": "Coverage",
        "description": "Fraction of real windows whose 5-nearest-neighbour ball (among real windows) "
        "contains a generated window (Naeem et al., 2020). Low means parts of the data are missed.",
        "range": "[0, 1]",
        "better": "higher",
    },
}



MIN_REAL_WINDOWS = 6  # evaluate(): the neighbour-based scores need k + 1 = 6 real windows


def evaluate(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    quick: bool = False,
    differences: bool = False,
    seed: int = 0,
    device: str = "cpu",
    num_threads: int | None = 1,
    progress: StageCallback | None = None,
) -> dict[str, float]:
    """Runs every score and returns them keyed as in ``METRIC_INFO``.

    The memorisation check holds out a random 20% of ``real``; with overlapping sliding windows call
    ``nearest_neighbour_ratio`` yourself with a holdout from a separate time span.

    Args:
        real: Real windows (N, T, F) in [0, 1], N >= 6, T >= 2; ideally the training windows.
        fake: Generated windows (M, T, F) in [0, 1], M >= 3.
        quick: Fewer training iterations (300 discriminative, 500 predictive) and at most 300 windows
            for the distance-based scores, for UI previews; not comparable with published numbers.
        differences: Also compute "discriminative_diff", the discriminative score on
            ``differenced_pair(real, fake)`` (a dynamics check; doubles the cost of that score).
        seed: Seeds every score.
        device: Torch device for the learned scores.
        num_threads: Torch intra-op threads for the learned scores; None keeps the caller's setting.
        progress: Optional ``progress(stage_name, fraction)``; fraction is the overall share of the
            work done, in [0, 1], and reaches 1.0 at the end.

    Returns:
        Dict of floats: discriminative, predictive, mmd, acf, marginal, cross_correlation, nn_ratio,
        nn_fraction_copies, diversity, coverage (and discriminative_diff if requested).

    Raises:
        ValueError: Bad shapes or too few windows.
    """
    real, fake = _check_pair(real, fake)
    if len(real) < MIN_REAL_WINDOWS or len(fake) < 3:
        raise ValueError(
            f"Scoring needs at least {MIN_REAL_WINDOWS} real and 3 generated windows; found {len(real)} real and "
            f"{len(fake)} generated. Use more sequences (more data, or a smaller stride)."
        )
    disc_iterations = 300 if quick else 2000
    pred_iterations = 500 if quick else 5000
    max_samples = 300 if quick else 1000
    # Stage weights roughly proportional to cost: (name, weight).
    stages = [("discriminative", disc_iterations), ("predictive", pred_iterations * 0.6)]
    if differences:
        stages.append(("discriminative_diff", disc_iterations))
    stages.append(("distances", disc_iterations * 0.05))
    total_weight = sum(w for _, w in stages)
    done_weight = 0.0

    def reporter(stage: str, weight: float) -> IterationCallback | None:
        if progress is None:
            return None
        start = done_weight
        return lambda i, n: progress(stage, (start + weight * i / n) / total_weight)

    results: dict[str, float] = {}
    for stage, weight in stages:
        learned = {"seed": seed, "device": device, "num_threads": num_threads, "progress": reporter(stage, weight)}
        if stage == "discriminative":
            results[stage] = discriminative_score(real, fake, iterations=disc_iterations, **learned)
        elif stage == "predictive":
            results[stage] = predictive_score(real, fake, iterations=pred_iterations, **learned)
        elif stage == "discriminative_diff":
            real_d, fake_d = differenced_pair(real, fake)
            results[stage] = discriminative_score(real_d, fake_d, iterations=disc_iterations, **learned)
        else:
            if progress is not None:
                progress(stage, done_weight / total_weight)
            results["mmd"] = mmd_rbf(real, fake, max_samples=max_samples, seed=seed)
            results["acf"] = acf_distance(real, fake)
            results["marginal"] = marginal_distance(real, fake)
            results["cross_correlation"] = cross_correlation_distance(real, fake)
            nn = nearest_neighbour_ratio(real, fake, max_samples=max_samples, seed=seed)
            results["nn_ratio"] = nn["ratio"]
            results["nn_fraction_copies"] = nn["fraction_copies"]
            spread = diversity(fake, real, max_samples=max_samples, seed=seed)
            results["diversity"] = spread["ratio"]
            results["coverage"] = spread["coverage"]
            if progress is not None:
                progress(stage, 1.0)
        done_weight += weight
    return results
