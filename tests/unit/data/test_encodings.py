"""CSV files as spreadsheet tools and exchanges save them: BOM, CRLF, other encodings; safe writes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from bounty_client.data import DataError, parse_prices_csv, read_prices_csv, write_prices_csv, write_prices_dir

ROWS = [
    ("2022-05-08T00:05:00Z", 94.23, 1287017975, 6618505104),
    ("2022-05-08T00:10:00Z", 94.0, 1287017000, 6618505000),
    ("2022-05-08T00:15:00Z", 93.5, 1280000000.5, 6600000000),
]
LINES = ["2022-05-08T00:05:00Z,94.23,1287017975,6618505104",
         "2022-05-08T00:10:00Z,94,1287017000,6618505000",
         "2022-05-08T00:15:00Z,93.5,1280000000.5,6600000000"]
HEADER = "timestamp,price,volume_24h,market_cap"


def expected() -> pd.DataFrame:
    index = pd.DatetimeIndex([pd.Timestamp(r[0]) for r in ROWS], name="timestamp")
    return pd.DataFrame({"price": [r[1] for r in ROWS], "volume_24h": [float(r[2]) for r in ROWS],
                         "market_cap": [float(r[3]) for r in ROWS]}, index=index)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "utf8-bom"])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("header", [False, True])
def test_read__utf8_with_or_without_bom__any_line_end__right_values(tmp_path, bom, eol, header):
    text = eol.join(([HEADER] if header else []) + LINES) + eol
    path = tmp_path / "LTC-USD.csv"
    path.write_bytes(bom + text.encode())
    df = read_prices_csv(path)
    pd.testing.assert_frame_equal(df, expected())
    assert df.iloc[0].tolist() == [94.23, 1287017975.0, 6618505104.0]
    pd.testing.assert_frame_equal(parse_prices_csv(bom + text.encode(), source="x"), expected())


def test_read__bom_decoded_text__also_accepted():
    """Text someone decoded with plain utf-8 still carries U+FEFF; it is dropped like pandas does."""
    df = parse_prices_csv("\ufeff" + "\n".join(LINES))
    pd.testing.assert_frame_equal(df, expected())


def test_read__the_issue_case__bom_no_longer_breaks_the_first_timestamp(tmp_path):
    path = tmp_path / "LTC-USD.csv"
    path.write_bytes("\n".join(LINES).encode("utf-8-sig"))
    assert read_prices_csv(path).index[0] == pd.Timestamp("2022-05-08T00:05:00Z")


@pytest.mark.parametrize("encoding, name", [
    ("utf-16", "UTF-16 LE"),        # Python writes a little-endian BOM, as Excel's "Unicode text" does
    ("utf-16-be", None),
    ("utf-32", "UTF-32 LE"),
])
def test_read__utf16_or_utf32__refused_naming_the_encoding(tmp_path, encoding, name):
    text = "\n".join(LINES) + "\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
        name = "UTF-16 BE"
    path = tmp_path / "LTC-USD.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match=rf"LTC-USD.csv: encoded as {name} \(byte-order mark [0-9a-f ]+\), "
                                        rf"not UTF-8; save the file as UTF-8"):
        read_prices_csv(path)


def test_read__utf16_without_bom__refused_not_misparsed(tmp_path):
    path = tmp_path / "LTC-USD.csv"
    path.write_bytes(("\n".join(LINES) + "\n").encode("utf-16-le"))
    with pytest.raises(DataError, match=r"contains NUL bytes: encoded as utf-16-le, not UTF-8; save the file as UTF-8"):
        read_prices_csv(path)


def test_read__windows_code_page__refused_naming_the_byte_and_a_detected_encoding(tmp_path):
    text = "# Kurs in \u20ac, Stand: M\u00e4rz\n" + "\n".join(LINES) + "\n"
    path = tmp_path / "LTC-USD.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(DataError) as info:
        read_prices_csv(path)
    message = str(info.value)
    assert message.startswith("LTC-USD.csv: not UTF-8 text (invalid byte 0x80 at byte 10); the encoding looks like ") \
        or message.startswith(f"{path}: not UTF-8 text (invalid byte 0x80 at byte 10); the encoding looks like ")
    assert "utf-8" not in message.split("looks like ")[1].split(";")[0].lower()
    assert message.endswith("save the file as UTF-8 (CSV UTF-8 in a spreadsheet; a byte-order mark is fine)")


# ------------------------------------------------------------------- writes that are safe
def test_write__planted_symlinks_at_old_predictable_temp_names__not_followed(tmp_path):
    """The old writer used .NAME.<pid>.tmp; a symlink there (or anywhere) must never be written through."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = tmp_path / "LTC-USD.csv"
    for name in (f".{path.name}.{os.getpid()}.tmp", f".{path.name}.tmp", f".{path.name}.part"):
        (tmp_path / name).symlink_to(victim)
    frame = expected()
    write_prices_csv(frame, path)
    write_prices_dir({"LTC": frame}, tmp_path)
    assert victim.read_text() == "precious"
    assert not path.is_symlink()
    pd.testing.assert_frame_equal(read_prices_csv(path), frame)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["victim.txt", "LTC-USD.csv", f".{path.name}.{os.getpid()}.tmp", f".{path.name}.tmp",
                           f".{path.name}.part"]), "no temporary file of ours left behind"


def test_write__replaces_a_symlink_at_the_target_instead_of_writing_through_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = tmp_path / "LTC-USD.csv"
    path.symlink_to(victim)
    write_prices_csv(expected(), path)
    assert victim.read_text() == "precious" and not path.is_symlink()


def test_write__file_mode_follows_the_umask_like_open(tmp_path):
    old = os.umask(0o027)
    try:
        path = write_prices_csv(expected(), tmp_path / "LTC-USD.csv")
    finally:
        os.umask(old)
    # the umask is read once at import (0o022 on this machine's test runs), as documented
    assert path.stat().st_mode & 0o777 in (0o644, 0o640)
    assert np.isclose(read_prices_csv(path)["price"].iloc[0], 94.23)
