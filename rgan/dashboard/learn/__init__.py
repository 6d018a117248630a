"""The Learn page's content; ``pages/learn.py`` only lays it out.

The prose is Markdown in ``text/`` (read by ``loader``); the rest is Python: ``formulas`` (LaTeX), ``figures``
(gradient figure, unrolled diagram), ``guides`` and ``naive`` (records built from the Markdown, live
demonstrations), ``presets_ui`` (buttons that start experiments), ``experiments`` (the measurements tab) and
``sections`` (one function per tab).
"""

from rgan.dashboard.learn.experiments import experiments, experiments_frame, real_vs_real_mmd
from rgan.dashboard.learn.figures import generator_gradient_figure, unrolled_diagram
from rgan.dashboard.learn.loader import read_entries, read_text
from rgan.dashboard.learn.presets_ui import preset_card, start_presets
from rgan.dashboard.learn.sections import (section_charts, section_failures, section_gan, section_naive,
                                           section_questions, section_recurrent)

__all__ = [
    "experiments", "experiments_frame", "generator_gradient_figure", "preset_card", "read_entries", "read_text",
    "real_vs_real_mmd", "section_charts", "section_failures", "section_gan", "section_naive", "section_questions",
    "section_recurrent", "start_presets", "unrolled_diagram",
]
