"""Adversarial training of a recurrent GAN: configuration, the two-phase training step, sampling,
checkpoints.

- :mod:`.config`: :class:`TrainConfig` (every setting, checked once), devices, :class:`TrainingDiverged`.
- :mod:`.trainer`: :class:`Trainer`, whose ``step()`` is (1) update D, (2) update G.
- :mod:`.losses`: the GAN losses and G's moment and correlation terms, as functions of tensors.
- :mod:`.speed`: what makes a step fast without changing its numbers.
- :mod:`.substeps`: the sub-step names ``step()`` reports in slow motion.
- :mod:`.sampling`, :mod:`.checkpoints`, :mod:`.advice`: noise and samples, saved runs, advice texts.
"""

from .advice import batch_note, changed_settings, config_summary, settings_notes
from .checkpoints import CHECKPOINT_FORMAT, CHECKPOINT_VERSION
from .config import DEVICES, LOSSES, TrainConfig, TrainingDiverged, resolve_device
from .substeps import D_PHASE, D_SUBSTEPS, G_PHASE, G_SUBSTEPS
from .trainer import Trainer

__all__ = [
    "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "DEVICES", "D_PHASE", "D_SUBSTEPS", "G_PHASE", "G_SUBSTEPS",
    "LOSSES", "TrainConfig", "Trainer", "TrainingDiverged", "batch_note", "changed_settings",
    "config_summary", "resolve_device", "settings_notes",
]
