"""Chart guides, failure modes and the article's questions: typed records loaded from ``text/*.md``."""

from __future__ import annotations

from dataclasses import dataclass

from rgan.dashboard.learn.loader import read_entries


@dataclass(frozen=True)
class ChartGuide:
    """How to read one chart of the Train page."""

    name: str
    shows: str  # what is drawn
    healthy: str  # what a good run looks like
    warning: str  # what should worry you


@dataclass(frozen=True)
class FailureMode:
    """A way GAN training goes wrong, how to recognise it and what to change."""

    name: str
    looks_like: str
    why: str
    what_to_change: str
    preset: str  # key of the preset that shows it
    note: str = ""  # a pointer to where the preset shows it, when that is not obvious


@dataclass(frozen=True)
class Question:
    """One of the seed article's section-9 questions, its answer there, and a fuller one."""

    asked: str  # the question as the article asks it (Chinese)
    english: str
    article_says: str  # the article's answer, in English
    answer: str  # markdown
    see: str  # where to see it live
    preset: str  # the experiment that shows it


CHARTS = tuple(ChartGuide(title, **fields) for title, fields in read_entries("charts"))
FAILURE_MODES = tuple(FailureMode(title, **fields) for title, fields in read_entries("failure_modes"))
QUESTIONS = tuple(Question(english=title, **fields) for title, fields in read_entries("questions"))
