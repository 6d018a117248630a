"""Write the test corpus under tests/data/ (deterministic; re-run after changing it).

    python tests/data/make_corpus.py

Realistic files sit in tests/data/, odd and broken ones in tests/data/bad/. Every file is small
(< 50 KB); the very wide and very long cases are generated inside the tests instead.
"""

from __future__ import annotations

import gzip
import io
import math
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
BAD = HERE / "bad"


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


def de(x: float, digits: int = 2) -> str:
    """German number format: decimal comma."""
    return f"{x:.{digits}f}".replace(".", ",")


def realistic(rng: random.Random) -> None:
    # a sensor logger export: ';' delimiter, decimal comma, day-first timestamps, a status text
    # column and a few empty cells
    rows = ["Zeitstempel;Temperatur °C;Luftfeuchte %;Druck hPa;Status"]
    for i in range(96):
        hour, minute = divmod(i * 15, 60)
        stamp = f"{1 + hour // 24:02d}.03.2024 {hour % 24:02d}:{minute:02d}:00"
        temp = 21 + 3 * math.sin(i / 12) + rng.gauss(0, 0.2)
        hum = 45 + 10 * math.cos(i / 20) + rng.gauss(0, 0.5)
        pres = 1013 + rng.gauss(0, 1.5)
        cells = [stamp, de(temp), de(hum, 1), de(pres, 1), "OK" if i % 17 else "WARN"]
        if i in (10, 11, 50):
            cells[1] = ""
        rows.append(";".join(cells))
    write(HERE / "sensor_log.csv", "\n".join(rows) + "\n")

    # UCR-style wide file: no header, the class label first, 40 rows x 64 steps
    rows = []
    for i in range(40):
        label = 1 + i % 2
        freq = 0.15 if label == 1 else 0.35
        values = [math.sin(freq * t + rng.uniform(0, 3)) + rng.gauss(0, 0.05) for t in range(64)]
        rows.append(",".join([str(label)] + [f"{v:.4f}" for v in values]))
    write(HERE / "ucr_wide.csv", "\n".join(rows) + "\n")

    # long/panel file: id and date columns, rows ordered by date then id (interleaved), one short unit
    rows = ["unit_id,date,load_kw,temp_c"]
    units = {"A": 60, "B": 60, "C": 60, "D": 10}
    for day in range(60):
        for unit, n in units.items():
            if day < n:
                load = 100 + 10 * "ABCD".index(unit) + 5 * math.sin(day / 5) + rng.gauss(0, 1)
                rows.append(f"{unit},2023-{1 + day // 28:02d}-{1 + day % 28:02d},{load:.2f},"
                            f"{15 + rng.gauss(0, 2):.1f}")
    write(HERE / "panel_long.csv", "\n".join(rows) + "\n")


def zip_bytes() -> bytes:
    """A minimal .xlsx-like zip (what a renamed workbook starts with)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def numbers(rng: random.Random, n: int, cols: int = 2, fmt: str = "{:.3f}") -> list[list[str]]:
    return [[fmt.format(rng.uniform(-50, 50)) for _ in range(cols)] for _ in range(n)]


def bad(rng: random.Random) -> None:
    csv30 = "a,b\n" + "\n".join(",".join(r) for r in numbers(rng, 30)) + "\n"
    files: dict[str, bytes | str] = {
        "empty.csv": b"",
        "whitespace_only.csv": "\n\n   \n\t\n",
        "header_only.csv": "time,value,other\n",
        "header_only_blank_lines.csv": "a,b\n\n\n\n",
        "binary.csv": bytes(rng.randrange(256) for _ in range(2000)) + b"\x00\x00",
        "excel_renamed.csv": zip_bytes(),
        "old_excel.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
        "gzipped.csv": gzip.compress(csv30.encode()),
        "png_image.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100),
        "all_text.csv": "name,city,country\n" + "\n".join(f"person{i},Paris,France" for i in range(30)),
        "dates_only.csv": "date\n" + "\n".join(f"2024-01-{d:02d}" for d in range(1, 29)),
        "only_commas.csv": ",,,\n,,,\n,,,\n",
        "html_page.csv": "<!DOCTYPE html>\n<html><body><h1>Not found</h1></body></html>\n",
        "json_file.csv": '{"a": [1, 2, 3], "b": "text"}\n',
        "nan_heavy.csv": "x,y\n" + "\n".join("1.5,NaN" if i % 5 == 0 else "NA," for i in range(30)),
        "inf_values.csv": "x,y\n" + "\n".join(f"{i},{'inf' if i == 7 else i * 2}" for i in range(30)),
        "one_row.csv": "a,b\n1,2\n",
        "shorter_than_seq_len.csv": "a,b\n" + "\n".join(",".join(r) for r in numbers(rng, 10)),
        "ragged_rows.csv": "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n" + "1,2,3\n" * 30,
        "unclosed_quote.csv": 'a,b\n1,2\n"3,4\n5,6\n',
        "id_one_row_groups.csv": "id,value\n" + "\n".join(f"s{i},{i * 0.5}" for i in range(30)),
        "missing_values.csv": "a,b\n" + "\n".join(
            f"{'' if i in (3, 4) else i},{'' if i == 20 else i * 2}" for i in range(30)),
        # loads
        "latin1_header.csv": ("Température;Débit m³/h\n" + "\n".join(
            f"{de(rng.uniform(10, 30))};{de(rng.uniform(0, 5))}" for _ in range(30)) + "\n").encode("latin-1"),
        "cp1252_euro.csv": ("Preis €,Menge\n" + "\n".join(f"{i}.5,{i}" for i in range(30))).encode("cp1252"),
        "utf8_bom.csv": b"\xef\xbb\xbf" + csv30.replace("a,b", "Date,Value", 1).encode()
        .replace(b"Date,", b"Value2,", 1),
        "utf16_excel_text.csv": ("x\ty\n" + "\n".join(f"{i}\t{i * i}" for i in range(30))).encode("utf-16"),
        "semicolon_decimal_comma.csv": "p;q\n" + "\n".join(f"{de(i / 3)};{de(-i / 7)}" for i in range(30)),
        "tab_separated.csv": "p\tq\tr\n" + "\n".join(f"{i}\t{i + 1}\t{i * 0.5}" for i in range(30)),
        "pipe_separated.csv": "p|q\n" + "\n".join(f"{i}|{i + 1}" for i in range(30)),
        "whitespace_separated.csv": "p  q\n" + "\n".join(f"{i:>3} {i * 2:>5}" for i in range(30)),
        "quoted_numbers.csv": '"a","b"\n' + "\n".join(f'"{i}.25","{-i}"' for i in range(30)),
        "thousands_separators.csv": "price,volume\n" + "\n".join(
            f'"{1000 + i * 111:,}.50","{i * 12345:,}"' for i in range(30)),
        "thousands_eu.csv": "preis;menge\n" + "\n".join(
            f"{1000 + i * 111:,}.50".replace(",", "X").replace(".", ",").replace("X", ".") + f";{i}"
            for i in range(30)),
        "constant_column.csv": "a,flat\n" + "\n".join(f"{i},7.5" for i in range(30)),
        "duplicated_columns.csv": "x,x,y,x\n" + "\n".join(f"{i},{i + 1},{i + 2},{i + 3}" for i in range(30)),
        "html_js_names.csv": '<script>alert(1)</script>,"<img src=x onerror=alert(2)>",=HYPERLINK("x")\n'
        + "\n".join(f"{i},{i * 2},{i * 3}" for i in range(30)),
        "mixed_types.csv": "mostly_numbers,mostly_text,value\n" + "\n".join(
            f"{'oops' if i == 5 else i},{'word' if i % 4 else i},{i * 1.5}" for i in range(30)),
        "trailing_empty_lines.csv": csv30 + "\n\n\n,\n\n",
        "unicode_names.csv": "温度,давление,🌡️ temp\n" + "\n".join(f"{i},{i * 2},{-i}" for i in range(30)),
        "negative_numbers.csv": "a,b\n" + "\n".join(f"-{i}.5,{-i * 100}" for i in range(30)),
        "scientific_notation.csv": "a,b\n" + "\n".join(f"{i}e-3,{i}.5E+06" for i in range(30)),
        "whitespace_padding.csv": " a , b \n" + "\n".join(f"  {i} ,   {i * 2}   " for i in range(30)),
        "unnamed_index.csv": ",a,b\n" + "\n".join(f"{i},{i * 0.5},{i * 3}" for i in range(30)),
        "unnamed_index_pandas.csv": "Unnamed: 0,a\n" + "\n".join(f"{i},{i * 0.5}" for i in range(30)),
        "crlf_line_endings.csv": csv30.replace("\n", "\r\n"),
        "newest_first.csv": "Date,Close\n" + "\n".join(f"2024-02-{d:02d},{100 + d}" for d in range(28, 0, -1)),
        "no_header.csv": "\n".join(",".join(r) for r in numbers(rng, 30, 3)),
        "excel_error_cells.csv": "a,b\n" + "\n".join(f"{'#DIV/0!' if i == 9 else i},{i}" for i in range(30)),
        "single_column.csv": "value\n" + "\n".join(str(i % 7) for i in range(30)),
        "long_with_short_groups.csv": "series,step,v\n" + "\n".join(
            f"{s},{t},{t * 0.1}" for s, n in (("a", 30), ("b", 5), ("c", 28), ("d", 3)) for t in range(n)),
        "comment_preamble.csv": "# exported by logger v2.1\n# site: roof\n\ntime,a,b\n" + "\n".join(
            f"{i},{i * 2},{i % 3}" for i in range(30)),
        "comments_only.csv": "# nothing but a comment\n#\n",
        "blank_lines_inside.csv": "a,b\n1,2\n\n3,4\n\n" + "\n".join(f"{i},{i}" for i in range(30)),
    }
    for name, data in files.items():
        write(BAD / name, data)


def main() -> None:
    realistic(random.Random(7))
    bad(random.Random(11))


if __name__ == "__main__":
    main()
