"""The staff app's words, in English and Italian, and the choice between them.

Takes: a request's ``Accept-Language`` header. Gives: the interface language
(:func:`ui_language`: the first of ``en``/``it`` the browser prefers,
English otherwise) and :data:`UI`, every fixed text of the staff pages per
language. Output buttons are named in the *patient's* language
(:data:`OUTPUT_LABELS`), whatever the interface language.
"""

from __future__ import annotations

import re

UI_LANGUAGES = ("en", "it")

UI: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to main content",
        "patient_information": "patient information",
        "site_nav": "Site",
        "catalogue": "Catalogue",
        "problems": "Problems",
        "refresh": "Refresh this page",
        "for_other_apps": "For other apps:",
        "api_link": "the HTTP API (OpenAPI description)",
        "outputs_done": "{done} of {total} outputs done",
        "failed": "Failed",
        "building": "Building the files that changed…",
        "no_build": "No build since the server started.",
        "last_build": "Last build at {when}: {written} file(s) written, {skipped} up to date, {failed} failed.",
        "see_problems": "The content has problems: see Problems.",
        "build_stopped": "The build stopped:",
        "catalogue_intro": "Every condition in every language. Choose one to see it, download "
        "its leaflets and print them.",
        "no_conditions": "No conditions found. Add Markdown files under the content folder (see the documentation).",
        "condition": "Condition",
        "status": "Status",
        "review_due": "Review due",
        "approved": "Approved",
        "draft": "Draft",
        "draft_long": "Draft: not yet reviewed",
        "overdue": "overdue",
        "not_set": "not set",
        "none": "none",
        "not_built": "not built",
        "booklet_all": "Booklet of all conditions",
        "last_reviewed": "Last reviewed",
        "source_file": "Source file",
        "file_errors": "This file has errors: the files below are from the last version without errors",
        "file_problems": "Problems in this file",
        "line": "line",
        "error": "Error",
        "warning": "Warning",
        "files_for_patient": "Files for the patient",
        "nothing_built": "Nothing is built yet for this condition.",
        "opens_new_tab": "(opens the PDF in a new tab)",
        "preview": "Preview of the web page",
        "no_preview": "No web page is built yet for this condition.",
        "problems_summary": "{errors} error(s) and {warnings} warning(s), by file. A file with "
        "errors is not built; its last good files stay available.",
        "no_problems": "No problems: every file checks out.",
        "build_notes": "Notes from the last build",
        "not_found": "Not found",
        "not_found_text": "There is no page at this address.",
        "bad_request": "Bad request",
        "bad_request_text": "This request cannot be answered.",
        "method_not_allowed": "Method not allowed",
        "go_catalogue": "Go to the catalogue",
    },
    "it": {
        "skip": "Vai al contenuto principale",
        "patient_information": "informazioni per i pazienti",
        "site_nav": "Sito",
        "catalogue": "Catalogo",
        "problems": "Problemi",
        "refresh": "Aggiorna questa pagina",
        "for_other_apps": "Per altre applicazioni:",
        "api_link": "l'API HTTP (descrizione OpenAPI)",
        "outputs_done": "{done} di {total} file pronti",
        "failed": "Non riuscito",
        "building": "Creazione dei file modificati in corso…",
        "no_build": "Nessuna creazione dall'avvio del server.",
        "last_build": "Ultima creazione alle {when}: {written} file scritti, {skipped} già "
        "aggiornati, {failed} non riusciti.",
        "see_problems": "Il contenuto ha dei problemi: vedere Problemi.",
        "build_stopped": "La creazione si è interrotta:",
        "catalogue_intro": "Tutte le patologie in tutte le lingue. Sceglierne una per vederla, "
        "scaricarne i fogli informativi e stamparli.",
        "no_conditions": "Nessuna patologia trovata. Aggiungere file Markdown nella cartella dei "
        "contenuti (vedere la documentazione).",
        "condition": "Patologia",
        "status": "Stato",
        "review_due": "Prossima revisione",
        "approved": "Approvata",
        "draft": "Bozza",
        "draft_long": "Bozza: non ancora revisionata",
        "overdue": "scaduta",
        "not_set": "non indicata",
        "none": "nessuno",
        "not_built": "non creata",
        "booklet_all": "Opuscolo con tutte le patologie",
        "last_reviewed": "Ultima revisione",
        "source_file": "File di origine",
        "file_errors": "Questo file contiene errori: i file qui sotto vengono dall'ultima versione senza errori",
        "file_problems": "Problemi in questo file",
        "line": "riga",
        "error": "Errore",
        "warning": "Avviso",
        "files_for_patient": "File per il paziente",
        "nothing_built": "Per questa patologia non è ancora stato creato nulla.",
        "opens_new_tab": "(apre il PDF in una nuova scheda)",
        "preview": "Anteprima della pagina web",
        "no_preview": "Per questa patologia non è ancora stata creata la pagina web.",
        "problems_summary": "{errors} errori e {warnings} avvisi, per file. Un file con errori "
        "non viene creato; restano disponibili i file della sua ultima "
        "versione corretta.",
        "no_problems": "Nessun problema: tutti i file sono corretti.",
        "build_notes": "Note dell'ultima creazione",
        "not_found": "Pagina non trovata",
        "not_found_text": "Non c'è nessuna pagina a questo indirizzo.",
        "bad_request": "Richiesta non valida",
        "bad_request_text": "Impossibile rispondere a questa richiesta.",
        "method_not_allowed": "Metodo non consentito",
        "go_catalogue": "Vai al catalogo",
    },
}

#: Names of the outputs, in the patient's language (English for other languages).
OUTPUT_LABELS: dict[str, dict[tuple[str, str, str], str]] = {
    "en": {
        ("leaflet", "pdf", "standard"): "Leaflet, standard print (PDF)",
        ("leaflet", "pdf", "large"): "Leaflet, large print (PDF)",
        ("page", "html", "standard"): "Web page",
        ("page", "html", "large"): "Web page, large print",
        ("booklet", "pdf", "standard"): "Booklet, standard print (PDF)",
        ("booklet", "pdf", "large"): "Booklet, large print (PDF)",
        ("booklet", "epub", "standard"): "Booklet (EPUB e-book)",
        ("booklet", "epub", "large"): "Booklet, large print (EPUB e-book)",
        ("braille", "brf", "standard"): "Braille, for embossers (BRF)",
        ("braille", "pef", "standard"): "Braille (PEF)",
        ("booklet", "brf", "standard"): "Booklet in braille, for embossers (BRF)",
        ("booklet", "pef", "standard"): "Booklet in braille (PEF)",
        ("print", "", ""): "Print the leaflet",
    },
    "it": {
        ("leaflet", "pdf", "standard"): "Foglio informativo, stampa normale (PDF)",
        ("leaflet", "pdf", "large"): "Foglio informativo, caratteri grandi (PDF)",
        ("page", "html", "standard"): "Pagina web",
        ("page", "html", "large"): "Pagina web, caratteri grandi",
        ("booklet", "pdf", "standard"): "Opuscolo, stampa normale (PDF)",
        ("booklet", "pdf", "large"): "Opuscolo, caratteri grandi (PDF)",
        ("booklet", "epub", "standard"): "Opuscolo (libro elettronico EPUB)",
        ("booklet", "epub", "large"): "Opuscolo, caratteri grandi (libro elettronico EPUB)",
        ("braille", "brf", "standard"): "Braille, per stampanti braille (BRF)",
        ("braille", "pef", "standard"): "Braille (PEF)",
        ("booklet", "brf", "standard"): "Opuscolo in braille, per stampanti braille (BRF)",
        ("booklet", "pef", "standard"): "Opuscolo in braille (PEF)",
        ("print", "", ""): "Stampa il foglio informativo",
    },
}
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}

_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$")


def ui_language(accept_language: str) -> str:
    """The interface language for an ``Accept-Language`` header: ``it`` or ``en`` (default)."""
    best, best_q = "en", 0.0
    for position, item in enumerate(accept_language.split(",")[:20]):
        match = _RANGE.match(item)
        if match is None:
            continue
        lang, q = match[1].lower(), float(match[2]) if match[2] else 1.0
        q -= position * 1e-6  # earlier wins between equal weights
        if lang in UI_LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best
