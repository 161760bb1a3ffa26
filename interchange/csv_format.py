"""CSV: the export of a case's indicators and the import of rows (kind, value, qualifier, ...).

Cells a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
are written with a leading apostrophe, and the import takes that apostrophe off again, so an
export re-imports as it was."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from indicators.models import Indicator
from interchange.reading import FileRefused, ParsedFile, ParsedRow, counted, parse_day

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = [
    "kind",
    "value",
    "normalized_value",
    "qualifier",
    "first_seen",
    "last_seen",
    "takedown_status",
]
REQUIRED_COLUMNS = {"kind", "value"}
IMPORT_COLUMNS = {"qualifier", "note", "first_seen", "last_seen", "takedown_status"}
# Columns of the export that an import reads past.
IGNORED_COLUMNS = {"normalized_value", "case"}


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def restore(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def qualifier_of(indicator: Indicator) -> str:
    return indicator.chain or indicator.platform


def export_csv(indicators: Iterable[Indicator], *, with_case: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow((["case"] if with_case else []) + EXPORT_COLUMNS)
    for i in indicators:
        cells = [
            i.kind,
            i.raw_value,
            i.value.normalized,
            qualifier_of(i),
            i.first_seen.isoformat() if i.first_seen else "",
            i.last_seen.isoformat() if i.last_seen else "",
            i.takedown_status,
        ]
        if with_case:
            cells.insert(0, i.case.reference)
        writer.writerow([neutralise(c) for c in cells])
    return out.getvalue()


def _rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[ParsedRow]:
    line_ref = _("line %(n)s")  # translated once, not once a row (a third of the parse)
    for cells in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(c.strip() for c in cells):
            continue
        record = {
            name: restore(cells[n]) if n < len(cells) else "" for n, name in enumerate(header)
        }
        row = ParsedRow(
            ref=line_ref % {"n": line},
            kind=record["kind"].strip(),
            value=record["value"],
            qualifier=record.get("qualifier", "").strip(),
            note=record.get("note", "").strip(),
            takedown_status=record.get("takedown_status", "").strip(),
        )
        for name in ("first_seen", "last_seen"):
            text = record.get(name, "").strip()
            if text:
                try:
                    setattr(row, name, parse_day(text))
                except ValueError:
                    row.error = _("%(name)s %(text)r is not a date (YYYY-MM-DD).") % {
                        "name": name.replace("_", " ").capitalize(),
                        "text": text,
                    }
        yield row


def parse_csv(text: str) -> ParsedFile:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader, [])]
        missing = REQUIRED_COLUMNS - set(header)
        if missing:
            raise FileRefused(
                _("The first row must name the columns; missing: %(cols)s.")
                % {"cols": ", ".join(sorted(missing))}
            )
        unknown = set(header) - REQUIRED_COLUMNS - IMPORT_COLUMNS - IGNORED_COLUMNS - {""}
        if unknown:
            raise FileRefused(
                _("Unknown column(s) %(cols)s: use kind, value, qualifier, note, first_seen.")
                % {"cols": ", ".join(sorted(unknown))}
            )
        return ParsedFile(rows=counted(_rows(reader, header)))
    except csv.Error as exc:
        raise FileRefused(
            _("The CSV cannot be read (line %(line)s): %(msg)s.")
            % {"line": reader.line_num, "msg": exc}
        ) from None
