"""Reading level of each condition, per section, against the site's targets.

Takes: a condition (after the loader: abbreviations already written out, so
the text measured is the text printed), the site's
:class:`~benech_publish.model.ReadabilityTarget` of its language and the
condition file's text (to put long sentences at their line). Gives:

* :func:`measure` → :class:`Reading`: scores for the whole text and for each
  section and subsection (its own paragraphs, lists, tables, captions), and
  every sentence over the length limit with its ``file:line``;
* :func:`check` → warnings where a score misses its target (the whole text,
  and each part of at least :data:`MIN_WORDS` words: the formulas mean little
  on less) and one per long sentence;
* :func:`format_table` → the table ``benech-publish check --readability`` prints.

Scores come from textstat (pinned to 0.7.8 in pyproject.toml: its formulas
and syllable counts change between releases):

* Italian: Gulpease index, 0 to 100, higher is easier (60 or more: readable
  with a lower-secondary education); textstat counts punctuation as
  characters, so its value runs a few points below the letter-only formula;
* English: Flesch Reading Ease (0 to 100, higher is easier) and the
  Flesch–Kincaid grade (US school grade; lower is easier).

Other languages get the sentence-length check only. Only
:func:`readability_warnings` reads files (the loader's entry point).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from textstat.backend import counts, metrics

from . import model as m
from .errors import Diagnostic, Location, Severity

#: Fewer words than this in a section: its scores are shown, never warned about.
MIN_WORDS = 50
TEXTSTAT_VERSION = "0.7.8"
METRICS_BY_LANG = {"it": ("gulpease",), "en": ("flesch_reading_ease", "flesch_kincaid_grade")}
METRIC_NAMES = {
    "gulpease": "Gulpease",
    "flesch_reading_ease": "Flesch Reading Ease",
    "flesch_kincaid_grade": "Flesch-Kincaid grade",
}
_COLUMN = {"gulpease": "Gulpease", "flesch_reading_ease": "FRE", "flesch_kincaid_grade": "FK grade"}
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”’)]*\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Scores:
    """Counts and scores of one piece of text (a score is ``None`` when not measured)."""

    words: int
    sentences: int
    gulpease: float | None = None
    flesch_reading_ease: float | None = None
    flesch_kincaid_grade: float | None = None

    def value(self, metric: str) -> float | None:
        return getattr(self, metric)


@dataclass(frozen=True)
class Part:
    """A section (or subsection) and the scores of its own text."""

    anchor: str
    heading: str
    level: int
    location: Location
    scores: Scores


@dataclass(frozen=True)
class LongSentence:
    location: Location
    words: int
    text: str


@dataclass(frozen=True)
class Reading:
    """The reading level of one condition."""

    location: Location  # the file (line of the title)
    lang: str
    title: str
    target: m.ReadabilityTarget
    whole: Scores
    parts: tuple[Part, ...]
    long_sentences: tuple[LongSentence, ...]

    @property
    def metrics(self) -> tuple[str, ...]:
        return METRICS_BY_LANG.get(self.lang.split("-")[0], ())


# --------------------------------------------------------------------------- measuring


def score(text: str, lang: str) -> Scores:
    """Word and sentence counts and the scores of ``lang`` for ``text``."""
    words = counts.count_words(text)
    sentences = len(split_sentences(text))
    base = lang.split("-")[0]
    if not words:
        return Scores(0, 0)
    if base == "it":
        return Scores(words, sentences, gulpease=round(metrics.gulpease_index(text), 1))
    if base == "en":
        return Scores(
            words,
            sentences,
            flesch_reading_ease=round(metrics.flesch_reading_ease(text, "en_US"), 1),
            flesch_kincaid_grade=round(metrics.flesch_kincaid_grade(text, "en_US"), 1),
        )
    return Scores(words, sentences)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after . ! ? … followed by a space."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def _units(blocks: Iterable[m.Block]) -> Iterator[tuple[str, Location]]:
    """``(text, location)`` of each piece of running text, in reading order."""
    for block in blocks:
        where = getattr(block, "location", m.NOWHERE)
        if isinstance(block, (m.BulletList, m.NumberedList)):
            for item in block.items:
                for text, loc in _units(item.blocks):
                    yield text, loc if loc.line else where
        elif isinstance(block, m.Note):
            yield from _units(block.blocks)
        else:
            for run in m.block_inlines(block):
                text = " ".join(m.plain_text(run).split())
                if text:
                    yield text, where


def _joined(texts: Iterable[str]) -> str:
    """Texts as one, each ending a sentence (a list item without a full stop is one)."""
    return " ".join(t if t[-1] in ".!?…" else t + "." for t in texts if t)


def measure(condition: m.Condition, target: m.ReadabilityTarget, source: str = "") -> Reading:
    """The reading level of ``condition``; ``source`` is its file's text (for sentence lines)."""
    locate = _Locator(source)
    parts: list[Part] = []
    long: list[LongSentence] = []
    everything: list[str] = [condition.summary] if condition.summary else []
    for section in condition.walk():
        units = list(_units(section.blocks))
        texts = [t for t, _ in units]
        everything += texts
        parts.append(
            Part(
                section.anchor, section.heading, section.level, section.location, score(_joined(texts), condition.lang)
            )
        )
        for text, where in units:
            locate.start(where)
            for sentence in split_sentences(text):
                line = locate.find(sentence)
                n = counts.count_words(sentence)
                if n > target.max_sentence_words:
                    at = where.at(line) if line else where
                    long.append(LongSentence(at, n, sentence))
    return Reading(
        condition.at("title"),
        condition.lang,
        condition.title,
        target,
        score(_joined(everything), condition.lang),
        tuple(parts),
        tuple(long),
    )


class _Locator:
    """Finds the line where a sentence starts in the file's text (markup may sit between words)."""

    def __init__(self, source: str):
        self.source = source
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
        self.cursor = 0

    def start(self, where: Location) -> None:
        if where.line and where.line - 1 < len(self.line_starts):
            self.cursor = max(self.cursor, self.line_starts[where.line - 1])

    def find(self, sentence: str) -> int:
        """The 1-based line of ``sentence`` after the cursor (0 when it cannot be found).

        Its first three words are looked for with any markup between them; then
        two, then one within the next few lines (a sentence may start with
        text the loader added, such as a written-out abbreviation).
        """
        words = _WORD.findall(sentence)[:3]
        for n in range(len(words), 0, -1):
            pattern = r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in words[:n]) + r"(?![^\W_])"
            found = re.compile(pattern).search(self.source, self.cursor)
            if found and (n == len(words) or found.start() - self.cursor < 300):
                self.cursor = found.start() + 1
                return self.source.count("\n", 0, found.start()) + 1
        return 0


# --------------------------------------------------------------------------- checking


def _misses(scores: Scores, target: m.ReadabilityTarget, names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for metric in names:
        value = scores.value(metric)
        if value is None:
            continue
        if metric == "flesch_kincaid_grade":
            limit = target.flesch_kincaid_grade_max
            if limit is not None and value > limit:
                out.append(f"{METRIC_NAMES[metric]} {value:g} (target at most {limit:g})")
        else:
            limit = target.gulpease_min if metric == "gulpease" else target.flesch_reading_ease_min
            if limit is not None and value < limit:
                out.append(f"{METRIC_NAMES[metric]} {value:g} (target at least {limit:g})")
    return out


def misses(reading: Reading, scores: Scores) -> list[str]:
    """The targets ``scores`` misses, in words (empty when it meets them all)."""
    return _misses(scores, reading.target, reading.metrics)


def check(reading: Reading) -> list[Diagnostic]:
    """Warnings: the whole text and each long-enough part below target, each long sentence."""
    diags: list[Diagnostic] = []
    if reading.whole.words >= MIN_WORDS and (missed := misses(reading, reading.whole)):
        diags.append(
            Diagnostic(
                reading.location,
                "harder to read than the site's target: " + ", ".join(missed) + " for the whole text",
                Severity.WARNING,
                "readability",
            )
        )
    for part in reading.parts:
        if part.scores.words >= MIN_WORDS and (missed := misses(reading, part.scores)):
            diags.append(
                Diagnostic(
                    part.location,
                    f"section #{part.anchor} is harder to read than the site's target: " + ", ".join(missed),
                    Severity.WARNING,
                    "readability",
                )
            )
    limit = reading.target.max_sentence_words
    for s in reading.long_sentences:
        start = " ".join(s.text.split()[:8])
        diags.append(
            Diagnostic(
                s.location,
                f"sentence of {s.words} words (limit {limit}): '{start} ...': split it",
                Severity.WARNING,
                "long-sentence",
            )
        )
    return diags


def read_all(site: m.Site, conditions: Iterable[m.Condition], read: Callable[[str], str]) -> list[Reading]:
    """A :class:`Reading` per condition; ``read(path)`` gives a condition file's text."""
    return [measure(c, site.readability_target(c.lang), read(c.location.path)) for c in conditions]


def readability_warnings(site: m.Site, conditions: Iterable[m.Condition]) -> dict[str, list[Diagnostic]]:
    """:func:`check` of every condition, by file (reads each condition's file for lines)."""
    out: dict[str, list[Diagnostic]] = {}
    for reading in read_all(site, conditions, read_source):
        out.setdefault(reading.location.path, []).extend(check(reading))
    return out


def read_source(path: str) -> str:
    """A condition file's text ("" when it cannot be read: lines then come from blocks)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # in-memory content: sentences get their block's line
        return ""


# --------------------------------------------------------------------------- table


def format_table(readings: Iterable[Reading]) -> str:
    """The ``check --readability`` table: per condition, the whole text and each section."""
    lines = [
        f"Readability (textstat {TEXTSTAT_VERSION}); '!' marks a score that misses the "
        "site's target (site.yaml 'readability')."
    ]
    for r in readings:
        t = r.target
        goals = []
        if "gulpease" in r.metrics and t.gulpease_min is not None:
            goals.append(f"Gulpease >= {t.gulpease_min:g}")
        if "flesch_reading_ease" in r.metrics and t.flesch_reading_ease_min is not None:
            goals.append(f"Flesch Reading Ease >= {t.flesch_reading_ease_min:g}")
        if "flesch_kincaid_grade" in r.metrics and t.flesch_kincaid_grade_max is not None:
            goals.append(f"Flesch-Kincaid grade <= {t.flesch_kincaid_grade_max:g}")
        goals.append(f"sentences <= {t.max_sentence_words} words")
        lines += ["", f"{r.location.path} [{r.lang}] {r.title}", "  targets: " + ", ".join(goals)]
        header = f"  {'part':<44} {'words':>5} {'sent.':>5}" + "".join(f" {_COLUMN[x]:>9}" for x in r.metrics)
        lines.append(header)
        rows = [("whole text", r.whole)] + [
            (("  " * (p.level - 2)) + f"#{p.anchor} {p.heading}", p.scores) for p in r.parts
        ]
        for label, s in rows:
            missed = {x for x in r.metrics if _misses(s, t, (x,))}
            cells = "".join(f" {_cell(s.value(x), x in missed):>9}" for x in r.metrics)
            label = label if len(label) <= 44 else label[:43] + "…"
            lines.append(f"  {label:<44} {s.words:>5} {s.sentences:>5}{cells}")
        if r.long_sentences:
            where = ", ".join(str(s.location.line) for s in r.long_sentences)
            lines.append(f"  sentences over {t.max_sentence_words} words: {len(r.long_sentences)} (lines {where})")
        else:
            lines.append(f"  sentences over {t.max_sentence_words} words: none")
    return "\n".join(lines)


def _cell(value: float | None, missed: bool) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" + ("!" if missed else " ")
