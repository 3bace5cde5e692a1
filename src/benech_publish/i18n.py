"""Fixed labels and dates, localized.

Takes: a language code. Gives: :func:`labels` (every fixed string a template
shows: Contents, Page, Last reviewed, ...) and :func:`format_date` (dates as
readers of that language write them, via Babel). Add a language by adding a
``LABELS`` entry; templates never hard-code text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

# Babel locale used for dates, per content language. English leaflets of an
# Italian clinic use day-month-year, as in British English.
DATE_LOCALES = {"it": "it_IT", "en": "en_GB"}

_EN = {
    "contents": "Contents",
    "page": "Page",
    "page_of": "Page {n} of {m}",
    "page_list": "Page list",
    "landmarks": "Landmarks",
    "cover": "Cover",
    "title_page": "Title page",
    "introduction": "Introduction",
    "conditions": "Conditions",
    "start_of_content": "Start of content",
    "last_updated": "Last updated",
    "last_reviewed": "Last reviewed",
    "review_due": "Next review due",
    "reviewed_by": "Reviewed by",
    "contacts": "Contacts",
    "clinic": "Clinic",
    "address": "Address",
    "phone": "Phone",
    "email": "Email",
    "website": "Website",
    "hours": "Opening hours",
    "online_version": "Online version",
    "qr_alt": "QR code: online version of this leaflet",
    "draft": "Draft: not yet reviewed by the clinic",
    "note": "Note",
    "tip": "Tip",
    "warning": "Important",
    "large_print": "Large print",
    "standard_print": "Standard print",
    "patient_information": "Patient information",
    "booklet_title": "Patient information on the conditions we treat",
    "disclaimer": "This information does not replace the advice of your doctor.",
    "about": "About this information",
    "logo_of": "Logo of {name}",
    "edition": "Edition",
    "published": "Published",
    "print_source": "Page numbers follow the printed edition: {title}.",
    # Booklet (writers/booklet.py, writers/epub.py)
    "draft_short": "Draft",
    "booklet_has_drafts": "This booklet contains drafts that the clinic has not yet reviewed; each is marked as a draft.",
    "back_matter": "Contacts and information",
    "identifier": "Identifier",
    "a11y_summary_claim": "This booklet meets WCAG 2.2 Level AA and EPUB Accessibility 1.1.",
    "a11y_summary_no_claim": "This booklet claims no conformance to WCAG 2.2 or EPUB Accessibility 1.1, because {reasons}. Checked when it was built: headings, reading order, language, text alternatives of images and the page list; not evaluated: a review of the content by the clinic.",
    "a11y_reason_drafts": "some chapters are drafts not yet reviewed ({titles})",
    "a11y_reason_checks": "the build's own checks found problems ({problems})",
    "a11y_summary": "It has a table of contents down to each section, headings in a logical order, the reading order of the printed edition, and text that can be resized and reflowed with the reading system's font and colour settings.",
    "a11y_summary_images": "Every image has a text alternative.",
    "a11y_summary_no_images": "It contains no images that carry information (the logo on the cover is decorative).",
    "a11y_summary_pages": "Page numbers and a page list follow the printed edition: {source}.",
    "a11y_summary_large": "This is the large-print edition: larger text by default, no hyphenation and no italics.",
    "pdf_edition": "{site}, booklet, {edition} PDF, {lang}",
    # Provenance (provenance.py, _macros.xhtml)
    "sources": "Sources",
    "produced_by": "Produced by",
    "written_by": "Written by",
    "version": "Version",
    "feedback": "Tell us what you think",
    "feedback_text": "Tell us what you think of this information, or if anything is unclear:",
    "other_formats": "Other formats and languages",
    "formats_sentence": "This information is available as {formats}, and in large print.",
    "format_html": "a web page",
    "format_pdf": "a PDF leaflet and booklet",
    "format_epub": "an EPUB e-book",
    "format_braille": "braille (BRF and PEF files)",
    "languages_sentence": "It is also available in {languages}.",
    "online_at": "Read it online at",
    "request_format": "To ask for it in another format or language, contact the clinic.",
}

_IT = {
    "contents": "Indice",
    "page": "Pagina",
    "page_of": "Pagina {n} di {m}",
    "page_list": "Elenco delle pagine",
    "landmarks": "Punti di riferimento",
    "cover": "Copertina",
    "title_page": "Frontespizio",
    "introduction": "Introduzione",
    "conditions": "Patologie",
    "start_of_content": "Inizio del contenuto",
    "last_updated": "Ultimo aggiornamento",
    "last_reviewed": "Ultima revisione",
    "review_due": "Prossima revisione",
    "reviewed_by": "Revisione a cura di",
    "contacts": "Contatti",
    "clinic": "Clinica",
    "address": "Indirizzo",
    "phone": "Telefono",
    "email": "E-mail",
    "website": "Sito web",
    "hours": "Orari",
    "online_version": "Versione online",
    "qr_alt": "Codice QR: versione online di questo foglio informativo",
    "draft": "Bozza: non ancora revisionata dalla clinica",
    "note": "Nota",
    "tip": "Consiglio",
    "warning": "Importante",
    "large_print": "Caratteri grandi",
    "standard_print": "Stampa standard",
    "patient_information": "Informazioni per i pazienti",
    "booklet_title": "Informazioni per i pazienti sulle patologie che trattiamo",
    "disclaimer": "Queste informazioni non sostituiscono il parere del vostro medico.",
    "about": "Informazioni su questo documento",
    "logo_of": "Logo di {name}",
    "edition": "Edizione",
    "published": "Pubblicato",
    "print_source": "I numeri di pagina seguono l'edizione stampata: {title}.",
    # Booklet (writers/booklet.py, writers/epub.py)
    "draft_short": "Bozza",
    "booklet_has_drafts": "Questo opuscolo contiene bozze non ancora revisionate dalla clinica; ciascuna è segnalata come bozza.",
    "back_matter": "Contatti e informazioni",
    "identifier": "Identificativo",
    "a11y_summary_claim": "Questo opuscolo è conforme a WCAG 2.2 livello AA e a EPUB Accessibility 1.1.",
    "a11y_summary_no_claim": "Questo opuscolo non dichiara conformità a WCAG 2.2 né a EPUB Accessibility 1.1, perché {reasons}. Verificati durante la generazione: titoli, ordine di lettura, lingua, alternative testuali delle immagini ed elenco delle pagine; non valutata: la revisione del contenuto da parte della clinica.",
    "a11y_reason_drafts": "alcuni capitoli sono bozze non ancora revisionate ({titles})",
    "a11y_reason_checks": "le verifiche della generazione hanno trovato problemi ({problems})",
    "a11y_summary": "Ha un indice fino a ogni sezione, titoli in ordine logico, l'ordine di lettura dell'edizione stampata e testo che si può ingrandire e riadattare con le impostazioni di carattere e colore del sistema di lettura.",
    "a11y_summary_images": "Ogni immagine ha un'alternativa testuale.",
    "a11y_summary_no_images": "Non contiene immagini che trasmettano informazioni (il logo in copertina è decorativo).",
    "a11y_summary_pages": "I numeri di pagina e l'elenco delle pagine seguono l'edizione stampata: {source}.",
    "a11y_summary_large": "Questa è l'edizione a caratteri grandi: testo più grande in partenza, senza sillabazione e senza corsivi.",
    "pdf_edition": "{site}, opuscolo, PDF {edition}, {lang}",
    # Provenance (provenance.py, _macros.xhtml)
    "sources": "Fonti",
    "produced_by": "Realizzato da",
    "written_by": "Testo a cura di",
    "version": "Versione",
    "feedback": "Diteci che cosa ne pensate",
    "feedback_text": "Diteci che cosa pensate di queste informazioni, o se qualcosa non è chiaro:",
    "other_formats": "Altri formati e altre lingue",
    "formats_sentence": "Queste informazioni sono disponibili come {formats}, e a caratteri grandi.",
    "format_html": "pagina web",
    "format_pdf": "scheda e opuscolo in PDF",
    "format_epub": "libro elettronico EPUB",
    "format_braille": "braille (file BRF e PEF)",
    "languages_sentence": "Sono disponibili anche in {languages}.",
    "online_at": "Si possono leggere online all'indirizzo",
    "request_format": "Per riceverle in un altro formato o in un'altra lingua, contattate la clinica.",
}

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({"en": MappingProxyType(_EN), "it": MappingProxyType(_IT)})


def has_labels(lang: str) -> bool:
    return lang.split("-")[0] in LABELS


def labels(lang: str) -> Mapping[str, str]:
    """The fixed labels for ``lang`` (English when the language has none)."""
    return LABELS.get(lang.split("-")[0], LABELS["en"])


def format_date(value: dt.date | None, lang: str) -> str:
    """A date as its readers write it: ``1 settembre 2024``, ``1 September 2024``."""
    if value is None:
        return ""
    from babel.dates import format_date as babel_format_date  # only when a date is rendered

    locale = DATE_LOCALES.get(lang.split("-")[0], lang.replace("-", "_"))
    try:
        return babel_format_date(value, format="long", locale=locale)
    except Exception:  # unknown locale: ISO is unambiguous
        return value.isoformat()
