"""Every word the paper prints that is not the certificate's content, in Swedish and English.

The two dictionaries have the same keys (a test checks it). Free text (role, tasks, comments)
is never translated: the labels around it say whose words they are.
"""

from __future__ import annotations

from typing import Any

LABELS: dict[str, dict[str, Any]] = {
    "sv": {
        "title": "Kompetensintyg",
        "subtitle": "Arbetslivserfarenhet och kompetens bedömd på arbetsplatsen",
        "birth_date": "Född",
        "certificate_number": "Intygsnummer",
        "issued_on": "Utfärdat",
        "supersedes": "Detta intyg ersätter intyg {number}, som har återkallats.",
        "summary": "{duration} som {role} vid {workplace}, {hours} timmar i veckan.",
        "summary_modules": "Bedömd i arbetet: {modules}.",
        "summary_module": "{module} {level} ({level_name})",
        "months": {1: "1 månad", "n": "{n} månader"},
        "weeks": {1: "1 vecka", "n": "{n} veckor"},
        "placement_heading": "Anställningen",
        "employer": "Arbetsgivare",
        "workplace": "Arbetsplats",
        "role": "Befattning",
        "period": "Period",
        "hours": "Arbetstid",
        "hours_value": "{hours} timmar i veckan ({rate} % av heltid)",
        "placement_type": "Anställningsform",
        "tasks": "Arbetsuppgifter, som arbetsgivaren beskrivit dem",
        "modules_heading": "Bedömd kompetens",
        "level_note": (
            "Nivån är handledarens senaste bedömning och förklaras med modulens nivåbeskrivning."
        ),
        "scales_lead": "Skalor –",
        "scale_clause": "{modules}: {scale}, nivå {first}–{last}",
        "and": "och",
        "level": "Nivå",
        "progressed": "utveckling från nivå {level}, {n} bedömningar",
        "criteria_met": "Uppfyllda kriterier",
        "comment_supervisor": "Handledarens kommentar, med egna ord",
        "comment_by": "Kommentar av {role}, med egna ord",
        "supervisor_roles": ("handledare", "supervisor"),
        "reference_heading": "Referens",
        "reference_role": "handledare vid {workplace}",
        "reference_contact": "Kontakt förmedlas av utfärdaren.",
        "signed_heading": "Utfärdat för {issuer} av",
        "contact_heading": "Frågor om intyget",
        "verify_text": "Kontrollera att intyget är äkta och gäller: skanna QR-koden eller gå till",
        "qr_alt": "QR-kod med adressen för kontroll av intyget: {url}",
        "qr_caption": "Kontrollera med QR-koden",
        "emblem_alt": "{issuer}s emblem",
        "electronic_note": (
            "Intyget är utfärdat elektroniskt och har ingen namnteckning. Filen är förseglad "
            "av utfärdaren och bär intyget också som digitalt signerat intyg (Open Badges 3.0)."
        ),
        "credential_description": "Intyget som digitalt signerat intyg (Open Badges 3.0)",
        "seal_reason": "Utfärdat av {issuer}",
        "page": "Sida",
        "page_of": "av",
    },
    "en": {
        "title": "Certificate of competence",
        "subtitle": "Work experience and competence assessed at the workplace",
        "birth_date": "Date of birth",
        "certificate_number": "Certificate number",
        "issued_on": "Issued",
        "supersedes": "This certificate replaces certificate {number}, which has been revoked.",
        "summary": "{duration} as {role} at {workplace}, {hours} hours a week.",
        "summary_modules": "Assessed at work: {modules}.",
        "summary_module": "{module} {level} ({level_name})",
        "months": {1: "1 month", "n": "{n} months"},
        "weeks": {1: "1 week", "n": "{n} weeks"},
        "placement_heading": "The employment",
        "employer": "Employer",
        "workplace": "Workplace",
        "role": "Role",
        "period": "Period",
        "hours": "Working hours",
        "hours_value": "{hours} hours a week ({rate}% of full time)",
        "placement_type": "Type of employment",
        "tasks": "Tasks, as described by the employer",
        "modules_heading": "Assessed competence",
        "level_note": (
            "The level is the supervisor's latest assessment and is explained by the module's "
            "level descriptor."
        ),
        "scales_lead": "Scales –",
        "scale_clause": "{modules}: {scale}, levels {first}–{last}",
        "and": "and",
        "level": "Level",
        "progressed": "up from level {level}, {n} assessments",
        "criteria_met": "Criteria met",
        "comment_supervisor": "The supervisor's comment, as written",
        "comment_by": "Comment by the {role}, as written",
        "supervisor_roles": ("handledare", "supervisor"),
        "reference_heading": "Reference",
        "reference_role": "supervisor at {workplace}",
        "reference_contact": "Contact through the issuer.",
        "signed_heading": "Issued for {issuer} by",
        "contact_heading": "Questions about this certificate",
        "verify_text": "Check that it is genuine and valid: scan the QR code or visit",
        "qr_alt": "QR code with the address for verifying the certificate: {url}",
        "qr_caption": "Verify it with the QR code",
        "emblem_alt": "Emblem of {issuer}",
        "electronic_note": (
            "This certificate was issued electronically and carries no handwritten signature. "
            "The file is sealed by the issuer and also carries the certificate as a digitally "
            "signed credential (Open Badges 3.0)."
        ),
        "credential_description": "The certificate as a digitally signed credential "
        "(Open Badges 3.0)",
        "seal_reason": "Issued by {issuer}",
        "page": "Page",
        "page_of": "of",
    },
}
