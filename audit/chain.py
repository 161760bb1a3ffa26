"""The hash chain of the audit trail: each row's hash is SHA-256 over a canonical
serialisation of the row (every field but the hash itself) and the previous row's hash.
Changing any field of a row breaks its hash; removing a row breaks the next row's link and
leaves a gap in the sequence numbers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from audit.models import AuditEvent

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "kind",
    "outcome",
    "user_id",
    "username",
    "agency_id",
    "agency_name",
    "address",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
)


def canonical(event: AuditEvent) -> bytes:
    """The row as one canonical JSON text: keys sorted, no spaces, the time in UTC with
    microseconds (what both databases keep)."""
    row: dict[str, Any] = {name: getattr(event, name) for name in HASHED_FIELDS}
    row["at"] = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str


def verify(events: Iterable[AuditEvent]) -> Iterator[Problem]:
    """Walk the rows in sequence order and name every break: a row whose content no longer
    matches its hash (edited), a row whose link does not name the row before it, or a jump
    in the sequence (rows removed)."""
    expected_seq, prev = 1, GENESIS
    for event in events:
        if event.seq != expected_seq:
            missing = event.seq - expected_seq
            yield Problem(
                event.seq,
                f"{missing} row(s) missing before #{event.seq} (#{expected_seq} expected)"
                if missing > 0
                else f"#{event.seq} out of sequence (#{expected_seq} expected)",
            )
        if event.prev_hash != prev:
            yield Problem(event.seq, f"#{event.seq} does not link to the row before it")
        if row_hash(event) != event.hash:
            yield Problem(event.seq, f"#{event.seq} was changed after it was written")
        expected_seq, prev = event.seq + 1, event.hash
