"""Fixed texts of the braille edition only (the others come from :mod:`benech_publish.i18n`).

Takes: a language code. Gives: a read-only mapping of labels; a language
without its own entry gets the English ones (site.yaml's loader already warns
about languages without labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_EN = {
    "braille_edition": "Braille edition",
    "transcriber_note": "Transcriber's note",
    "image": "Image",
    "image_caption": "Caption",
    "table": "Table",
    "columns": "Columns",
    "row": "Row",
    "print_pages": "Print page numbers follow the printed edition: {source}.",
    "produced": "Transcribed with liblouis {version}, tables {tables}.",
    "braille_pages": "{n} braille pages",
}

_IT = {
    "braille_edition": "Edizione in braille",
    "transcriber_note": "Nota del trascrittore",
    "image": "Immagine",
    "image_caption": "Didascalia",
    "table": "Tabella",
    "columns": "Colonne",
    "row": "Riga",
    "print_pages": "I numeri di pagina a stampa seguono l'edizione stampata: {source}.",
    "produced": "Trascritto con liblouis {version}, tabelle {tables}.",
    "braille_pages": "{n} pagine braille",
}

_LABELS = {"en": MappingProxyType(_EN), "it": MappingProxyType(_IT)}


def braille_labels(lang: str) -> Mapping[str, str]:
    """The braille-only labels of ``lang`` (English when the language has none)."""
    return _LABELS.get(lang.split("-")[0].lower(), _LABELS["en"])
