"""Property: any chat written in any supported WhatsApp date/time style reads back to the same messages.

Nothing reordered, nothing lost: same senders, same texts, same date and time
(to the minute, or the second when the style shows seconds).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jalin.analysis.parsers.whatsapp import _kind, read_chat_messages

NNBSP = "\u202f"

# (layout, date order, date separator, two-digit year, time separator, seconds, 12-hour, comma after date)
STYLES = st.tuples(
    st.sampled_from(["android", "iphone"]),
    st.sampled_from(["dmy", "mdy", "ymd"]),
    st.sampled_from(["/", ".", "-"]),
    st.booleans(),
    st.sampled_from([".", ":"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
SENDERS = st.sampled_from(["Kak Dina", "Rara", "Ms. Dina", "+62 812-3456-7890", "Bu Sari 🌸", "Rara_A"])
WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKL,.?!'😊🙏é"), min_size=1,
               max_size=30).map(str.strip).filter(bool)
# A message that is exactly one of WhatsApp's placeholders ("null", "image omitted") is skipped by
# design; the property is about everything people actually write.
MESSAGE_TEXT = st.lists(WORD, min_size=1, max_size=3).map("\n".join).filter(lambda text: _kind(text) is None)


def _date(moment: datetime, order: str, sep: str, short_year: bool) -> str:
    year = f"{moment.year % 100:02d}" if short_year and order != "ymd" else f"{moment.year}"
    day, month = f"{moment.day:02d}", f"{moment.month:02d}"
    parts = {"dmy": (day, month, year), "mdy": (month, day, year), "ymd": (f"{moment.year}", month, day)}[order]
    return sep.join(parts)


def _time(moment: datetime, sep: str, seconds: bool, twelve: bool) -> str:
    hour = moment.hour
    if twelve:
        shown = hour % 12 or 12
        text = f"{shown}{sep}{moment.minute:02d}"
    else:
        text = f"{hour:02d}{sep}{moment.minute:02d}"
    if seconds:
        text += f"{sep}{moment.second:02d}"
    if twelve:
        text += f"{NNBSP}{'PM' if hour >= 12 else 'AM'}"
    return text


def _line(style: tuple, moment: datetime, sender: str, text: str) -> str:
    layout, order, dsep, short_year, tsep, seconds, twelve, comma = style
    stamp = f"{_date(moment, order, dsep, short_year)}{',' if comma else ''} {_time(moment, tsep, seconds, twelve)}"
    if layout == "iphone":
        return f"[{stamp}] {sender}: {text}"
    return f"{stamp} - {sender}: {text}"


@settings(max_examples=150, deadline=None)
@given(
    style=STYLES,
    # a day above 12 somewhere makes the day/month order decidable, as in a real chat of any length
    start=st.datetimes(min_value=datetime(2019, 1, 13), max_value=datetime(2030, 12, 31)).filter(
        lambda d: d.day >= 13
    ),
    messages=st.lists(
        st.tuples(SENDERS, MESSAGE_TEXT, st.integers(min_value=0, max_value=6 * 3600)), min_size=1, max_size=25
    ),
)
def test_generated_chat_parses_back_to_the_same_messages(style, start, messages):
    seconds = style[5]
    moment = start.replace(microsecond=0) if seconds else start.replace(second=0, microsecond=0)
    expected = []
    lines = []
    for index, (sender, text, step) in enumerate(messages):
        # The first message is sent at ``start`` (a day above 12), so its date decides the day/month order
        # as a real chat's would; later steps may cross into days that are ambiguous on their own.
        if index:
            moment += timedelta(seconds=step if seconds else step - step % 60)
        expected.append((sender, moment, text))
        lines.append(_line(style, moment, sender, text))
    chat = read_chat_messages("\n".join(lines) + "\n", "chat.txt")
    assert not chat.skipped
    assert [(m.sender, m.sent_at, m.text) for m in chat.messages] == expected
