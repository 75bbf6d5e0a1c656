"""``jalin analyze`` end to end on invented transcripts (real parser and model)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from jalin.analysis.cli import analyze_main

from .schema_check import validate

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "analysis-output.schema.json").read_text("utf-8"))

SESSION_ID = """\
Konselor: Selamat siang, Nadia. Silakan duduk.
Konseli: Makasih, Bu.
Konselor: Kita punya waktu sekitar 30 menit. Apa yang kamu ceritakan di sini tetap rahasia.
Konseli: Iya, Bu.
Konselor: Apa yang ingin kamu ceritakan hari ini?
Konseli: IPK saya turun, Bu, dan saya takut beasiswa saya dicabut.
Konselor: Kamu cemas beasiswamu hilang.
Konseli: Banget. Orang tua saya belum tahu.
Konselor: Bagaimana ceritanya sampai IPK-mu turun?
Konseli: Saya ikut banyak kepanitiaan, jadi tugas keteteran.
Konselor: Langkah pertama apa yang mau kamu coba minggu ini?
Konseli: Saya mau mundur dari satu kepanitiaan.
Konselor: Kita ketemu lagi Kamis depan, bagaimana?
Konseli: Baik, Bu.
"""

SESSION_EN = """\
Counselor: Hi Sam, come in and take a seat.
Client: Thanks.
Counselor: What would you like to talk about today?
Client: I don't know. My grades, I guess.
Counselor: Sounds like school has been weighing on you.
Client: Yeah, I failed two tests and I feel stupid.
Counselor: What happened before those tests?
Client: I stayed up late gaming every night.
"""

NAMED = """\
Bu Rina: Selamat pagi, Dimas. Silakan duduk.
Dimas: Pagi, Bu.
Bu Rina: Ada yang ingin kamu ceritakan?
Dimas: Saya lagi bingung soal pilihan jurusan.
Bu Rina: Kedengarannya kamu bimbang.
Dimas: Iya, Bu.
"""


@pytest.fixture()
def class_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kelas"
    folder.mkdir()
    (folder / "nadia.txt").write_text(SESSION_ID, encoding="utf-8")
    (folder / "sam.txt").write_text(SESSION_EN, encoding="utf-8")
    (folder / "kosong.txt").write_text("", encoding="utf-8")
    (folder / "satu_pembicara.txt").write_text("Konselor: Halo.\nKonselor: Apa kabar?\n", encoding="utf-8")
    (folder / "catatan.html").write_text("<p>not a transcript</p>", encoding="utf-8")  # ignored by folder scan
    return folder


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(argv: list[str], stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = analyze_main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_single_file_text_to_stdout(tmp_path: Path) -> None:
    code, out, err = run([str(write(tmp_path, "nadia.txt", SESSION_ID))])
    assert code == 0, err
    assert out.startswith("Analisis sesi konseling: nadia.txt")
    assert "Umpan balik" in out
    assert err == ""


def test_single_file_json_validates(tmp_path: Path) -> None:
    code, out, _ = run([str(write(tmp_path, "sam.txt", SESSION_EN)), "--format", "json", "--lang", "en"])
    assert code == 0
    data = json.loads(out)
    assert data["language"] == "en" and data["source"] == "sam.txt"
    assert validate(data, SCHEMA) == []


def test_single_file_html_to_out_file(tmp_path: Path) -> None:
    target = tmp_path / "laporan" / "nadia.html"
    code, out, _ = run([str(write(tmp_path, "nadia.txt", SESSION_ID)), "--format", "html", "--out", str(target)])
    assert code == 0 and out == ""
    html = target.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Analisis sesi konseling" in html


def test_markdown_format(tmp_path: Path) -> None:
    code, out, _ = run([str(write(tmp_path, "nadia.txt", SESSION_ID)), "--format", "md"])
    assert code == 0 and out.startswith("# Analisis sesi konseling: nadia.txt")


def test_class_folder_reports_summary_and_errors(class_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "hasil"
    code, out, err = run([str(class_dir), "--format", "html", "--out", str(out_dir)])
    assert code == 2  # some inputs failed, the others were still analysed
    assert sorted(p.name for p in out_dir.iterdir()) == ["nadia.html", "sam.html", "summary.html"]
    summary = (out_dir / "summary.html").read_text("utf-8")
    assert "nadia.txt" in summary and "sam.txt" in summary and "kosong.txt" in summary
    assert '<a href="nadia.html">nadia.txt</a>' in summary
    lines = [line for line in err.splitlines() if line.strip()]
    assert any("kosong.txt" in line and "kosong" in line for line in lines)  # Indonesian message
    assert any("satu_pembicara.txt" in line for line in lines)
    assert "Traceback" not in err
    assert "2 dari 4 berkas dianalisis" in err
    assert out == ""


def test_errors_in_english(class_dir: Path, tmp_path: Path) -> None:
    code, _, err = run([str(class_dir / "kosong.txt"), str(class_dir / "nadia.txt"), "--lang", "en",
                        "--format", "json", "--out", str(tmp_path / "o")])
    assert code == 2
    error_lines = [line for line in err.splitlines() if "kosong.txt" in line]
    assert len(error_lines) == 1 and "empty" in error_lines[0]
    data = json.loads((tmp_path / "o" / "summary.json").read_text("utf-8"))
    assert [r["source"] for r in data["rows"]] == ["nadia.txt"]
    assert data["failures"][0]["source"] == "kosong.txt"
    report = json.loads((tmp_path / "o" / "nadia.json").read_text("utf-8"))
    assert validate(report, SCHEMA) == []


def test_several_files_to_stdout_text(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.txt", SESSION_ID), write(tmp_path, "b.txt", SESSION_EN)
    code, out, _ = run([str(a), str(b), "--lang", "en"])
    assert code == 0
    assert out.count("Counseling session analysis:") == 2
    assert "R:Q" in out  # the summary table at the end


def test_several_files_json_to_stdout(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.txt", SESSION_ID), write(tmp_path, "b.txt", SESSION_EN)
    code, out, _ = run([str(a), str(b), "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert [r["source"] for r in doc["reports"]] == ["a.txt", "b.txt"]
    assert len(doc["summary"]["rows"]) == 2


def test_html_for_several_files_needs_out(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.txt", SESSION_ID), write(tmp_path, "b.txt", SESSION_EN)
    code, out, err = run([str(a), str(b), "--format", "html"])
    assert code == 2 and out == "" and "--out" in err


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run([str(tmp_path / "tidak_ada.txt")])
    assert code == 2
    assert "tidak_ada.txt" in err and "tidak ditemukan" in err and "Traceback" not in err


def test_missing_model_is_one_line(tmp_path: Path) -> None:
    code, out, err = run([str(write(tmp_path, "a.txt", SESSION_ID)), "--model", str(tmp_path / "nope.model"),
                          "--lang", "en"])
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "model" in err and "Traceback" not in err


def test_counselor_option(tmp_path: Path) -> None:
    code, out, _ = run([str(write(tmp_path, "named.txt", NAMED)), "--counselor", "Bu Rina", "--format", "json"])
    assert code == 0
    first = json.loads(out)["utterances"][0]
    assert first["speaker"] == "counselor" and first["speaker_name"] == "Bu Rina"


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    files = [str(write(tmp_path, f"s{i}.txt", SESSION_ID)) for i in range(3)]
    tty = Tty()
    code, _, _ = run([*files, "--out", str(tmp_path / "o1")], stderr=tty)
    assert code == 0 and "3/3" in tty.getvalue() and "[###" in tty.getvalue()
    code, _, err = run([*files, "--out", str(tmp_path / "o2")])
    assert code == 0 and "[#" not in err and "/3" not in err


def test_same_stem_does_not_overwrite(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    a = write(tmp_path, "sesi.txt", SESSION_ID)
    b = write(tmp_path / "x", "sesi.txt", SESSION_EN)
    code, _, _ = run([str(a), str(b), "--format", "md", "--out", str(tmp_path / "o")])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["sesi-2.md", "sesi.md", "summary.md"]


def test_python_dash_m(tmp_path: Path) -> None:
    path = write(tmp_path, "nadia.txt", SESSION_ID)
    proc = subprocess.run([sys.executable, "-m", "jalin.analysis.cli", str(path), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema"] == "jalin.analysis/1.2"


def _verbatim_docx(path: Path) -> None:
    """A trainee's verbatim: a table with the trainee's own technique per row."""
    import docx

    rows = [
        ("Konselor", "Selamat pagi, Rani. Silakan duduk.", "pembukaan"),
        ("Konseli", "Pagi, Bu.", ""),
        ("Konselor", "Apa yang ingin kamu ceritakan hari ini?", "bertanya terbuka"),
        ("Konseli", "Saya sedih, Bu, nilai saya turun terus dan orang tua marah.", ""),
        ("Konselor", "Kamu merasa sedih dan tertekan karena nilaimu turun.", "refleksi perasaan"),
        ("Konseli", "Iya, Bu. Saya sudah belajar tapi tetap jelek.", ""),
        ("Konselor", "Apakah kamu belajar setiap malam?", "pertanyaan tertutup"),
        ("Konseli", "Nggak juga sih.", ""),
        ("Konselor", "Hmm.", "dorongan minimal"),
        ("Konseli", "Kadang saya main HP sampai malam.", ""),
    ]
    document = docx.Document()
    document.add_paragraph("Verbatim praktik konseling individual")
    table = document.add_table(rows=1, cols=4)
    for cell, head in zip(table.rows[0].cells, ("No", "Pembicara", "Pernyataan", "Teknik")):
        cell.text = head
    for i, (who, text, technique) in enumerate(rows, 1):
        cells = table.add_row().cells
        for cell, value in zip(cells, (str(i), who, text, technique)):
            cell.text = value
    document.save(str(path))


def test_docx_verbatim_with_trainee_labels(tmp_path: Path) -> None:
    path = tmp_path / "verbatim_rani.docx"
    _verbatim_docx(path)
    code, out, err = run([str(path), "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert validate(data, SCHEMA) == []
    student = data["student_labels"]
    assert student is not None
    assert student["labelled"] == 5 and student["mapped"] == 5
    assert 0 <= student["agreement"] <= 1
    ids = {u["index"]: u["student_label_id"] for u in data["utterances"] if u["student_label"]}
    assert ids == {1: "opening", 3: "open_question", 5: "reflection_feeling", 7: "closed_question",
                   9: "minimal_encourager"}
    code, out, _ = run([str(path), "--format", "html"])
    assert code == 0 and "Kesesuaian dengan label mahasiswa" in out


def test_single_file_into_a_new_folder(tmp_path: Path) -> None:
    out = str(tmp_path / "laporan") + "/"
    code, _, _ = run([str(write(tmp_path, "nadia.txt", SESSION_ID)), "--format", "md", "--out", out])
    assert code == 0
    assert (tmp_path / "laporan" / "nadia.md").read_text("utf-8").startswith("# Analisis sesi konseling")


EXPORTS = Path(__file__).parent / "data" / "exports"


def test_guessed_roles_are_said_and_a_speaker_list_maps_three_people(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = analyze_main([str(EXPORTS / "whatsapp_android_id.txt"), "--format", "json", "--lang", "en"],
                        stdout=out, stderr=err)
    assert code == 0
    assert "roles guessed from the talk" in err.getvalue()
    assert "Kak Dina = counselor, Rara = counselee" in err.getvalue()
    assert json.loads(out.getvalue())["utterances"][0]["speaker"] == "counselor"

    family = EXPORTS / "family_three_speakers.txt"
    out, err = io.StringIO(), io.StringIO()
    assert analyze_main([str(family), "--lang", "en"], stdout=out, stderr=err) == 2
    assert "more than two speakers" in err.getvalue()
    roles = tmp_path / "peran.txt"
    roles.write_text("Bu Sari = konselor\nRara = konseli\nIbu Rara = lain\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = analyze_main([str(family), "--speakers", str(roles), "--format", "json"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert [u["speaker_name"] for u in report["utterances"]].count("Ibu Rara") == 0
    assert "roles guessed" not in err.getvalue()


def test_limit_options_refuse_a_long_transcript(tmp_path: Path) -> None:
    path = tmp_path / "sesi.txt"
    path.write_text(SESSION_ID, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = analyze_main([str(path), "--max-utterances", "4", "--lang", "en"], stdout=out, stderr=err)
    assert code != 0
    assert "more than 4 utterances" in err.getvalue() and "line 5" in err.getvalue()
    err = io.StringIO()
    assert analyze_main([str(path), "--max-chars", "0"], stdout=io.StringIO(), stderr=err) == 2
    assert "--max-chars" in err.getvalue()
