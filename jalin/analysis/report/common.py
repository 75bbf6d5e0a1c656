"""What every report format shares: UI words in both languages and the rows of the
metric and task tables, so JSON, HTML, Markdown and text say the same thing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..metrics import OPTIONAL_TASKS
from ..taxonomy import taxonomy
from ..types import AnalysisResult

__all__ = [
    "GROUP_COLORS",
    "KIND_ORDER",
    "SAFETY_STEPS",
    "UI",
    "RiskLine",
    "TaskRow",
    "label_name",
    "lang_of",
    "metric_rows",
    "pct",
    "ratio",
    "risk_lines",
    "stage_spans",
    "task_rows",
    "ui",
]

KIND_ORDER = ("risk", "strength", "improve", "info")

# Colours per label group (colour-blind-safe Okabe–Ito palette where possible); the
# counselee's resistance is red so it stands out in the transcript.
GROUP_COLORS: dict[str, str] = {
    "attending": "#56B4E9",
    "question": "#E69F00",
    "reflection": "#009E73",
    "challenge": "#CC79A7",
    "support": "#F0E442",
    "guidance": "#0072B2",
    "other": "#999999",
    "counselee": "#BBBBBB",
    "resistance": "#D55E00",
}

UI: dict[str, dict[str, str]] = {
    "title": {"id": "Analisis sesi konseling", "en": "Counseling session analysis"},
    "source": {"id": "Berkas", "en": "File"},
    "model": {"id": "Versi model", "en": "Model version"},
    "utterances": {"id": "Ujaran", "en": "Utterances"},
    "risk_title": {"id": "PERHATIAN: ada tanda risiko dalam sesi ini", "en": "ATTENTION: this session contains risk signs"},
    "risk_note": {
        "id": "Kerahasiaan memiliki batas bila ada bahaya bagi diri konseli atau orang lain. Tindak lanjuti hari ini "
        "dan konsultasikan dengan supervisor.",
        "en": "Confidentiality has limits when the counselee or someone else is in danger. Follow up today and "
        "consult your supervisor.",
    },
    "utterance": {"id": "Ujaran", "en": "Utterance"},
    "feedback": {"id": "Umpan balik", "en": "Feedback"},
    "kind_risk": {"id": "Risiko", "en": "Risk"},
    "kind_strength": {"id": "Kekuatan", "en": "Strength"},
    "kind_improve": {"id": "Perlu diperbaiki", "en": "To improve"},
    "kind_info": {"id": "Catatan", "en": "Note"},
    # a feedback item the model is unsure of, asked as a question (issue #12)
    "kind_question": {"id": "Pertanyaan untuk Anda", "en": "Question for you"},
    "metrics": {"id": "Ukuran sesi", "en": "Session metrics"},
    "techniques": {"id": "Teknik konselor", "en": "Counselor techniques"},
    "groups": {"id": "Kelompok teknik", "en": "Technique groups"},
    "counselee_labels": {"id": "Respons konseli", "en": "Counselee responses"},
    "talk": {"id": "Porsi bicara (kata)", "en": "Talk share (words)"},
    "counselor": {"id": "Konselor", "en": "Counselor"},
    "counselee": {"id": "Konseli", "en": "Counselee"},
    "rq_ratio": {"id": "Rasio refleksi : pertanyaan", "en": "Reflection-to-question ratio"},
    "open_share": {"id": "Pertanyaan terbuka (dari terbuka + tertutup)", "en": "Open questions (of open + closed)"},
    "feeling_share": {"id": "Refleksi perasaan (dari semua refleksi)", "en": "Reflections of feeling (of all reflections)"},
    "counselor_talk": {"id": "Porsi kata konselor", "en": "Counselor's share of words"},
    "avg_turn": {"id": "Rata-rata kata per giliran konselor", "en": "Average words per counselor turn"},
    "stacked": {"id": "Pertanyaan bertumpuk", "en": "Stacked questions"},
    "advice_early": {"id": "Nasihat sebelum eksplorasi", "en": "Advice before exploration"},
    "must": {"id": "Ucapan \"kamu harus\"", "en": "\"You must\" phrases"},
    "resistance_share": {"id": "Ujaran konseli yang resisten", "en": "Resistant counselee utterances"},
    "session_kind": {"id": "Jenis sesi", "en": "Session"},
    "first": {"id": "sesi pertama", "en": "first session"},
    "follow_up": {"id": "sesi lanjutan", "en": "follow-up session"},
    "none": {"id": "tidak ada", "en": "none"},
    "at": {"id": "ujaran", "en": "utterance"},
    "stages": {"id": "Tahapan", "en": "Stages"},
    "tasks": {"id": "Tugas tahapan", "en": "Stage tasks"},
    "task": {"id": "Tugas", "en": "Task"},
    "stage": {"id": "Tahap", "en": "Stage"},
    "status": {"id": "Status", "en": "Status"},
    "done": {"id": "dilakukan", "en": "done"},
    "missed": {"id": "tidak ditemukan", "en": "not found"},
    "optional": {"id": "bila perlu", "en": "when needed"},
    "any_stage": {"id": "kapan saja", "en": "any stage"},
    "resistance": {"id": "Episode resistensi", "en": "Resistance episodes"},
    "resistance_mark": {"id": "resistensi", "en": "resistance"},
    "signs": {"id": "Tanda", "en": "Signs"},
    "response": {"id": "Respons konselor berikutnya", "en": "Counselor's next response"},
    "opened": {"id": "Konseli terbuka", "en": "Counselee opened up"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "student": {"id": "Kesesuaian dengan label mahasiswa", "en": "Agreement with the trainee's labels"},
    "student_labelled": {"id": "Ujaran berlabel mahasiswa", "en": "Utterances labelled by the trainee"},
    "student_mapped": {"id": "Label yang dikenali", "en": "Labels recognised"},
    "agreement": {"id": "Kesesuaian", "en": "Agreement"},
    "kappa": {"id": "Kappa Cohen", "en": "Cohen's kappa"},
    "student_label": {"id": "Label mahasiswa", "en": "Trainee's label"},
    "engine_label": {"id": "Label Jalin", "en": "Jalin's label"},
    "disagreements": {"id": "Ketidaksesuaian", "en": "Disagreements"},
    "unmapped": {"id": "Label yang tidak dikenali", "en": "Labels not recognised"},
    "transcript": {"id": "Transkrip berlabel", "en": "Labelled transcript"},
    "no_col": {"id": "No.", "en": "No."},
    "speaker": {"id": "Pembicara", "en": "Speaker"},
    "text": {"id": "Ujaran", "en": "Utterance"},
    "label": {"id": "Label", "en": "Label"},
    "confidence": {"id": "Keyakinan", "en": "Confidence"},
    "notes": {"id": "Catatan", "en": "Notes"},
    "flags": {"id": "Tanda risiko", "en": "Risk signs"},
    "count": {"id": "Jumlah", "en": "Count"},
    "share": {"id": "Porsi", "en": "Share"},
    "value": {"id": "Nilai", "en": "Value"},
    "measure": {"id": "Ukuran", "en": "Measure"},
    "span": {"id": "Rentang", "en": "Span"},
    "disclaimer": {
        "id": "Label dibuat otomatis oleh Jalin dan bisa keliru; gunakan sebagai bahan diskusi supervisi, bukan "
        "penilaian akhir. Laporan ini berisi data konseling yang rahasia.",
        "en": "Labels are produced automatically by Jalin and can be wrong; use them to discuss in supervision, "
        "not as a final grade. This report contains confidential counseling data.",
    },
    "summary_title": {"id": "Ringkasan beberapa sesi", "en": "Summary of several sessions"},
    "failed": {"id": "gagal", "en": "failed"},
    "alternatives": {"id": "Alternatif", "en": "Alternatives"},
    # Short column heads of the multi-file summary table.
    "sum_rq": {"id": "R:P", "en": "R:Q"},
    "sum_open": {"id": "% terbuka", "en": "% open"},
    "sum_feeling": {"id": "% refl. perasaan", "en": "% feeling refl."},
    "sum_talk": {"id": "% kata konselor", "en": "% counselor words"},
    "sum_stacked": {"id": "bertumpuk", "en": "stacked"},
    "sum_advice": {"id": "nasihat dini", "en": "early advice"},
    "sum_resistance": {"id": "resistensi (terbuka)", "en": "resistance (opened)"},
    "sum_missed": {"id": "tugas terlewat", "en": "tasks missed"},
    "sum_risk": {"id": "risiko", "en": "risk"},
    "sum_agreement": {"id": "kesesuaian", "en": "agreement"},
    "sum_kappa": {"id": "kappa", "en": "kappa"},
    "sum_utterances": {"id": "ujaran", "en": "utterances"},
    "stage_band": {"id": "{stage}: ujaran {first}–{last}", "en": "{stage}: utterances {first}–{last}"},
    "risk_lines_intro": {
        "id": "Ujaran konseli yang memuat tanda, berurutan, masing-masing dengan giliran konselor sebelumnya:",
        "en": "The counselee lines that carry the sign, in order, each with the counselor turn before it:",
    },
    "risk_counselor_before": {"id": "Konselor (ujaran {n})", "en": "Counselor (utterance {n})"},
    "risk_why": {"id": "Mengapa ditandai", "en": "Why flagged"},
    "risk_basis_phrase": {"id": "frasa “{e}”", "en": "phrase “{e}”"},
    "risk_basis_screening": {
        "id": "jawaban atas pertanyaan skrining “{e}”",
        "en": "answer to the screening question “{e}”",
    },
    "risk_basis_weak": {"id": "isyarat “{e}”, dikuatkan model", "en": "cue “{e}”, confirmed by the model"},
    "risk_basis_classifier": {"id": "penilaian model ({e})", "en": "model score ({e})"},
    "risk_prompt": {
        "id": "Tanda ini adalah ajakan bagi Anda untuk memeriksa ujaran tersebut sekarang, bukan diagnosis.",
        "en": "A flag is a prompt for you to look at the line now, never a diagnosis.",
    },
    "safety_title": {"id": "Langkah keselamatan", "en": "Safety steps"},
}

# The safety steps of the domain brief, shown with every session that has a flag.
SAFETY_STEPS: dict[str, tuple[str, ...]] = {
    "id": (
        ("Tanyakan langsung dan tenang: apakah konseli berpikir untuk bunuh diri atau menyakiti diri, berniat "
        "menyakiti orang lain, atau ada yang menyakitinya. Bertanya tidak menanamkan gagasan; jawaban “ya” atas "
        "pertanyaan langsung sudah merupakan tanda."),
        ("Susun rencana keselamatan bersama konseli: tanda bahaya, cara menenangkan diri sendiri, orang dan tempat "
        "yang mengalihkan, orang yang bisa dimintai tolong, layanan profesional yang bisa dihubungi, dan "
        "menjauhkan sarana (benda tajam, obat, tali, tempat tinggi)."),
        ("Hari ini juga: konsultasikan dengan supervisor atau koordinator BK; libatkan wali bagi konseli di bawah "
        "umur, kecuali wali itulah sumber bahayanya; rujuk ke psikolog, puskesmas atau rumah sakit bila perlu. "
        "Kekerasan terhadap anak dilaporkan ke UPTD PPA atau polisi."),
        ("Batas kerahasiaan: kerahasiaan mengalah bila ada bahaya bagi konseli atau orang lain. Beri tahu konseli "
        "siapa yang akan diberi tahu dan mengapa, lalu catat siapa yang diberi tahu, kapan, dan alasannya."),
    ),
    "en": (
        ("Ask directly and calmly whether the counselee is thinking of suicide or of hurting themselves, intends "
        "to hurt someone, or is being hurt. Asking does not plant the idea; a “yes” to the direct question is "
        "itself the sign."),
        ("Write a safety plan with the counselee: warning signs, what they can do alone to cope, people and places "
        "that distract, people to ask for help, professionals and services to call, and making the means safer "
        "(blades, medicine, rope, heights)."),
        ("Today: consult your supervisor or the head of counseling; involve a guardian for a minor unless the "
        "guardian is the danger; refer to a psychologist, community health centre or hospital where needed. "
        "Child abuse is reported to the child-protection service (UPTD PPA) or the police."),
        ("Limits of confidentiality: confidentiality yields when the counselee or someone else is in danger. Tell "
        "the counselee who will be told and why, and record who was told, when and why."),
    ),
}


@dataclass
class RiskLine:
    """One flagged line as every report shows it (in the report language)."""

    number: int
    flags: list[str]            # flag names in the report language
    text: str
    why: list[str]              # "phrase “pengen mati”", "answer to the screening question “…”"
    counselor_number: int | None
    counselor_text: str


def risk_lines(risk: Sequence[dict], lang: str) -> list[RiskLine]:
    """The flagged lines of a report's ``risk`` list in transcript order (one per utterance, all its
    flags), each with the counselor turn before it and why it was flagged, in ``lang``. Reads reports
    of schema 1 too (no evidence, no counselor turn)."""
    tx = taxonomy()
    lang = lang if lang in ("id", "en") else "id"
    by_number: dict[int, RiskLine] = {}
    for r in risk:
        line = by_number.get(r["utterance"])
        if line is None:
            turn = r.get("counselor_turn") or {}
            line = by_number[r["utterance"]] = RiskLine(
                number=r["utterance"], flags=[], text=r.get("text", ""), why=[],
                counselor_number=turn.get("utterance"), counselor_text=turn.get("text", ""))
        line.flags.append(tx.name("flag", r["flag"], lang))
        basis, evidence = r.get("basis"), r.get("evidence")
        if basis in ("phrase", "screening", "weak", "classifier") and evidence:
            why = ui(f"risk_basis_{basis}", lang).format(e=" ".join(str(evidence).split()))
            if why not in line.why:
                line.why.append(why)
    return [by_number[n] for n in sorted(by_number)]


def lang_of(result: AnalysisResult) -> str:
    return result.language if result.language in ("id", "en") else "id"


def ui(key: str, lang: str) -> str:
    return UI[key][lang]


def label_name(label: str, lang: str) -> str:
    return taxonomy().name("label", label, lang)


def pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _count_at(count: int, numbers: Sequence[int], lang: str) -> str:
    """ "3 (ujaran 4, 7, 9)", or just "0"."""
    return f"{count} ({ui('at', lang)} {', '.join(str(n) for n in numbers)})" if numbers else str(count)


def metric_rows(result: AnalysisResult) -> list[tuple[str, str]]:
    """(measure, value) rows of the headline metrics in the report language."""
    m, lang = result.metrics, lang_of(result)
    talk = m["talk"]
    return [
        (ui("utterances", lang), (f"{m['utterances']} ({ui('counselor', lang)} {m['counselor_utterances']}, "
                                  f"{ui('counselee', lang)} {m['counselee_utterances']})")),
        (ui("session_kind", lang), ui(m["session"]["kind"], lang)),
        (ui("rq_ratio", lang), f"{ratio(m['reflection_question_ratio'])} ({m['reflections']} : {m['questions']})"),
        (ui("open_share", lang), (f"{pct(m['open_question_share'])} ({m['open_questions']} / "
                                  f"{m['open_questions'] + m['closed_questions']})")),
        (ui("feeling_share", lang), f"{pct(m['feeling_reflection_share'])} ({m['feeling_reflections']} / {m['reflections']})"),
        (ui("counselor_talk", lang), (f"{pct(talk['counselor_share'])} ({talk['counselor_words']} / "
                                      f"{talk['counselor_words'] + talk['counselee_words']})")),
        (ui("avg_turn", lang), "–" if talk["avg_counselor_turn_words"] is None else str(talk["avg_counselor_turn_words"])),
        (ui("stacked", lang), _count_at(m["stacked_questions"]["count"], m["stacked_questions"]["utterances"], lang)),
        (ui("advice_early", lang), _count_at(len(m["advice_before_exploration"]["utterances"]),
                                             m["advice_before_exploration"]["utterances"], lang)),
        (ui("must", lang), _count_at(m["must_phrases"]["count"], m["must_phrases"]["utterances"], lang)),
        (ui("resistance_share", lang), f"{m['resistance']['count']} ({pct(m['resistance']['share'])})"),
    ]


@dataclass
class TaskRow:
    id: str
    name: str
    stage: str          # stage name in the report language
    status: str         # "done" | "missed" | "optional"
    utterances: list[int]


def task_rows(result: AnalysisResult) -> list[TaskRow]:
    """Every taxonomy task with its status, in taxonomy order."""
    tx, lang = taxonomy(), lang_of(result)
    done = {t.id: [i + 1 for i in t.utterances] for t in result.tasks_done}
    rows = []
    for task in tx.tasks:
        stage = tx.task_stage[task]
        stage_name = ui("any_stage", lang) if stage == "any" else tx.name("stage", stage, lang)
        if task in done:
            status = "done"
        elif task in OPTIONAL_TASKS:
            status = "optional"
        else:
            status = "missed"
        rows.append(TaskRow(task, tx.name("task", task, lang), stage_name, status, done.get(task, [])))
    return rows


def stage_spans(result: AnalysisResult) -> list[tuple[str, int, int]]:
    """Consecutive runs of one stage as (stage id, first number, last number)."""
    spans: list[tuple[str, int, int]] = []
    for u in result.utterances:
        n = u.index + 1
        if spans and spans[-1][0] == u.stage:
            spans[-1] = (u.stage, spans[-1][1], n)
        else:
            spans.append((u.stage, n, n))
    return spans
