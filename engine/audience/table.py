"""Reading an analytics export: tolerant columns, numbers and durations as platforms write them.

YouTube Studio's export (Advanced mode > Export > "Table data.csv") has one row per video plus
a "Total" row; Vimeo and others write similar tables with other names for the same columns.
Headers are matched loosely (case, spacing, punctuation and units ignored), values may carry
thousands separators (``1,234``), percent signs or ``h:mm:ss`` durations (``0:04:31``).
Problems in a row are reported as one line naming the file, the row and the value; only an
unusable table (empty, no target column) is an error.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path


class AudienceError(ValueError):
    """Input the audience tools cannot use; the message is one line naming the file."""


#: Canonical column -> the header spellings we understand (compared after ``_norm``).
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "content": ("content", "video id", "video", "id", "clip id"),
    "title": ("video title", "title", "name", "video name"),
    "publish_time": ("video publish time", "publish time", "published", "upload date", "date"),
    "duration": ("duration", "length", "video length", "duration (s)"),
    "views": ("views", "plays", "play count"),
    "average_view_duration": ("average view duration", "avg view duration", "average watch time",
                              "mean watch time"),
    "average_percentage_viewed": ("average percentage viewed (%)", "average percentage viewed",
                                  "avg % viewed", "average % viewed", "retention", "average completion",
                                  "completion rate"),
    "impressions": ("impressions",),
    "ctr": ("impressions click-through rate (%)", "impressions click-through rate", "click-through rate",
            "ctr", "ctr (%)"),
    "watch_time_hours": ("watch time (hours)", "watch time"),
    "subscribers": ("subscribers", "subscribers gained"),
    "file": ("file", "path", "file path", "media"),
}
#: Columns holding durations (``h:mm:ss`` or seconds).
DURATION_COLUMNS = ("duration", "average_view_duration")
#: Columns that are text, never a target.
TEXT_COLUMNS = ("content", "title", "publish_time", "file")


def _norm(header: str) -> str:
    text = header.strip().lower().replace("%", " percent ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


_ALIASES = {_norm(alias): canonical for canonical, aliases in KNOWN_COLUMNS.items() for alias in aliases}


def canonical_column(header: str) -> str | None:
    """Our name for a header, or None when we do not understand it."""
    return _ALIASES.get(_norm(header))


_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def parse_number(text: str) -> float | None:
    """``1,234`` -> 1234, ``45.2 %`` -> 45.2, ``0:04:31`` -> 271 (seconds), ``''`` -> None.

    Raises:
        ValueError: not a number or a duration.
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if s in ("", "-", "—", "n/a", "N/A"):
        return None
    m = _DURATION.match(s)
    if m:
        hours = int(m.group(1) or 0)
        return hours * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    s = s.rstrip("%")
    # "1,234" and "1,234.5" are thousands; a lone comma with 1-2 decimals ("45,2") is a decimal comma
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"[-+]?\d+,\d{1,2}", s):
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None


@dataclass
class HistoryRow:
    """One video of the export.

    Attributes:
        line: Line number in the CSV (the header is line 1), for messages.
        values: Canonical or original column name -> number, for the numeric columns.
    """

    line: int
    content: str
    title: str
    file: str
    values: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.title or self.content or self.file or f"line {self.line}"


@dataclass
class HistoryTable:
    """The rows of one export, with what was not understood and what was wrong."""

    path: Path
    target: str
    rows: list[HistoryRow]
    columns: dict[str, str]  # original header -> canonical name (or the header itself)
    not_understood: list[str]
    problems: list[str]

    def targets(self) -> list[float]:
        return [r.values[self.target] for r in self.rows]


def _sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_history(path: str | PathLike[str], target: str) -> HistoryTable:
    """Rows of an analytics export that have a usable ``target`` value.

    Args:
        path: The CSV.
        target: The column to learn, as written in the export or any spelling it
            is known by ("Average percentage viewed (%)", "retention").

    Raises:
        AudienceError: unreadable or empty file, or no column for ``target``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AudienceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves few bytes undecodable; anything else is not a table
        raise AudienceError(f"{path}: not a text CSV file")
    if "\x00" in text:
        raise AudienceError(f"{path}: not a text CSV file")
    if not text.strip():
        raise AudienceError(f"{path}: the file is empty")
    reader = csv.reader(io.StringIO(text), _sniff(text))
    try:
        records = [r for r in reader]
    except csv.Error as exc:
        raise AudienceError(f"{path}: not a readable CSV ({exc})") from None
    records = [r for r in records if any(c.strip() for c in r)]
    if not records:
        raise AudienceError(f"{path}: the file is empty")
    header = [h.strip() for h in records[0]]
    columns: dict[str, str] = {}
    not_understood = []
    for h in header:
        canonical = canonical_column(h)
        if canonical is None and h:
            not_understood.append(h)
        columns[h] = canonical or h
    wanted = canonical_column(target) or target
    by_norm = {_norm(h): h for h in header}
    if wanted not in columns.values():
        # an unknown column named exactly (after normalising) as asked is still a target
        original = by_norm.get(_norm(target))
        if original is None:
            listed = ", ".join(repr(h) for h in header if h) or "none"
            raise AudienceError(f"{path}: no column {target!r} to learn (columns: {listed})")
        wanted = columns[original]
    if wanted in TEXT_COLUMNS:
        raise AudienceError(f"{path}: column {target!r} holds text, not a number to learn")
    if len(records) < 2:
        raise AudienceError(f"{path}: no data rows under the header")

    rows: list[HistoryRow] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for number, record in enumerate(records[1:], start=2):
        cells = {columns[h]: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header) if h}
        if cells.get("content", "").lower() == "total":
            continue  # YouTube's summary row
        row = HistoryRow(number, cells.get("content", ""), cells.get("title", ""), cells.get("file", ""))
        where = f"{path.name}: line {number}" + (f" ({row.label!r})" if row.label != f"line {number}" else "")
        if len(record) > len(header):
            problems.append(f"{where}: {len(record)} cells under {len(header)} headers; the extra ones are ignored")
        bad_target = False
        for name, value in cells.items():
            if name in TEXT_COLUMNS:
                continue
            try:
                number_value = parse_number(value)
            except ValueError as exc:
                if name != wanted and name not in KNOWN_COLUMNS:
                    continue  # a column we do not use: its text is no problem of this row
                original = next(h for h, c in columns.items() if c == name)
                problems.append(f"{where}: {original!r}: {exc}"
                                + ("; row left out" if name == wanted else ""))
                bad_target |= name == wanted
                continue
            if number_value is not None:
                row.values[name] = number_value
        if bad_target:
            continue
        if wanted not in row.values:
            problems.append(f"{where}: no value for {target!r}; row left out")
            continue
        identity = (row.content,) if row.content else (row.title.lower(), row.file)
        if identity in seen:
            problems.append(f"{where}: duplicates line {seen[identity]} (same video); the first is kept")
            continue
        seen[identity] = number
        rows.append(row)
    if not rows:
        raise AudienceError(f"{path}: no row has a usable {target!r} value"
                            + (f" ({problems[0]})" if problems else ""))
    return HistoryTable(path, wanted, rows, columns, not_understood, problems)
