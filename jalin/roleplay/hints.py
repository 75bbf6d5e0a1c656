"""The "petunjuk" (hint) for the current state of a practice session, drawn from the seeds' guidance."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import RoleplaySession

__all__ = ["HINTS", "hint_for"]

HINTS: dict[str, dict[str, str]] = {
    "open": {"id": "Siapkan diri menerima konseli: sambut dengan namanya, persilakan duduk, mulai dari topik "
                   "netral atau hal yang ia kuasai, bukan dari kelemahannya.",
             "en": "Prepare to receive the counselee: greet them by name, offer a seat, start from a neutral "
                   "topic or something they are good at, not from their weaknesses."},
    "structure": {"id": "Jelaskan strukturnya: berapa lama kita bicara, peran Anda (bukan untuk menghukum), "
                        "kerahasiaan dan batasnya, serta bahwa ia boleh memilih apa yang diceritakan.",
                  "en": "Structure the session: how long you will talk, your role (not to punish), "
                        "confidentiality and its limit, and that they choose what to tell."},
    "reluctant": {"id": "Konseli enggan dan banyak diam. Turunkan level pembicaraan: beri pilihan, skala 1–10, "
                        "pertanyaan konkret; tunggu dengan sabar dan beri dorongan minimal.",
                  "en": "The counselee is reluctant and mostly silent. Lower the level of talk: offer choices, "
                        "a 1–10 scale, concrete questions; wait patiently and use minimal encouragers."},
    "surface": {"id": "Konseli bicara di permukaan. Refleksikan perasaan secara tentatif (\"sepertinya kamu "
                      "merasa…\"); konfrontasi ringan hanya setelah rapport terbentuk.",
                "en": "The counselee is talking on the surface. Reflect the feeling tentatively (\"it sounds "
                      "like you feel…\"); gentle confrontation only once rapport exists."},
    "defensive": {"id": "Konseli defensif. Jangan berdebat atau menasihati; refleksikan perasaannya, tegaskan "
                        "peran Anda, kerahasiaan dan kesukarelaan.",
                  "en": "The counselee is defensive. Do not argue or advise; reflect the feeling, restate your "
                        "role, confidentiality and that talking is voluntary."},
    "persistent": {"id": "Resistensi menetap. Alihkan topik, beri motivasi, atau ubah level diskusi; jika tetap "
                         "resisten, pertimbangkan alih tangan kasus kepada konselor lain.",
                   "en": "The resistance persists. Shift the topic, motivate, or change the level of talk; if it "
                         "still persists, consider referring to another counselor."},
    "explore": {"id": "Gunakan 3M: memperhatikan, memahami, merespon. Refleksi perasaan dan pertanyaan terbuka "
                      "(\"bagaimana…\", \"coba ceritakan…\") membuka lapisan yang lebih dalam.",
                "en": "Use the 3M: attend, understand, respond. Reflecting feelings and open questions "
                      "(\"how…\", \"tell me about…\") open the deeper layers."},
    "risk_ask": {"id": "Ada tanda keputusasaan. Tanyakan langsung dan tenang apakah ia pernah berpikir untuk "
                       "mengakhiri hidup; bertanya tidak menanamkan gagasan itu.",
                 "en": "There are signs of hopelessness. Ask directly and calmly whether they have thought of "
                       "ending their life; asking does not plant the idea."},
    "risk_plan": {"id": "Susun rencana keselamatan bersama: tanda peringatan, yang bisa ia lakukan sendiri, orang "
                        "yang bisa dihubungi, layanan profesional, dan menjauhkan sarana berbahaya. Konsultasikan "
                        "dengan supervisor hari ini.",
                  "en": "Make a safety plan together: warning signs, what they can do alone, people to call, "
                        "professional services, and making the means safer. Consult your supervisor today."},
    "plan": {"id": "Masuki tahap akhir: simpulkan bersama apa yang sudah dibahas, lalu susun rencana tindakan "
                   "yang dipilih konseli sendiri.",
             "en": "Move to the final stage: sum up together what you talked about, then make an action plan "
                   "the counselee chooses."},
    "laiseg": {"id": "Lakukan penilaian segera (LAISEG): apa yang ia pahami sekarang, bagaimana perasaannya, "
                     "dan apa yang akan ia lakukan.",
               "en": "Do the immediate evaluation (LAISEG): what they understand now, how they feel, and what "
                     "they will do."},
    "close": {"id": "Sepakati pertemuan berikutnya dan tutup sesi dengan hangat.",
              "en": "Agree the next meeting and close the session warmly."},
}


def hint_key(session: RoleplaySession) -> str:
    s, sc = session.state, session.scenario
    if "rapport" not in s.tasks and s.turns == 0:
        return "open"
    if sc.risk and s.risk_hinted and not s.asked_directly:
        return "risk_ask"
    if sc.risk and s.risk_disclosed and len(s.safety) < 3:
        return "risk_plan" if s.asked_directly else "risk_ask"
    if s.level >= 2:
        open_episode = s.episodes[-1] if s.episodes and s.episodes[-1]["end_turn"] is None else None
        if open_episode and len(open_episode["responses"]) >= 3:
            return "persistent"
        if "structuring" not in s.tasks and "confidentiality" not in s.tasks:
            return "structure"
        return s.kind
    if s.disclosed < len(sc.layers):
        return "explore"
    if "action_plan" not in s.tasks:
        return "plan"
    if "evaluation" not in s.tasks:
        return "laiseg"
    return "close"


def hint_for(session: RoleplaySession, lang: str | None = None) -> str:
    return HINTS[hint_key(session)][lang or session.lang]
