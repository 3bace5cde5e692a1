"""Does a foreign-language span's text look like the language it declares?

Takes: the page's ``lang`` spans and the page's language. Gives: one review
note per span whose text reads clearly as another language than declared
(e.g. a French phrase marked ``la``). Pure apart from loading the model.

Detector: py3langid (langid.py's model, shipped inside the package: nothing
is downloaded), restricted to the declared language, the page's language and
the languages a clinic page in Italian or English quotes most (Latin,
French, German, Spanish, Portuguese). Conservative: a span is flagged only
when it has at least :data:`MIN_LETTERS` letters and two words, the detector
gives another language at least :data:`CONFIDENT` and the declared one less
than :data:`UNLIKELY`. Short terms (``in situ``) are never flagged.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from .. import model as m
from .textutil import _short

COMMON = ("it", "en", "la", "fr", "de", "es", "pt")
MIN_LETTERS = 10
CONFIDENT = 0.9
UNLIKELY = 0.05


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _known() -> frozenset[str]:
    ident = _identifier()
    ident.set_languages(None)
    return frozenset(ident.labels)


def guess(text: str, declared: str, page_lang: str) -> tuple[str, float, float]:
    """``(likeliest language, its probability, the declared language's probability)``."""
    ident = _identifier()
    known = _known()
    candidates = sorted({c for c in (*COMMON, declared, page_lang) if c in known})
    ident.set_languages(candidates)
    ranked = dict(ident.rank(text))
    best = max(ranked, key=lambda k: ranked[k])
    return str(best), float(ranked[best]), float(ranked.get(declared, 0.0))


def looks_foreign(text: str, declared: str, page_lang: str) -> str:
    """The language ``text`` clearly reads as when that is not ``declared``, else ''."""
    words = text.split()
    if len(words) < 2 or sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return ""
    if declared not in _known():
        return ""
    best, p_best, p_declared = guess(text, declared, page_lang)
    if best != declared and p_best >= CONFIDENT and p_declared < UNLIKELY:
        return best
    return ""


def language_notes(spans: list[m.Span], page_lang: str) -> list[str]:
    """Review notes for spans whose text looks like another language than declared."""
    notes: list[str] = []
    for span in spans:
        text = " ".join(m.plain_text(span.children).split())
        other = looks_foreign(text, span.lang, page_lang)
        if other:
            notes.append(
                f"\"{_short(text)}\" is marked as language '{span.lang}' but reads as '{other}': check its lang"
            )
    return notes
