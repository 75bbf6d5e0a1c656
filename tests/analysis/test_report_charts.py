"""The HTML report's charts name every part and never cut a label off (issue #10, item 12)."""

import re

from jalin.analysis.report.svg import bar_chart, stacked_bar


def test_every_stage_is_named_even_narrow_or_absent_ones():
    svg = stacked_bar([("tahap awal", 0.04, "#a"), ("tahap inti", 0.96, "#b"), ("tahap akhir", 0.0, "#c")],
                      title="Tahapan")
    texts = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert any(t.startswith("tahap awal") for t in texts)  # too narrow to write in: in the legend
    assert "tahap akhir 0%" in texts
    assert "<title>tahap awal 4%</title>" in svg
    height = int(re.search(r'height="(\d+)"', svg).group(1))
    assert height > 22  # grew for the legend


def test_long_labels_are_not_cut_off_at_the_left():
    label = "parafrase / menangkap pesan utama"
    svg = bar_chart([(label, 3, "3 (10%)", "#a"), ("pertanyaan terbuka", 5, "5 (17%)", "#b")], title="Teknik")
    anchor = float(re.search(rf'<text x="([\d.]+)"[^>]*>{re.escape(label)}</text>', svg).group(1))
    assert anchor - len(label) * 6.2 >= 0  # right-anchored text starts inside the chart
