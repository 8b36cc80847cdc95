"""The app's words in Swedish (the default) and English. Reference data carries its own
translations (``Text.localized``); the rules' messages are English in the API, so the app says
the common ones in Swedish by their rule's name and falls back to the API's message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")
DEFAULT: Language = "sv"

WORDS: dict[str, tuple[str, str]] = {
    "app": ("Handledarens arbetsyta", "Supervisor workspace"),
    "skip": ("Hoppa till innehållet", "Skip to content"),
    "signed_in_as": ("Inloggad som", "Signed in as"),
    "sign_out": ("Logga ut", "Sign out"),
    "language_other": ("English", "Svenska"),
    "placements": ("Placeringar", "Placements"),
    "new_placement": ("Registrera placering", "Register a placement"),
    "import": ("Importera lista", "Import a list"),
    "filters": ("Filter", "Filters"),
    "filter": ("Filtrera", "Filter"),
    "status": ("Status", "Status"),
    "any": ("Alla", "Any"),
    "active": ("Pågående", "Active"),
    "ended": ("Avslutad", "Ended"),
    "withdrawn": ("Makulerad", "Withdrawn"),
    "placement_type": ("Anställningsform", "Placement type"),
    "workplace": ("Arbetsplats", "Workplace"),
    "unit": ("Enhet", "Unit"),
    "active_from": ("Pågående från", "Active from"),
    "active_to": ("Pågående till", "Active to"),
    "participant": ("Deltagare", "Participant"),
    "personnummer": ("Personnummer", "Personal identity number"),
    "given_name": ("Förnamn", "Given name"),
    "family_name": ("Efternamn", "Family name"),
    "period": ("Period", "Period"),
    "role": ("Roll", "Role"),
    "tasks": ("Arbetsuppgifter", "Tasks"),
    "tasks_hint": ("En uppgift per rad.", "One task per line."),
    "supervisor": ("Handledare", "Supervisor"),
    "supervised_by": ("Handledarens e-post", "Supervisor's email"),
    "supervised_by_hint": (
        "En handledares placeringar; tomt ger hela förvaltningens.",
        "One supervisor's placements; empty gives the whole förvaltning's.",
    ),
    "identity_erased": ("Uppgifterna är gallrade", "Erased after the retention period"),
    "supervisor_email": ("Handledarens e-post", "Supervisor's email"),
    "supervisor_phone": ("Handledarens telefon", "Supervisor's phone"),
    "employment_rate": ("Sysselsättningsgrad (%)", "Employment rate (%)"),
    "start_date": ("Startdatum", "Start date"),
    "planned_end_date": ("Planerat slutdatum", "Planned end date"),
    "end_date": ("Slutdatum", "End date"),
    "outcome": ("Utfall", "Outcome"),
    "date_hint": ("ÅÅÅÅ-MM-DD", "YYYY-MM-DD"),
    "no_placements": ("Inga placeringar matchar.", "No placements match."),
    "next_page": ("Nästa sida", "Next page"),
    "open": ("Öppna", "Open"),
    "history": ("Händelser", "Event history"),
    "sequence": ("Nr", "No."),
    "event": ("Händelse", "Event"),
    "when": ("Tidpunkt", "When"),
    "reason": ("Anledning", "Reason"),
    "assessments": ("Bedömningar", "Assessments"),
    "assess": ("Bedöm moduler", "Assess modules"),
    "assessment_round": ("Bedömningstillfälle", "Assessment round"),
    "assessed_on": ("Bedömningsdatum", "Date of assessment"),
    "assessor": ("Bedömarens roll", "Assessor's role"),
    "module": ("Modul", "Module"),
    "level": ("Nivå", "Level"),
    "not_assessed": ("Bedöms inte nu", "Not assessed now"),
    "criteria": ("Kriterier som uppfylls", "Criteria met"),
    "comment": ("Kommentar", "Comment"),
    "progression": ("Progression", "Progression"),
    "first": ("Första", "First"),
    "latest": ("Senaste", "Latest"),
    "steps": ("Steg", "Steps"),
    "chart_title": (
        "Nivå per modul: första och senaste bedömningen",
        "Level per module: first and latest assessment",
    ),
    "no_assessments": ("Inga bedömningar ännu.", "No assessments yet."),
    "value_added": ("Mervärde", "Added value (mervärde)"),
    "record_value_added": ("Registrera mervärde", "Record added value"),
    "stage": ("Skede", "Stage"),
    "planned": ("Planerat", "Planned"),
    "realised": ("Realiserat", "Realised"),
    "beneficiary": ("För vem", "For whom"),
    "for_workplace": ("Arbetsplatsen", "The workplace"),
    "for_individual": ("Individen", "The individual"),
    "category": ("Kategori", "Category"),
    "description": ("Beskrivning", "Description"),
    "no_value_added": ("Inget mervärde registrerat.", "No added value recorded."),
    "end": ("Avsluta placeringen", "End the placement"),
    "corrections": ("Rättelse och makulering", "Corrections and withdrawal"),
    "correct_end": ("Rätta slut och utfall", "Correct the end and outcome"),
    "correct": ("Rätta", "Correct"),
    "correct_assessment": ("Rätta bedömning", "Correct an assessment"),
    "correct_value_added": ("Rätta mervärde", "Correct added value"),
    "correct_details": (
        "Rätta uppgifter om placeringen",
        "Correct the placement's details",
    ),
    "correct_details_hint": (
        "Ändra det som är fel. Personnumret kan inte rättas: makulera placeringen och "
        "registrera den igen.",
        "Change what is wrong. The personal identity number cannot be corrected: withdraw the "
        "placement and register it again.",
    ),
    "change_planned_end": ("Ändra planerat slutdatum", "Change the planned end"),
    "withdraw": ("Makulera placeringen", "Withdraw the placement"),
    "withdraw_hint": (
        "För en placering som registrerades av misstag. Det går inte att ångra.",
        "For a placement registered by mistake. This cannot be undone.",
    ),
    "certificate": ("Kompetensintyg", "Certificate"),
    "certificate_open": (
        "Intyget utfärdas när placeringen har avslutats.",
        "The certificate is issued once the placement has ended.",
    ),
    "certificate_waiting": ("Intyget väntar på händelser", "The certificate waits for events"),
    "certificate_issued": ("Intyget är utfärdat.", "The certificate is issued."),
    "certificate_withdrawn": (
        "Placeringen är makulerad; intyget är återkallat.",
        "The placement was withdrawn; its certificate is revoked.",
    ),
    "certificate_unknown": (
        "Intygstjänsten har ännu inte fått placeringen. Ladda om sidan om en stund.",
        "The certificates service has not received the placement yet. Reload in a moment.",
    ),
    "certificate_unavailable": (
        "Intygstjänsten går inte att nå just nu.",
        "The certificates service cannot be reached right now.",
    ),
    "download_sv": ("Ladda ner på svenska (PDF)", "Download in Swedish (PDF)"),
    "download_en": ("Ladda ner på engelska (PDF)", "Download in English (PDF)"),
    "valid": ("giltigt", "valid"),
    "revoked": ("återkallat", "revoked"),
    "number": ("Nummer", "Number"),
    "save": ("Spara", "Save"),
    "saved": ("Sparat.", "Saved."),
    "cancel": ("Avbryt", "Cancel"),
    "back": ("Tillbaka till placeringen", "Back to the placement"),
    "back_to_list": ("Alla placeringar", "All placements"),
    "required": ("obligatoriskt", "required"),
    "errors_title": ("Rätta följande", "Please correct the following"),
    "overlap_intended": (
        "Deltagaren ska ha denna placering vid sidan av en annan",
        "The participant is meant to have this beside another placement",
    ),
    "planned_value_added": ("Planerat mervärde", "Planned added value"),
    "none": ("Inget", "None"),
    "import_title": (
        "Importera placeringar från Excel eller CSV",
        "Import placements from Excel or CSV",
    ),
    "import_intro": (
        "Fyll i mallen, en placering per rad. Giltiga rader registreras; rader med fel "
        "redovisas nedan och registreras inte. Samma fil kan laddas upp igen när felen är "
        "rättade: redan registrerade rader skapas inte två gånger.",
        "Fill in the template, one placement per row. Valid rows are registered; rows with "
        "errors are listed below and not registered. Upload the same file again once the "
        "errors are corrected: rows already registered are not created twice.",
    ),
    "download_template": ("Ladda ner mallen (Excel)", "Download the template (Excel)"),
    "file": ("Fil (.xlsx eller .csv)", "File (.xlsx or .csv)"),
    "report_as": ("Svar", "Answer"),
    "report_page": ("Rapport på sidan", "Report on the page"),
    "report_sheet": ("Kalkylarket med felen markerade", "The sheet with its errors marked"),
    "upload": ("Importera", "Import"),
    "import_result": ("Resultat", "Result"),
    "rows": ("Rader", "Rows"),
    "created": ("Registrerade nu", "Registered now"),
    "already_imported": ("Redan registrerade", "Already registered"),
    "problems": ("Rader med fel", "Rows with errors"),
    "row": ("Rad", "Row"),
    "field": ("Fält", "Field"),
    "rule": ("Regel", "Rule"),
    "message": ("Meddelande", "Message"),
    "not_found": ("Placeringen finns inte.", "No such placement."),
    "withdrawn_notice": (
        "Placeringen är makulerad och kan inte ändras.",
        "The placement was withdrawn and cannot be changed.",
    ),
    "conflict": (
        "Formuläret har redan skickats med andra uppgifter. Ladda om sidan.",
        "This form was already sent with other values. Reload the page.",
    ),
}

RULES_SV: dict[str, str] = {
    "missing": "Fältet måste fyllas i.",
    "string_too_short": "Fältet måste fyllas i.",
    "date_from_datetime_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_format": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "int_parsing": "Ange ett heltal.",
    "int_type": "Ange ett heltal.",
    "dates_in_order": "Slutdatumet ligger före startdatumet.",
    "unique_modules": "En modul bedöms högst en gång per tillfälle.",
    "too_short": "Välj en nivå för minst en modul.",
    "overlapping_placement": "Deltagaren har redan en pågående placering under samma tid.",
    "unchanged": "Rättelsen ändrar ingenting.",
}


def translator(language: Language) -> Callable[[str], str]:
    index = LANGUAGES.index(language)

    def word(key: str) -> str:
        return WORDS[key][index] if key in WORDS else key

    return word


def rule_message(language: Language, rule: str, message: str) -> str:
    """A rule's message for people: in Swedish where known, the API's otherwise."""
    if language == "sv":
        if rule in RULES_SV:
            return RULES_SV[rule]
        if rule.startswith("personnummer."):
            return "Personnumret är inte giltigt (" + message.removeprefix("personnummer: ") + ")."
    return message


def language_of(value: str | None) -> Language:
    return "en" if value == "en" else DEFAULT
