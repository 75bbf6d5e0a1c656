"""De-identification of free text for training and research, and the de-identified export.

``deidentify_text`` is a pure function: known names (from the database: counselee, guardian,
counselors) are replaced first, then patterns for phones, e-mails, NIK/NISN-like numbers, dates,
addresses, school and university names and honorific + capitalised name ("Bu Rina", "Pak Dedi").
It errs towards removing too much: research data loses a few words, never a name.

``deidentified_export`` writes measures per case and, when the practice app is installed,
transcripts' utterances and label corrections, from counselees whose consent to processing stands.
Restricted notes are never read.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

__all__ = ["NAME", "deidentified_export", "deidentify_text", "known_names"]

NAME, PHONE, EMAIL, ID_NUMBER, DATE, ADDRESS, SCHOOL, PLACE = (
    "[NAMA]", "[TELEPON]", "[EMAIL]", "[NOMOR-ID]", "[TANGGAL]", "[ALAMAT]", "[SEKOLAH]", "[TEMPAT]")

_HONORIFICS = (r"(?:Bu|Ibu|Pak|Bapak|Mas|Mbak|Mba|Kak|Dik|Adik|Bang|Abang|Om|Tante|Bude|Pakde|Teh|Aa|Ko|Ci|"
               r"Dek|Neng|Ustadz|Ustazah|Sdr|Sdri|Saudara|Saudari|Nak|Mr|Mrs|Ms|Miss|Dr|dr|Prof)")
_CAP_WORD = r"[A-Z\u00c0-\u00de][\w'\u00c0-\u024f-]*"

_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), EMAIL),
    (re.compile(r"https?://\S+"), "[URL]"),
    # Dates before long numbers, so "12-05-2009" is a date and not an id.
    (re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"), DATE),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), DATE),
    (re.compile(r"\b\d{1,2}\s+(?:Jan(?:uari|uary)?|Feb(?:ruari|ruary)?|Mar(?:et|ch)?|Apr(?:il)?|Mei|May|"
                r"Jun[ie]?|Jul[iy]?|Agu(?:stus)?|Aug(?:ust)?|Sep(?:tember)?|Okt(?:ober)?|Oct(?:ober)?|"
                r"Nov(?:ember)?|Des(?:ember)?|Dec(?:ember)?)\.?\s+\d{4}\b", re.IGNORECASE), DATE),
    # Id numbers named as such (NIK, NISN, NIM, NIP…), and long digit runs that are not phone numbers.
    (re.compile(r"\b(NIK|NISN|NIS|NIM|NIP|NPWP|NRP|KTP|KK)(\s*[:.]?\s*)(?:\d[\s.-]?){4,}\d\b", re.IGNORECASE),
     r"\1\2" + ID_NUMBER),
    (re.compile(r"\b(?!0|62)\d{10,}\b"), ID_NUMBER),
    # Phones: +62 / 62 / 08…, with spaces, dots or dashes between groups.
    (re.compile(r"(?<![\w])(?:\+62|62|0)[\s.-]?8\d(?:[\s.-]?\d){6,11}\b"), PHONE),
    (re.compile(r"(?<![\w])\(?0\d{2,3}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,5}\b"), PHONE),
    # NIK (16 digits), NISN (10), NIM/NIP and other long numbers: any run of 6+ digits.
    (re.compile(r"\b(?:\d[\s.-]?){5,}\d\b"), ID_NUMBER),
    (re.compile(r"\b(?:Jl|Jln|Jalan|Gg|Gang|Kp|Kampung|Perum|Komplek|Kompleks|Dusun|Desa|Kel|Kelurahan|Kec|"
                r"Kecamatan|RT|RW)\b\.?\s*(?:[\w/.-]+\s?){1,6}", re.IGNORECASE), ADDRESS),
    (re.compile(r"\b(?:SD|SMP|SMA|SMK|MI|MTs|MA|SLB|TK)\b\s*(?:(?:Negeri|Swasta|IT|Islam|Kristen|Katolik|N|S)"
                r"\b\.?)?\s*(?:\d{1,3}\b)?(?:\s+" + _CAP_WORD + r"){0,3}"), SCHOOL),
    (re.compile(r"\b(?:Universitas|Institut|Politeknik|Sekolah Tinggi|Akademi|STAIN|UIN|IAIN|Pesantren|"
                r"Pondok Pesantren|University|College)(?:\s+(?:" + _CAP_WORD + r"|\d+|of|di|dan))+"), SCHOOL),
    (re.compile(r"\b(?:Kota|Kabupaten|Kab\.|Provinsi|Kecamatan|Desa)\s+" + _CAP_WORD + r"(?:\s+" + _CAP_WORD
                + r")?"), PLACE),
    (re.compile(r"\b" + _HONORIFICS + r"\.?\s+" + _CAP_WORD + r"(?:\s+" + _CAP_WORD + r")*"), NAME),
]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _name_pattern(names: list[str]) -> re.Pattern | None:
    """Every known name, and each of its parts of 3+ letters, as whole words, longest first."""
    parts: set[str] = set()
    for name in names:
        name = _fold(name or "").strip()
        if not name:
            continue
        parts.add(name)
        for part in re.split(r"[\s,.;:()\[\]/-]+", name):
            if len(part) >= 3 and not part.isdigit():
                parts.add(part)
    if not parts:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def deidentify_text(text: str, *, names: list[str]) -> str:
    """Replace known names and identifying patterns with placeholders. Pure; safe on any string."""
    if not text:
        return text or ""
    out = _fold(str(text))
    pattern = _name_pattern(list(names))
    if pattern is not None:
        out = pattern.sub(NAME, out)
    for regex, placeholder in _PATTERNS:
        out = regex.sub(placeholder, out)
    if pattern is not None:  # a name split by a replaced token could re-form; run once more
        out = pattern.sub(NAME, out)
    return out


def known_names(counselee=None) -> list[str]:
    """Names the database knows: this counselee's and guardian's, and every counselor's."""
    from django.contrib.auth import get_user_model

    names: list[str] = []
    if counselee is not None:
        names += [counselee.name, counselee.guardian_name]
    for user in get_user_model().objects.all().only("username", "first_name", "last_name"):
        names += [user.username, user.first_name, user.last_name, user.get_full_name()]
    return [n for n in names if n]


def _scrub(value, names):
    if isinstance(value, str):
        return deidentify_text(value, names=names)
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, names) for k, v in value.items()}
    return value


def deidentified_records():
    """Yield one de-identified record per case: measures, and transcripts with label corrections."""
    from django.apps import apps

    from jalin.cases.models import Case

    from .consent import processing_allowed

    have_practice = apps.is_installed("jalin.practice")
    counselor_names = known_names()
    pseudonyms: dict[int, str] = {}
    for case in Case.objects.select_related("counselee").order_by("pk"):
        counselee = case.counselee
        if not processing_allowed(counselee):
            continue  # consent withdrawn: not used for research
        names = [counselee.name, counselee.guardian_name, *counselor_names]
        pseudonyms.setdefault(counselee.pk, f"P{len(pseudonyms) + 1:05d}")
        record = {
            "case": f"C{case.pk:06d}",  # stable within one export, not the case code
            "person": pseudonyms[counselee.pk],
            "area": case.area, "stage": case.stage, "status": case.status,
            "age_band": _age_band(counselee, case), "gender": counselee.gender,
            "measures": [
                {"instrument": a.instrument, "version": a.instrument_version, "language": a.language,
                 "session": a.session.number if a.session_id else None, "mode": a.mode,
                 "answers": a.answers, "total": (a.result or {}).get("total"),
                 "subscales": (a.result or {}).get("subscales"),
                 "band": ((a.result or {}).get("band") or {}).get("id")}
                for a in case.administrations.select_related("session").order_by("administered_at", "pk")],
        }
        if have_practice:
            record["transcripts"] = list(_transcripts(case, names))
        yield record


def _age_band(counselee, case) -> str:
    if counselee.birth_year is None:
        return ""
    age = case.opened_on.year - counselee.birth_year
    return "<13" if age < 13 else "13-15" if age < 16 else "16-18" if age < 19 else "19-24" if age < 25 else "25+"


def _transcripts(case, names):
    from django.apps import apps

    transcript_model = apps.get_model("practice", "Transcript")
    for transcript in transcript_model.objects.filter(session__case=case).select_related("session").order_by("pk"):
        utterances = []
        for number, utterance in enumerate(transcript.utterances or [], start=1):
            item = dict(utterance) if isinstance(utterance, dict) else {"text": str(utterance)}
            for key in ("speaker_name", "name", "speaker_label"):
                item.pop(key, None)
            utterances.append({**{k: v for k, v in item.items() if k in ("speaker", "label", "labels", "start",
                                                                             "end", "language")},
                               "n": number, "text": deidentify_text(str(item.get("text", "")), names=names)})
        yield {
            "session": transcript.session.number, "language": transcript.language, "utterances": utterances,
            "corrections": [{"utterance": c.utterance, "old_label": c.old_label, "new_label": c.new_label,
                             "model_version": c.model_version}
                            for c in transcript.corrections.order_by("pk")],
        }


def deidentified_export(out_dir, *, actor=None) -> dict:
    """Write ``records.jsonl`` and ``README.txt`` to ``out_dir``; return counts. Audited with counts only."""
    from jalin.audit.services import record

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cases = measures = transcripts = 0
    with open(out / "records.jsonl", "w", encoding="utf-8") as fh:
        for item in deidentified_records():
            fh.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
            cases += 1
            measures += len(item["measures"])
            transcripts += len(item.get("transcripts", []))
    (out / "README.txt").write_text(
        "Jalin de-identified export for training and research.\n"
        "One JSON object per case. Names, places, schools, phone numbers, e-mails, dates and id numbers in\n"
        "free text are replaced by placeholders; case and person ids are pseudonyms valid only in this file.\n"
        "Counselees who withdrew consent to processing are left out; restricted notes are never exported.\n",
        encoding="utf-8")
    counts = {"cases": cases, "measures": measures, "transcripts": transcripts}
    record("privacy.deidentified_export", actor=actor, **counts)
    return counts
