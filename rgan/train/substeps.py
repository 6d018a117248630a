"""The names under which ``Trainer.step`` reports its sub-steps to ``on_substep(phase, name)``.

Slow-motion teaching views light up the part of the GAN each sub-step touches; they import these
names instead of spelling them again.
"""

from __future__ import annotations

D_PHASE = "D"  # (1) update D: D learns to tell real from generated
G_PHASE = "G"  # (2) update G: G learns to make D call its output real

SAMPLE_NOISE = "sample noise"  # a real batch and a noise batch are drawn
GENERATE = "generate"  # G turns the noise into fake sequences
JUDGE = "judge"  # D scores the batch(es)
LOSS = "loss"  # the phase's loss is computed
GRADIENTS = "gradients"  # the loss is backpropagated into the phase's network
UPDATE = "update"  # the optimiser changes the phase's network

D_SUBSTEPS = (SAMPLE_NOISE, GENERATE, JUDGE, LOSS, GRADIENTS, UPDATE)  # in order, per D update
G_SUBSTEPS = (JUDGE, LOSS, GRADIENTS, UPDATE)  # the G phase reuses the D phase's last fakes
