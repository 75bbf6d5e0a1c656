"""Tell Indonesian from English transcripts by counting common function words.

Transcripts are short, informal and full of names, so a character-n-gram model
would be overkill and brittle; function words (and Indonesian chat words such as
"nggak", "aja", "banget") separate the two languages reliably after a few lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

__all__ = ["EN_WORDS", "ID_WORDS", "detect_language"]

ID_WORDS = frozenset(  # a word block is easier to review than a list
    """
    yang dan di ke dari ini itu dengan untuk tidak tak ada adalah akan saya aku kamu anda dia
    mereka kami kita apa bagaimana kenapa mengapa kapan dimana siapa sudah belum sedang juga
    saja lagi bisa harus karena kalau jika tapi tetapi atau sangat lebih seperti pada dalam oleh
    bahwa ya iya tidak bukan mau ingin boleh coba terima kasih selamat pagi siang sore malam
    silakan baik begitu jadi lalu terus nya pun kok sih dong deh nah yuk ayo nggak ngga gak ga
    enggak engga gue gua gw lo lu loe aja banget udah udh gimana kayak kaya emang bikin sama tau
    tahu pengen pingin nih tuh kan banyak sekali merasa rasa bu pak ibu bapak kak mas mbak
    """.split()  # noqa: SIM905
)

EN_WORDS = frozenset(  # a word block is easier to review than a list
    """
    the a an and or but of to in on at for with from by about as is are was were be been being
    am do does did have has had i you he she it we they me him her us them my your his its our
    their this that these those what how why when where who which not no yes can could would
    should will shall may might must just so very really because if then there here okay ok yeah
    well like feel feeling think know want going get got dont im youre thats its let lets tell
    me more sounds seems
    """.split()  # noqa: SIM905
)

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(texts: Iterable[str]) -> Literal["id", "en"]:
    """Return "id" or "en" for the given utterance texts.

    Ties (including no evidence at all) go to "id": Jalin's users are Indonesian
    and an unknown language is best reported in Bahasa Indonesia.
    """
    id_hits = en_hits = 0
    for text in texts:
        for word in _WORD.findall(text.lower().replace("'", "")):
            # Words in both lists ("a" is not Indonesian, but "di"/"ke" are not English)
            # count for both, which cancels out.
            id_hits += word in ID_WORDS
            en_hits += word in EN_WORDS
    return "en" if en_hits > id_hits else "id"
