"""Ids from the outside world, checked at the edge: a path segment, a filter value or a page
number that is no id, or an id beyond what the database stores, is answered 404 or 400 before
it reaches a query (SQLite raises OverflowError on an integer past 64 bits, and lookups through
a foreign key are not range-checked by Django)."""

from django.urls import register_converter

# Every primary key is a BigAutoField: the largest id any supported database stores.
MAX_ID = 2**63 - 1
# Digits only, at most as many as MAX_ID has: a path that is no id does not even match.
ID_REGEX = "[0-9]{1,19}"
# How the API schema describes an id, in paths and filters alike.
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def parse_id(value: object) -> int | None:
    """`value` as an id (1..MAX_ID), or None when it is not one."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """`<id:pk>` in URL patterns: an id in range, else the pattern does not match (404)."""

    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


# Registered on import: the settings import this module, so every URLconf can use `<id:…>`.
register_converter(IdConverter, "id")
