from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Normalized:
    """A value in canonical form. `derived` are further (kind, qualifier, value) indicators
    the value implies, already normalised: the domain of a URL, the registrable domain of a
    host name."""

    kind: str
    qualifier: str
    value: str
    derived: tuple[tuple[str, str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.qualifier, self.value)
