"""Cues in a trainee turn that the labeller's one label does not carry (Indonesian and English).

The labeller says what kind of response a turn is; these patterns say what it *does* in the session:
greets, promises confidentiality, makes the contract, summarises, plans, runs the LAISEG evaluation,
asks directly about suicide, builds a safety plan, refers, and the faults that close a counselee
("kamu harus", judgement, stacked questions). Both languages are always checked: trainees code-mix.
"""

from __future__ import annotations

import html
import re

from jalin.analysis.parsers.language import EN_WORDS, ID_WORDS

from .errors import TurnError

__all__ = ["MAX_TURN_CHARS", "clean_turn", "find_cues", "safety_elements"]

MAX_TURN_CHARS = 2000

_PATTERNS: dict[str, str] = {
    "greeting": r"\b(selamat (pagi|siang|sore|malam|datang)|assalamu|halo|hai|silakan duduk|apa kabar|"
                r"good (morning|afternoon|evening)|hello|hi\b|welcome|have a seat|how are you)",
    "confidentiality": r"\b(rahasia|kerahasiaan|tidak akan (saya|ibu|bapak) (ceritakan|sampaikan)|"
                       r"confidential|stays? between us|won'?t tell|private)",
    "voluntariness": r"\b(sukarela|tidak dipaksa|boleh tidak menjawab|tidak harus cerita|kapan saja berhenti|"
                     r"bukan untuk (menghukum|dihukum|memarahi)|voluntar|don'?t have to (talk|answer|tell)|"
                     r"not here to (punish|judge)|not (a )?punishment)",
    "contract_time": r"\b(\d+\s*menit|setengah jam|sekitar \d+|\d+\s*minutes|half an hour|"
                     r"(berapa|how many) (kali )?(pertemuan|sessions?|meetings?))",
    "contract_task": r"\b(tugas (kita|kamu|saya|anda)|peran (saya|ibu|bapak|kita)|kita (akan )?bekerja sama|"
                     r"(kesepakatan|sepakat) (kita|tentang)|my (role|job) (is|here)|we('ll| will) work together|"
                     r"your (part|role) is|agree (on|what) (we|to))",
    "summary": r"\b(jadi,? (sejauh ini|sampai (sini|saat ini)|ada (dua|tiga|beberapa) hal)|sejauh ini|"
               r"kalau (ibu|bapak|saya) rangkum|kesimpulannya|so far|to sum up|if i sum|let me summari[sz]e|"
               r"so there are (two|three|a few) things)",
    "plan": r"\b(rencana|langkah (pertama|kecil|apa)|apa yang (akan|mau) (kamu|anda) lakukan|"
            r"mulai (besok|minggu)|coba (lakukan|kamu lakukan)|plan|first step|small step|"
            r"what (will|could|would) you do|starting (tomorrow|this week))",
    "alternatives": r"\b(pilihan|alternatif|kemungkinan (lain|cara)|cara lain|options?|alternatives?|"
                    r"other ways?|possibilities)",
    "laiseg_understanding": r"\b(apa yang (kamu|anda) (pahami|dapat|pelajari)|pemahaman (baru|apa)|"
                            r"what (do |did )?you (understand|learn|take away)|new understanding)",
    "laiseg_comfort": r"\b(bagaimana perasaan(mu| kamu| anda)? (sekarang|setelah)|perasaan(mu)? sekarang|"
                      r"lebih (lega|ringan|tenang)|how (do|are) you feel(ing)? (now|after)|feel now)",
    "laiseg_action": r"\b(apa yang akan (kamu|anda) lakukan|yang akan dilakukan|"
                     r"what (will|are) you (going to )?do (after|next|this)|what you will do)",
    "next_appointment": r"\b(bertemu lagi|ketemu lagi|pertemuan (berikut|selanjutnya)|minggu depan kita|"
                        r"jadwal(kan)? (lagi|berikut)|meet again|next (session|meeting|week)|see you (again|next))",
    "suicide_question": r"\b(bunuh diri|mengakhiri hidup|ingin mati|pengen mati|ingin meninggal|"
                        r"menyakiti diri|melukai diri|tidak ingin hidup|nggak (mau|pengen) hidup|"
                        r"suicid|kill(ing)? yourself|end(ing)? your life|want(ed)? to die|hurt(ing)? yourself|"
                        r"not (want|wanting) to (live|be alive|wake up))",
    "referral": r"\b(merujuk|rujuk(an)?|alih tangan|(menemui|bertemu|ketemu|ke) (konselor lain|psikolog|psikiater)|"
                r"refer(ral|ring)? you|(see|meet) (another counsel+or|a psychologist|a psychiatrist|a specialist))",
    "must_statement": r"\b(kamu harus|anda harus|kamu mesti|lu harus|lo harus|kamu wajib|you (must|have to|should)|"
                      r"you need to|you'?ve got to)\b",
    "judgement": r"\b(malas|nakal|bodoh|lebay|manja|salah kamu|salahmu|memalukan|cengeng|"
                 r"harusnya (kamu )?malu|lazy|silly|stupid|your (own )?fault|overreacting|childish|"
                 r"shame on you|ridiculous)\b",
    "topic_shift": r"\b(ngomong-ngomong|omong-omong|by the way|selain itu,? (apa|bagaimana)|"
                   r"(hobi|hobby|hobbies|kesukaan|suka main|suka apa|favorit|favourite|favorite)|"
                   r"(ceritakan|tell me) (tentang|about) (hal|something|what you (like|enjoy)))",
    "level_change": r"\b(skala|scale of|dari (1|satu) (sampai|hingga) (10|sepuluh)|from (1|one) to (10|ten)|"
                    r"pilih (salah satu|mana)|yang mana|which (one|of)|(a|b) atau (b|c)|either .+ or)",
    "motivate": r"\b(berani|hebat|keren|bagus sekali|salut|aku bangga|saya hargai|menghargai|kekuatan(mu)?|"
                r"brave|courage|well done|i appreciate|proud of you|strength)",
    "safety_warning": r"\b(tanda(-tanda)?( awal)?|kapan (biasanya )?pikiran itu (muncul|datang)|saat(-saat)? "
                      r"(paling )?berat|warning signs?|when (do )?(those|the) thoughts come|hardest moments?)",
    "safety_coping": r"\b(yang bisa (kamu|anda) lakukan sendiri|menenangkan diri|cara (kamu )?bertahan|"
                     r"what (can|could) you do (on your own|yourself|alone)|calm yourself|cope)",
    "safety_people": r"\b(siapa (yang )?(bisa|dapat) (kamu|anda) (hubungi|telepon|ajak bicara|datangi)|orang yang "
                     r"(kamu )?percaya|who (can|could) you (call|talk to|reach)|someone you trust)",
    "safety_professional": r"\b(layanan|hotline|nomor (darurat|bantuan)|sapa 129|119|psikolog|puskesmas|"
                           r"rumah sakit|crisis line|helpline|emergency|hospital|doctor)",
    "safety_means": r"\b(menjauhkan|simpan(kan)?|benda(-benda)? (tajam|berbahaya)|obat(-obatan)?|silet|tali|"
                    r"keep .* (away|safe)|remove|sharp|pills|medicine|means)",
}
_COMPILED = {cue: re.compile(p, re.IGNORECASE) for cue, p in _PATTERNS.items()}
SAFETY_CUES = ("safety_warning", "safety_coping", "safety_people", "safety_professional", "safety_means")

_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_WORD = re.compile(r"[a-zA-Z']+")
_QUESTION_WORDS = re.compile(r"(\b(apakah|kapan|berapa|sudahkah|pernahkah)\b|^\s*(did|do|does|is|are|was|were|"
                             r"have|has|when|how many)\b|[?.!]\s*(did|do|does|is|are|was|were|have|has|when|"
                             r"how many)\b)",
                             re.IGNORECASE)


def find_cues(text: str) -> set[str]:
    """Every cue id whose pattern occurs in ``text``, plus 'stacked_questions'."""
    cues = {cue for cue, pattern in _COMPILED.items() if pattern.search(text)}
    # Two or more questions in one turn, two of them closed: the stacked questions of a nervous trainee
    # ("Apakah kamu bolos? Kapan? Berapa kali?").
    if text.count("?") >= 2 and len(_QUESTION_WORDS.findall(text)) >= 2:
        cues.add("stacked_questions")
    return cues


def safety_elements(cues: set[str]) -> set[str]:
    return {c.removeprefix("safety_") for c in cues if c in SAFETY_CUES}


def clean_turn(text: str | None, lang: str) -> str:
    """The trainee's turn, trimmed; raises TurnError for empty, over-long, HTML or another language."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise TurnError("turn_empty")
    if len(text) > MAX_TURN_CHARS:
        raise TurnError("turn_too_long", length=len(text), limit=MAX_TURN_CHARS)
    unescaped = html.unescape(text)
    tag = _TAG.search(unescaped)
    if tag:
        raise TurnError("turn_html", tag=f"<{tag.group(1).lower()}>")
    words = [w.lower().replace("'", "") for w in _WORD.findall(text)]
    id_hits = sum(w in ID_WORDS for w in words)
    en_hits = sum(w in EN_WORDS for w in words)
    # Trainees code-mix ("kamu ngerasa insecure"); only a turn that is clearly the other language is refused.
    if lang == "id" and en_hits >= 3 and en_hits >= 3 * max(id_hits, 1) - 1 and id_hits <= 1:
        raise TurnError("turn_not_indonesian")
    if lang == "en" and id_hits >= 3 and id_hits >= 3 * max(en_hits, 1) - 1 and en_hits <= 1:
        raise TurnError("turn_not_english")
    return " ".join(text.split())
