"""Read an import file: decode it, check its CSV structure and header, then hand out its rows.

Everything that makes the whole file unusable is found here, before the importer writes anything.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any


class ImportFileError(ValueError):
    """The file cannot be imported at all (encoding, header); nothing was imported."""


def read_rows(data: bytes, columns: tuple[str, ...],
              optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Check encoding, CSV structure and header now (ImportFileError), then yield (line, cells or
    the reason the row is rejected). Blank lines (also Excel's ",,,,") are skipped; the order of
    the columns does not matter. `optional` columns may be left out; a row's cells name only the
    columns the file has.
    """
    text = _decode(data)
    _check_structure(text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader, None)
    index = _check_header(header, columns, optional)
    return _records(reader, index, len(header or ()))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # also strips Excel's byte order mark
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"the file is not UTF-8 text (first bad byte on line {line}); "
            "in Excel use 'Save As' > 'CSV UTF-8 (Comma delimited)'"
        ) from None


def _check_structure(text: str) -> None:
    """A broken quote makes the rest of the file unreadable, so find it before writing anything."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    try:
        for _ in reader:
            end = reader.line_num
    except csv.Error as exc:
        raise ImportFileError(f"line {end + 1} cannot be read as CSV ({exc}); check its quotes") from None


def _check_header(header: list[str] | None, columns: tuple[str, ...],
                  optional: tuple[str, ...] = ()) -> dict[str, int]:
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError(f"the file is empty; the first line must be the header: {','.join(columns)}")
    names = [cell.strip().lower() for cell in header]
    known = (*columns, *optional)
    missing = [c for c in columns if c not in names]
    extra = [n or "(empty)" for n in names if n not in known]
    repeated = sorted({n for n in names if n in known and names.count(n) > 1})
    if not (missing or extra or repeated):
        return {name: names.index(name) for name in known if name in names}
    problems = []
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    if extra:
        problems.append("unexpected column(s): " + ", ".join(extra))
    if repeated:
        problems.append("repeated column(s): " + ", ".join(repeated))
    hint = ""
    if len(names) == 1 and ";" in header[0]:
        hint = " (the file seems to use ';' between columns: save it as CSV with commas)"
    also = f" (and, if you have them: {','.join(optional)})" if optional else ""
    raise ImportFileError(f"wrong header: {'; '.join(problems)}{hint}. Expected: {','.join(columns)}{also}")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _records(reader: Any, index: dict[str, int], width: int) -> Iterator[tuple[int, dict[str, str] | str]]:
    previous_end = reader.line_num
    for cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            yield line, f"expected {width} columns, found {len(cells)}"
            continue
        bad = next((name for name, i in index.items() if _CONTROL.search(cells[i])), None)
        if bad is not None:
            # A NUL cannot even be stored in PostgreSQL: refuse the row, keep the others.
            yield line, f"{bad} holds a control character (such as NUL): retype it"
            continue
        yield line, {name: cells[i].strip() for name, i in index.items()}
