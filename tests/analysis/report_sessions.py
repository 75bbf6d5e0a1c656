"""Invented, hand-labelled sessions for the metrics, feedback and report tests.

Each row: (speaker, text, label, stage, tasks, flags); "K" = counselor, "S" = counselee.
Labels follow docs/labelling-rules.md so the numbers the tests expect can be checked
by reading the session. No real people.
"""

from __future__ import annotations

from dataclasses import replace

from jalin.analysis.taxonomy import taxonomy
from jalin.analysis.types import AnalysisResult, LabelledUtterance, Transcript, Utterance

Row = tuple[str, str, str, str, list[str], list[str]]


def build(rows: list[Row], confidence: float = 0.9, names: tuple[str, str] = ("Bu Rina", "Dimas")) -> list[LabelledUtterance]:
    tx = taxonomy()
    out = []
    for i, (who, text, label, stage, tasks, flags) in enumerate(rows):
        speaker = "counselor" if who == "K" else "counselee"
        out.append(
            LabelledUtterance(
                index=i,
                speaker=speaker,
                speaker_name=names[0] if speaker == "counselor" else names[1],
                text=text,
                label=label,
                group=tx.group_of[label],
                confidence=confidence,
                alternatives=[("other", round(1 - confidence, 2))],
                flags=list(flags),
                stage=stage,
                tasks=list(tasks),
                line=i + 1,
            )
        )
    return out


# A weak trainee with a reluctant student sent by the homeroom teacher: "nggak tahu"
# three times, stacked and closed questions, early advice with "kamu harus", no time
# contract, no structuring or confidentiality, no evaluation or next appointment.
WEAK_ID: list[Row] = [
    ("K", "Selamat pagi, Dimas. Silakan duduk.", "opening", "awal", ["rapport"], []),            # 1
    ("S", "Pagi, Bu.", "neutral", "awal", [], []),                                                # 2
    ("K", "Kamu tahu kenapa dipanggil ke sini? Sudah dikasih tahu wali kelas?", "closed_question", "awal", [], []),  # 3
    ("S", "Nggak tahu, Bu.", "reluctant", "awal", [], []),                                        # 4
    ("K", "Nilai kamu turun. Apakah kamu ada masalah di rumah?", "closed_question", "awal", [], []),  # 5
    ("S", "Nggak tahu.", "reluctant", "awal", [], []),                                            # 6
    ("K", "Masa nggak tahu? Kamu sering main HP sampai malam?", "closed_question", "awal", [], []),  # 7
    ("S", "Ya... nggak tau juga sih.", "reluctant", "awal", [], []),                              # 8
    ("K", "Kamu harus tidur lebih awal dan kurangi main game.", "advice", "awal", [], []),        # 9
    ("S", "Iya, Bu.", "neutral", "awal", [], []),                                                 # 10
    ("K", "Apakah kamu sudah belajar untuk ulangan besok?", "closed_question", "inti", [], []),  # 11
    ("S", "Belum.", "reluctant", "inti", [], []),                                                 # 12
    ("K", "Kenapa belum? Kapan kamu mau mulai belajar? Siapa yang bisa bantu kamu?", "open_question", "inti", [], []),  # 13
    ("S", "Sebenarnya saya capek, Bu. Di rumah orang tua saya sering bertengkar sampai malam.", "disclosure", "inti", ["problem_definition"], []),  # 14
    ("K", "Apakah mereka bertengkar setiap hari?", "closed_question", "inti", [], []),           # 15
    ("S", "Hampir tiap malam. Saya jadi nggak bisa tidur dan di sekolah ngantuk terus.", "disclosure", "inti", [], []),  # 16
    ("K", "Sebaiknya kamu pakai earphone saja kalau mereka bertengkar.", "advice", "inti", [], []),  # 17
    ("S", "Udah pernah, Bu, tetap kedengeran.", "disclosure", "inti", [], []),                    # 18
    ("K", "Ya sudah, kamu harus tetap fokus belajar. Nanti Ibu panggil lagi.", "advice", "akhir", [], []),  # 19
    ("S", "Iya, Bu.", "neutral", "akhir", [], []),                                                # 20
]

# A good first session at a campus counseling centre: structuring, confidentiality,
# time contract, a defensive start that softens after a reflection, reflections of
# feeling, open questions, affirmation, a plan, evaluation and the next appointment.
GOOD_ID: list[Row] = [
    ("K", "Selamat siang, Nadia. Silakan duduk di mana saja yang nyaman.", "opening", "awal", ["rapport"], []),  # 1
    ("S", "Makasih, Bu.", "neutral", "awal", [], []),                                              # 2
    ("K", "Sebelum mulai, Ibu jelaskan dulu ya. Di sini kita ngobrol bersama, Ibu tidak menilai atau menghukum. Apa yang kamu ceritakan tetap rahasia, kecuali kalau ada bahaya bagi dirimu atau orang lain.", "structuring", "awal", ["structuring", "confidentiality"], []),  # 3
    ("K", "Kita punya waktu sekitar 45 menit hari ini, ya.", "structuring", "awal", ["contract_time"], []),  # 4
    ("S", "Sebenarnya saya ke sini cuma disuruh dosen wali.", "defensive", "awal", [], []),       # 5
    ("K", "Kedengarannya kamu agak terpaksa datang ke sini, dan itu wajar.", "reflection_feeling", "awal", [], []),  # 6
    ("S", "Iya sih... tapi jujur saya memang lagi kacau. IPK saya turun dan saya takut beasiswa dicabut.", "disclosure", "awal", ["problem_definition"], []),  # 7
    ("K", "Kamu cemas beasiswamu hilang.", "reflection_feeling", "inti", [], []),                   # 8
    ("S", "Banget, Bu. Orang tua saya nggak tahu soal ini.", "disclosure", "inti", [], []),       # 9
    ("K", "Bagaimana ceritanya sampai IPK-mu turun semester ini?", "open_question", "inti", ["exploration"], []),  # 10
    ("S", "Saya ikut organisasi, jadi sering rapat sampai malam dan tugas keteteran.", "disclosure", "inti", [], []),  # 11
    ("K", "Jadi waktumu habis untuk organisasi, dan kuliah jadi tertinggal.", "paraphrase", "inti", [], []),  # 12
    ("S", "Iya. Saya nggak enak nolak kalau diminta bantu.", "disclosure", "inti", [], []),        # 13
    ("K", "Sepertinya kamu merasa bersalah kalau menolak teman.", "reflection_feeling", "inti", [], []),  # 14
    ("S", "Betul, Bu.", "neutral", "inti", [], []),                                                # 15
    ("K", "Apa yang terjadi kalau kamu bilang tidak?", "open_question", "inti", [], []),          # 16
    ("S", "Mungkin mereka kecewa, tapi sebenarnya saya yang paling rugi kalau begini terus.", "change_talk", "inti", ["reassessment"], []),  # 17
    ("K", "Butuh keberanian untuk melihat hal itu dengan jujur.", "affirmation", "inti", [], []),  # 18
    ("K", "Coba ceritakan pilihan apa saja yang terpikir olehmu.", "open_question", "inti", ["alternatives"], []),  # 19
    ("S", "Mungkin saya mundur dari satu kepanitiaan, dan bikin jadwal belajar.", "change_talk", "inti", ["alternatives"], []),  # 20
    ("K", "Sejauh ini ada dua hal: kamu cemas soal beasiswa, dan kamu mau mengurangi kepanitiaan.", "summary", "akhir", ["conclusion"], []),  # 21
    ("K", "Langkah pertama apa yang mau kamu coba minggu ini?", "planning", "akhir", ["action_plan"], []),  # 22
    ("S", "Saya bilang ke ketua panitia hari Jumat kalau saya mundur.", "change_talk", "akhir", ["action_plan"], []),  # 23
    ("K", "Apa yang kamu pahami dan rasakan setelah ngobrol hari ini?", "open_question", "akhir", ["evaluation"], []),  # 24
    ("S", "Lebih lega, Bu. Saya jadi tahu harus mulai dari mana.", "change_talk", "akhir", ["evaluation"], []),  # 25
    ("K", "Kita ketemu lagi Kamis depan jam 10, bagaimana?", "planning", "akhir", ["next_appointment"], []),  # 26
    ("S", "Baik, Bu. Terima kasih.", "neutral", "akhir", [], []),                                  # 27
]

# An English session with a risk sign and a referral; stops in the working stage.
RISK_EN: list[Row] = [
    ("K", "Hi Sam, come in. Have a seat.", "opening", "awal", ["rapport"], []),                    # 1
    ("K", "Just so you know, what we talk about stays here unless someone is in danger. We have about 30 minutes.", "structuring", "awal", ["confidentiality", "contract_time", "structuring"], []),  # 2
    ("S", "Okay.", "neutral", "awal", [], []),                                                     # 3
    ("K", "What brings you in today?", "open_question", "awal", [], []),                           # 4
    ("S", "I don't know. Things are just bad.", "reluctant", "awal", [], []),                     # 5
    ("K", "Sounds like everything feels heavy right now.", "reflection_feeling", "inti", [], []),  # 6
    ("S", "Yeah. Honestly sometimes I think everyone would be better off without me.", "disclosure", "inti", ["exploration"], ["risk_self"]),  # 7
    ("K", "Thank you for telling me that. Are you having thoughts of ending your life?", "closed_question", "inti", [], []),  # 8
    ("S", "Sometimes, at night.", "disclosure", "inti", [], ["risk_self"]),                        # 9
    ("K", "I'd like you to also see Dr. Lestari at the campus clinic, who works with this every day. Would that be okay?", "information", "inti", ["referral"], []),  # 10
    ("S", "I guess so.", "neutral", "inti", [], []),                                               # 11
]

# A follow-up session that recaps the last meeting.
FOLLOW_UP_ID: list[Row] = [
    ("K", "Halo Dimas, minggu lalu kita sudah bahas soal jadwal belajarmu.", "opening", "awal", ["rapport"], []),  # 1
    ("S", "Iya Bu, saya sudah coba.", "neutral", "awal", [], []),                                  # 2
    ("K", "Bagaimana hasilnya?", "open_question", "inti", ["exploration"], []),                    # 3
    ("S", "Lumayan, tapi masih susah bangun pagi.", "disclosure", "inti", [], []),                 # 4
]


def weak_id() -> list[LabelledUtterance]:
    return build(WEAK_ID)


def good_id() -> list[LabelledUtterance]:
    return build(GOOD_ID, names=("Bu Sari", "Nadia"))


def risk_en() -> list[LabelledUtterance]:
    return build(RISK_EN, names=("Counselor", "Sam"))


def follow_up_id() -> list[LabelledUtterance]:
    return build(FOLLOW_UP_ID)


class FakeModel:
    """Stands in for the trained model: returns prepared labels for a transcript."""

    version = "fake-1"

    def __init__(self, utterances: list[LabelledUtterance]) -> None:
        self.utterances = utterances

    def predict(self, transcript: Transcript) -> list[LabelledUtterance]:
        return [replace(u) for u in self.utterances]


def transcript_of(utts: list[LabelledUtterance], source: str = "sesi.txt",
                  student: dict[int, str] | None = None) -> Transcript:
    """The transcript the labelled utterances came from; ``student`` = {1-based number: trainee label}."""
    student = student or {}
    return Transcript(
        utterances=[
            Utterance(index=u.index, speaker=u.speaker, text=u.text, speaker_name=u.speaker_name, line=u.line,
                      student_label=student.get(u.index + 1))
            for u in utts
        ],
        source=source,
        format="text",
        counselor_name=next((u.speaker_name for u in utts if u.speaker == "counselor"), ""),
        language=None,
    )


def result_of(utts: list[LabelledUtterance], lang: str = "id", source: str = "sesi.txt",
              student: dict[int, str] | None = None) -> AnalysisResult:
    from jalin.analysis.engine import analyze

    return analyze(transcript_of(utts, source, student), lang=lang, model=FakeModel(utts))
