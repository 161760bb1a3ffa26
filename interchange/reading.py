"""Reading an uploaded file safely: size, encoding, kind of content, JSON nesting, rows.

Anything that is not what it claims raises `FileRefused` with a message for the user (the API
answers 400 with it). Nothing here ever opens a network connection: a URL in a file is text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# What a file starts with when it is an archive or a binary document, not text.
_MAGIC = {
    b"PK\x03\x04": "a zip archive",
    b"PK\x05\x06": "a zip archive",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an Office document",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
}


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing of it is imported."""


@dataclass
class ParsedRow:
    """One candidate indicator as the file gives it (the value as entered)."""

    ref: str
    kind: str
    value: str
    qualifier: str = ""
    note: str = ""
    first_seen: date | None = None
    last_seen: date | None = None
    takedown_status: str = ""
    error: str = ""  # a field of the row itself unreadable (a malformed date)


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    skipped: list[dict[str, str]] = field(default_factory=list)


_ROW_TEXT = ("ref", "kind", "value", "qualifier", "note", "takedown_status", "error")


def without_nul(parsed: ParsedFile) -> ParsedFile:
    """Each row holding a NUL character (U+0000, written `\\u0000` in JSON, or in a CSV past
    the part read for the binary check) is refused, named in the report, with the NUL removed
    so the row can be stored: no field holds one, and PostgreSQL refuses it in text."""
    message = _("This row holds a NUL character (U+0000), which no field can hold.")
    for row in parsed.rows:
        texts = {name: getattr(row, name) for name in _ROW_TEXT}
        held = {name: t for name, t in texts.items() if isinstance(t, str) and "\x00" in t}
        if held:
            for name, text in held.items():
                setattr(row, name, text.replace("\x00", ""))
            row.error = row.error or message
    parsed.skipped = [
        {key: str(text).replace("\x00", "") for key, text in entry.items()}
        for entry in parsed.skipped
    ]
    return parsed


def check_size(size: int) -> None:
    limit = settings.FORTRESS_IMPORT_MAX_BYTES
    if size > limit:
        raise FileRefused(
            _("The file is %(size)s MB; at most %(limit)s MB may be imported at once.")
            % {"size": round(size / 1_000_000, 1), "limit": round(limit / 1_000_000, 1)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))


def decode(data: bytes) -> str:
    """The text of the file: UTF-8, with or without a byte-order mark."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise FileRefused(
                _("This file is %(what)s, not a CSV or JSON text file.") % {"what": what}
            )
    if b"\x00" in data[:65536]:
        raise FileRefused(_("This is a binary file (or UTF-16 text), not UTF-8 text."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            _("The file is not UTF-8 text (line %(line)s): save it as UTF-8 and try again.")
            % {"line": line}
        ) from None


def detect_format(text: str, filename: str = "") -> str:
    """csv, stix or misp, from the content (a file name ending in .csv decides for CSV)."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return "csv"
    if filename.lower().endswith(".csv"):
        return "csv"
    data = load_json(text)
    if isinstance(data, dict) and data.get("type") == "bundle":
        return "stix"
    if isinstance(data, dict) and ("Event" in data or "Attribute" in data or "uuid" in data):
        return "misp"
    raise FileRefused(_("This JSON is neither a STIX 2.1 bundle nor a MISP event."))


def _check_depth(data: Any, limit: int) -> None:
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise FileRefused(
                _("The JSON is nested more than %(limit)s levels deep.") % {"limit": limit}
            )
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def load_json(text: str) -> Any:
    """The parsed JSON, refused when broken or nested deeper than the setting allows."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRefused(
            _("The JSON is broken at line %(line)s, column %(col)s: %(msg)s.")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from None
    except (RecursionError, ValueError):
        raise FileRefused(
            _("The JSON is nested too deeply or holds an oversized number.")
        ) from None
    _check_depth(data, settings.FORTRESS_IMPORT_MAX_DEPTH)
    return data


def check_rows(count: int) -> None:
    limit = settings.FORTRESS_IMPORT_MAX_ROWS
    if count > limit:
        raise FileRefused(
            _("The file holds more than %(limit)s indicators; split it.") % {"limit": limit}
        )
    if count == 0:
        raise FileRefused(_("The file holds no indicator."))


def parse_day(text: str) -> date:
    """A date as YYYY-MM-DD (a timestamp's date part is taken)."""
    return date.fromisoformat(text.strip()[:10])


def counted(rows: Iterator[ParsedRow]) -> list[ParsedRow]:
    """The rows, refused as soon as there are more than the setting allows."""
    limit = settings.FORTRESS_IMPORT_MAX_ROWS
    out = []
    for row in rows:
        out.append(row)
        if len(out) > limit:
            check_rows(len(out))
    check_rows(len(out))
    return out
