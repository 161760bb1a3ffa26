"""Identity documents: the one normaliser, for indicators, suspects, victims and the person
index alike.

A document is a type (passport, national id...), the issuing country and the number. The
country is stored as its ISO 3166 alpha-2 code, whether written with two letters or three
(`AUT` is Austria, `AT`; never cut to `AU`, Australia). The number is read in Latin letters and
digits, upper case, without spaces, dots, dashes or slashes (`c 123-4567` is `C1234567`). The
key of a document, `AT:C1234567`, is what an indicator stores as its value and what the person
index compares: the same document written in a suspect form, a victim form or as an indicator
gives the same key.

In a form a document is one line, `type; country; number` (`parse_document_line`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pycountry
from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# An indicator written `VN:C1234567`, `VN C1234567`, `VNM/C1234567`...
_SPLIT = re.compile(r"^\s*([A-Za-z]{2,3})\s*[:\s/-]\s*(.+)$")
_SEPARATORS = re.compile(r"[\s.\-/]")
_NUMBER = re.compile(r"^[A-Z0-9]{4,20}$")
FIELDS = ("type", "country", "number")


@dataclass(frozen=True)
class Document:
    type: str  # lower case, may be empty
    country: str  # ISO alpha-2, may be empty (unknown)
    number: str  # canonical: 4 to 20 letters and digits

    @property
    def key(self) -> str:
        """`CC:NUMBER` (`:NUMBER` when the country is unknown)."""
        return f"{self.country}:{self.number}"

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "country": self.country, "number": self.number}

    def as_line(self) -> str:
        return format_document_line(self.as_dict())


def normalize_country(code: str) -> str:
    """An ISO 3166 alpha-2 or alpha-3 code (any case) to alpha-2; empty stays empty."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    country = None
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ValidationError(_("%(code)s is not an ISO country code.") % {"code": code})
    return country.alpha_2


def normalize_number(number: str) -> str:
    """Latin letters and digits, upper case, separators dropped."""
    text = (number or "").strip()
    canonical = _SEPARATORS.sub("", anyascii(text)).upper()
    if not canonical:
        raise ValidationError(_("Each document needs a number."))
    if not _NUMBER.match(canonical):
        raise ValidationError(
            _("%(number)s: a document number is 4 to 20 letters and digits.")
            % {"number": repr(text)}
        )
    return canonical


def clean_document(
    *, type: str = "", country: str = "", number: str = "", complete: bool = False
) -> Document:
    """The document in canonical form, or ValidationError. `complete`: the type and the
    country are required too (a victim's documents)."""
    doc = Document(
        type=(type or "").strip().lower(),
        country=normalize_country(country),
        number=normalize_number(number),
    )
    if complete and not (doc.type and doc.country):
        raise ValidationError(_("Each identity document needs a type, a country and a number."))
    return doc


def clean_documents(value: object, *, complete: bool = False) -> list[dict[str, str]]:
    """A list of {"type", "country", "number"} (as stored on suspects and victims), each in
    canonical form; ValidationError on anything else."""
    if not isinstance(value, list):
        raise ValidationError(_('Documents are a list of {"type", "country", "number"}.'))
    cleaned: list[dict[str, str]] = []
    for doc in value:
        if not isinstance(doc, Mapping) or set(doc) - set(FIELDS):
            raise ValidationError(_('Each document is {"type", "country", "number"}.'))
        if not all(isinstance(v, str) for v in doc.values()):
            raise ValidationError(_("Document type, country and number are text."))
        document = clean_document(**{k: doc.get(k, "") for k in FIELDS}, complete=complete)
        if document.as_dict() not in cleaned:
            cleaned.append(document.as_dict())
    return cleaned


def document_key(doc: Mapping[str, object]) -> str | None:
    """The key of a stored document, or None when it is not a valid document (a row stored
    before the rule held): the person index keys and compares documents by this."""
    try:
        return clean_document(
            country=str(doc.get("country") or ""), number=str(doc.get("number") or "")
        ).key
    except ValidationError:
        return None


def parse_document_line(line: str, *, complete: bool = False) -> Document:
    """`type; country; number` (a form's line) to a document in canonical form."""
    parts = [p.strip() for p in line.split(";")]
    if len(parts) != 3:
        raise ValidationError(
            _("“%(line)s”: write type; country code; number.") % {"line": line.strip()}
        )
    try:
        return clean_document(**dict(zip(FIELDS, parts, strict=True)), complete=complete)
    except ValidationError as exc:
        raise ValidationError(
            _("“%(line)s”: %(reason)s") % {"line": line.strip(), "reason": exc.messages[0]}
        ) from None


def parse_document_lines(text: str, *, complete: bool = False) -> list[dict[str, str]]:
    """A form's text, one document per line (blank lines skipped), to stored documents."""
    documents = [
        parse_document_line(line, complete=complete).as_dict()
        for line in (text or "").splitlines()
        if line.strip()
    ]
    return clean_documents(documents, complete=complete)


def format_document_line(doc: Mapping[str, object]) -> str:
    """A stored document as the form's line."""
    return "; ".join(str(doc.get(k) or "") for k in FIELDS)


def format_document_lines(documents: Iterable[Mapping[str, object]]) -> str:
    return "\n".join(format_document_line(d) for d in documents)


def normalize_document(text: str) -> str:
    """An identity document indicator, `VN:C1234567` (the country first), to its key."""
    match = _SPLIT.match(text)
    if not match:
        raise ValidationError(
            _("%(text)s: start with the issuing country's code, e.g. VN:C1234567.")
            % {"text": repr(text)}
        )
    code, number = match.groups()
    return clean_document(country=code, number=number).key
