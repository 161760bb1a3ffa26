"""STIX 2.1: the export of indicators (observable + indicator with a pattern), the owning
agencies as `identity`, suspects as `threat-actor`, TLP from the sharing level; and the import
of a bundle's observables and of indicator patterns that name one value.

Phone numbers, bank accounts and crypto wallets are the `phone-number`, `bank-account` and
`cryptocurrency-wallet` observables OpenCTI uses, with the value in their top-level fields
(`value`, `iban` / `account_number`) and in the indicator's pattern and name, which platforms
keep even when they drop what they do not know. Victims are never exported."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

import stix2
from django.utils import timezone
from django.utils.translation import gettext as _
from stix2patterns.pattern import Pattern

from agencies.models import Agency
from cases.models import Case, SharingLevel, Suspect
from indicators.models import Indicator, Kind
from interchange.reading import FileRefused, ParsedFile, ParsedRow, counted, parse_day

# The namespace STIX 2.1 gives for deterministic observable ids (section 2.9).
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
# Fortress's own namespace, for stable ids of agencies and suspects across exports.
FORTRESS_NAMESPACE = uuid.UUID("5c0b7f36-1f4e-4d55-9d1a-6f0d2b9a3e11")

TLP = {
    SharingLevel.RESTRICTED: stix2.TLP_RED,
    SharingLevel.SHARED: stix2.TLP_AMBER,
    SharingLevel.OPERATION: stix2.TLP_AMBER,
    SharingLevel.NETWORK: stix2.TLP_GREEN,
}
MESSAGING_PLATFORMS = frozenset(
    {"telegram", "whatsapp", "wechat", "line", "zalo", "viber", "signal"}
)
DOCUMENT_TYPE = "x-fortress-identity-document"
IBAN_PATTERN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}$")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _unquote(literal: str) -> str:
    text = literal[1:-1] if len(literal) >= 2 and literal[0] == literal[-1] == "'" else literal
    return re.sub(r"\\(.)", r"\1", text)


def _sco_id(kind: str, props: dict[str, str]) -> str:
    canonical = json.dumps(props, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{kind}--{uuid.uuid5(SCO_NAMESPACE, canonical)}"


def agency_identity(agency: Agency) -> stix2.Identity:
    return stix2.Identity(
        id=f"identity--{uuid.uuid5(FORTRESS_NAMESPACE, f'agency:{agency.code}')}",
        name=agency.name,
        identity_class="organization",
        contact_information=agency.contact_email or None,
        created="2024-01-01T00:00:00Z",
        modified="2024-01-01T00:00:00Z",
    )


def _observable(indicator: Indicator, marking: Any) -> tuple[Any, str]:
    """The observable of an indicator and the pattern naming its value."""
    kind, value = indicator.kind, indicator.value.normalized
    common = {"object_marking_refs": [marking], "allow_custom": True}
    if kind == Kind.DOMAIN:
        return stix2.DomainName(value=value, **common), f"[domain-name:value = {_quote(value)}]"
    if kind == Kind.URL:
        return stix2.URL(value=value, **common), f"[url:value = {_quote(value)}]"
    if kind == Kind.EMAIL:
        return stix2.EmailAddress(value=value, **common), f"[email-addr:value = {_quote(value)}]"
    if kind == Kind.IP:
        cls, sco = (
            (stix2.IPv6Address, "ipv6-addr") if ":" in value else (stix2.IPv4Address, "ipv4-addr")
        )
        return cls(value=value, **common), f"[{sco}:value = {_quote(value)}]"
    if kind in (Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID):
        account = stix2.UserAccount(
            account_login=value, account_type=indicator.platform, x_fortress_kind=kind, **common
        )
        pattern = (
            f"[user-account:account_login = {_quote(value)} AND "
            f"user-account:account_type = {_quote(indicator.platform)}]"
        )
        return account, pattern
    marking_refs = [marking.id]
    if kind == Kind.PHONE:
        sco = {"type": "phone-number", "value": value}
        pattern = f"[phone-number:value = {_quote(value)}]"
    elif kind == Kind.CRYPTO_WALLET:
        sco = {"type": "cryptocurrency-wallet", "value": value, "x_fortress_chain": indicator.chain}
        pattern = f"[cryptocurrency-wallet:value = {_quote(value)}]"
    elif kind == Kind.BANK_ACCOUNT:
        field = "iban" if IBAN_PATTERN.match(value) else "account_number"
        sco = {"type": "bank-account", field: value}
        pattern = f"[bank-account:{field} = {_quote(value)}]"
    else:
        sco = {"type": DOCUMENT_TYPE, "value": value}
        pattern = f"[{DOCUMENT_TYPE}:value = {_quote(value)}]"
    contributing = {k: v for k, v in sco.items() if k != "type" and not k.startswith("x_")}
    sco |= {
        "spec_version": "2.1",
        "id": _sco_id(sco["type"], contributing),
        "object_marking_refs": marking_refs,
    }
    return sco, pattern


def threat_actor(
    suspect: Suspect, identity: stix2.Identity, marking: Any, *, stable: bool = False
) -> stix2.ThreatActor:
    """A suspect as `threat-actor`; `stable` dates it by the suspect's own record (TAXII, where
    the version must not change between requests) rather than by the export."""
    dates = {}
    if stable:
        dates = {
            "created": suspect.created_at,
            "modified": max(suspect.created_at, suspect.updated_at),
        }
    return stix2.ThreatActor(
        **dates,
        id=f"threat-actor--{uuid.uuid5(FORTRESS_NAMESPACE, f'suspect:{suspect.pk}')}",
        name=suspect.full_name,
        aliases=suspect.aliases or None,
        threat_actor_types=["criminal"],
        description=f"{suspect.get_role_display()} ({suspect.get_status_display()})",
        created_by_ref=identity,
        object_marking_refs=[marking],
    )


def indicator_objects(
    indicator: Indicator, *, case: Case, identity: stix2.Identity, marking: Any, modified: Any
) -> list[Any]:
    """An indicator as STIX: its observable, the `indicator` with the pattern naming its
    value, and the `based-on` relationship between them; ids stable across exports."""
    observable, pattern = _observable(indicator, marking)
    observable_id = observable["id"]
    first = indicator.first_seen
    sdo = stix2.Indicator(
        id=f"indicator--{uuid.uuid5(FORTRESS_NAMESPACE, f'indicator:{indicator.pk}')}",
        name=indicator.value.normalized,
        description=f"{indicator.get_kind_display()} recorded in case {case.reference}",
        pattern=pattern,
        pattern_type="stix",
        indicator_types=["malicious-activity"],
        valid_from=(
            timezone.datetime(first.year, first.month, first.day, tzinfo=timezone.UTC)
            if first
            else indicator.created_at
        ),
        created=indicator.created_at,
        modified=modified,
        created_by_ref=identity,
        object_marking_refs=[marking],
        x_fortress_kind=indicator.kind,
        x_fortress_qualifier=indicator.chain or indicator.platform or None,
        allow_custom=True,
    )
    relation = stix2.Relationship(
        id=f"relationship--{uuid.uuid5(FORTRESS_NAMESPACE, f'based-on:{indicator.pk}')}",
        relationship_type="based-on",
        source_ref=sdo.id,
        target_ref=observable_id,
        created=indicator.created_at,
        modified=indicator.created_at,
        created_by_ref=identity,
        object_marking_refs=[marking],
        allow_custom=True,
    )
    return [observable, sdo, relation]


def export_stix(
    *, cases: Iterable[Case], indicators: Iterable[Indicator], suspects: Iterable[Suspect]
) -> str:
    """A bundle of the cases' indicators and suspects, as the caller selected them."""
    objects: dict[str, Any] = {}
    identities: dict[int, stix2.Identity] = {}
    cases_by_id = {c.pk: c for c in cases}
    for case in cases_by_id.values():
        identities.setdefault(case.agency_id, agency_identity(case.agency))
        marking = TLP[case.sharing_level]
        objects.setdefault(marking.id, marking)
    objects.update({i.id: i for i in identities.values()})
    now = timezone.now()
    for indicator in indicators:
        case = cases_by_id[indicator.case_id]
        built = indicator_objects(
            indicator,
            case=case,
            identity=identities[case.agency_id],
            marking=TLP[case.sharing_level],
            modified=max(indicator.created_at, now),
        )
        observable = built[0]
        objects.setdefault(observable["id"], observable)
        objects.update({o["id"]: o for o in built[1:]})
    for suspect in suspects:
        case = cases_by_id[suspect.case_id]
        actor = threat_actor(suspect, identities[case.agency_id], TLP[case.sharing_level])
        objects[actor.id] = actor
    return stix2.Bundle(objects=list(objects.values()), allow_custom=True).serialize(
        indent=1, ensure_ascii=False
    )


# --- import ----------------------------------------------------------------------------------

_VALUE_PATHS = {
    ("domain-name", "value"): Kind.DOMAIN,
    ("url", "value"): Kind.URL,
    ("email-addr", "value"): Kind.EMAIL,
    ("ipv4-addr", "value"): Kind.IP,
    ("ipv6-addr", "value"): Kind.IP,
    ("phone-number", "value"): Kind.PHONE,
    ("cryptocurrency-wallet", "value"): Kind.CRYPTO_WALLET,
    ("cryptocurrency-wallet", "address"): Kind.CRYPTO_WALLET,
    ("bank-account", "iban"): Kind.BANK_ACCOUNT,
    ("bank-account", "account_number"): Kind.BANK_ACCOUNT,
    ("user-account", "account_login"): Kind.SOCIAL_HANDLE,
    (DOCUMENT_TYPE, "value"): Kind.IDENTITY_DOCUMENT,
}
_QUALIFIER_PATHS = {("user-account", "account_type"), ("cryptocurrency-wallet", "x_fortress_chain")}
_STRUCTURE = {
    "identity",
    "marking-definition",
    "relationship",
    "sighting",
    "threat-actor",
    "extension-definition",
    "language-content",
    "note",
    "opinion",
    "report",
    "grouping",
}


def _handle_kind(platform: str, declared: str) -> str:
    if declared in (Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID):
        return declared
    return Kind.MESSAGING_ID if platform in MESSAGING_PLATFORMS else Kind.SOCIAL_HANDLE


def _from_observable(obj: dict[str, Any]) -> ParsedRow | None:
    sco = obj.get("type", "")
    for (otype, prop), kind in _VALUE_PATHS.items():
        if otype == sco and isinstance(obj.get(prop), str):
            qualifier = ""
            if kind == Kind.CRYPTO_WALLET:
                qualifier = str(obj.get("x_fortress_chain") or obj.get("chain") or "")
            elif kind == Kind.SOCIAL_HANDLE:
                qualifier = str(obj.get("account_type") or "").lower()
                kind = _handle_kind(qualifier, str(obj.get("x_fortress_kind") or ""))
            return ParsedRow(
                ref=str(obj.get("id", "")), kind=kind, value=obj[prop], qualifier=qualifier
            )
    return None


def _from_indicator(obj: dict[str, Any]) -> ParsedRow:
    ref = str(obj.get("id", ""))
    row = ParsedRow(ref=ref, kind="", value="")
    if obj.get("pattern_type", "stix") != "stix" or not isinstance(obj.get("pattern"), str):
        row.error = _("Only STIX patterns are imported.")
        return row
    try:
        comparisons = Pattern(obj["pattern"]).inspect().comparisons
    except Exception as exc:  # stix2patterns raises its own ParseException and ANTLR errors
        row.error = _("The pattern is not valid STIX: %(why)s") % {"why": exc}
        return row
    values, qualifier = [], ""
    for otype, items in comparisons.items():
        for path, op, literal in items:
            key = (otype, path[0] if len(path) == 1 else "")
            if key in _VALUE_PATHS and op == "=":
                values.append((_VALUE_PATHS[key], _unquote(literal)))
            elif key in _QUALIFIER_PATHS and op == "=":
                qualifier = _unquote(literal).lower()
            else:
                values.append(("", ""))
    if len(values) != 1 or not values[0][0]:
        row.error = _("The pattern must name exactly one value of a kind Fortress records.")
        return row
    kind, row.value = values[0]
    declared = str(obj.get("x_fortress_kind") or "")
    qualifier = qualifier or str(obj.get("x_fortress_qualifier") or "")
    if kind == Kind.SOCIAL_HANDLE:
        kind = _handle_kind(qualifier, declared)
    elif declared and declared in Kind.values:
        kind = declared
    row.kind, row.qualifier = kind, qualifier
    row.note = str(obj.get("description") or "")[:2000]
    if isinstance(obj.get("valid_from"), str):
        try:
            row.first_seen = parse_day(obj["valid_from"])
        except ValueError:
            row.error = _("valid_from is not a timestamp.")
    return row


def _rows(objects: list[Any], skipped: list[dict[str, str]]):
    seen: set[tuple[str, str, str]] = set()
    for obj in objects:
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise FileRefused(_("Every object of the bundle must be a JSON object with a type."))
        otype = obj["type"]
        if otype == "indicator":
            row = _from_indicator(obj)
        elif otype in _STRUCTURE or "--" not in str(obj.get("id", "--")):
            continue
        else:
            row = _from_observable(obj)
            if row is None:
                skipped.append(
                    {
                        "ref": str(obj.get("id", "")),
                        "reason": _("Not an indicator Fortress records."),
                    }
                )
                continue
        key = (row.kind, row.qualifier, row.value.strip())
        if not row.error and key in seen:
            continue  # an indicator's pattern naming an observable of the bundle: one row
        seen.add(key)
        yield row


def parse_stix(data: Any) -> ParsedFile:
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise FileRefused(_('A STIX file must be a bundle: {"type": "bundle", "objects": [...]}.'))
    objects = data.get("objects", [])
    if not isinstance(objects, list):
        raise FileRefused(_("The bundle's objects must be a list."))
    skipped: list[dict[str, str]] = []
    rows = counted(_rows(objects, skipped))
    return ParsedFile(rows=rows, skipped=skipped)


# --- the network registry's feeds: plain dicts, fast enough for a million entries -----------

REGISTRY_IDENTITY_ID = f"identity--{uuid.uuid5(FORTRESS_NAMESPACE, 'registry')}"
CONFIDENCE = {"confirmed": 85, "suspected": 50}


def registry_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": REGISTRY_IDENTITY_ID,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "Fortress network registry",
        "identity_class": "organization",
    }


def as_plain(obj: Any) -> dict[str, Any]:
    """A stix2 object (a TLP marking, say) as the JSON it serialises to."""
    return json.loads(obj.serialize())


def value_observable(
    kind: str, value: str, qualifier: str, marking_id: str
) -> tuple[dict[str, Any], str]:
    """The observable of a value and the pattern naming it, as `_observable` builds them for
    an indicator, as a dict (ids from the same id-contributing properties)."""
    sco: dict[str, Any]
    if kind == Kind.DOMAIN:
        sco = {"type": "domain-name", "value": value}
    elif kind == Kind.URL:
        sco = {"type": "url", "value": value}
    elif kind == Kind.EMAIL:
        sco = {"type": "email-addr", "value": value}
    elif kind == Kind.IP:
        sco = {"type": "ipv6-addr" if ":" in value else "ipv4-addr", "value": value}
    elif kind in (Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID):
        sco = {
            "type": "user-account",
            "account_login": value,
            "account_type": qualifier,
            "x_fortress_kind": kind,
        }
    elif kind == Kind.PHONE:
        sco = {"type": "phone-number", "value": value}
    elif kind == Kind.CRYPTO_WALLET:
        sco = {"type": "cryptocurrency-wallet", "value": value, "x_fortress_chain": qualifier}
    elif kind == Kind.BANK_ACCOUNT:
        sco = {
            "type": "bank-account",
            ("iban" if IBAN_PATTERN.match(value) else "account_number"): value,
        }
    else:
        sco = {"type": DOCUMENT_TYPE, "value": value}
    contributing = {k: v for k, v in sco.items() if k != "type" and not k.startswith("x_")}
    if sco["type"] == "user-account":
        pattern = (
            f"[user-account:account_login = {_quote(value)} AND "
            f"user-account:account_type = {_quote(qualifier)}]"
        )
    else:
        path = next(k for k in contributing)
        pattern = f"[{sco['type']}:{path} = {_quote(value)}]"
    sco = {
        "type": sco["type"],
        "spec_version": "2.1",
        "id": _sco_id(sco["type"], contributing),
        **{k: v for k, v in sco.items() if k != "type"},
        "object_marking_refs": [marking_id],
    }
    return sco, pattern


def registry_entry_objects(
    *,
    entry_id: int,
    kind: str,
    value: str,
    qualifier: str,
    status: str,
    confidence: str,
    description: str,
    created: str,
    modified: str,
    marking_id: str,
) -> list[dict[str, Any]]:
    """A registry entry as its observable, an `indicator` with the pattern naming the value,
    and the `based-on` relationship; timestamps already in STIX form. Ids are stable: the
    indicator's hashes the entry, the observable's its value."""
    observable, pattern = value_observable(kind, value, qualifier, marking_id)
    indicator_id = f"indicator--{uuid.uuid5(FORTRESS_NAMESPACE, f'registry-entry:{entry_id}')}"
    indicator: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": indicator_id,
        "created": created,
        "modified": modified,
        "name": value,
        "description": description,
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": created,
        "confidence": CONFIDENCE.get(confidence, 50),
        "labels": [status],
        "created_by_ref": REGISTRY_IDENTITY_ID,
        "object_marking_refs": [marking_id],
        "x_fortress_kind": kind,
        "x_fortress_status": status,
    }
    if qualifier:
        indicator["x_fortress_qualifier"] = qualifier
    relationship = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid5(FORTRESS_NAMESPACE, f'registry-based-on:{entry_id}')}",
        "created": created,
        "modified": modified,
        "relationship_type": "based-on",
        "source_ref": indicator_id,
        "target_ref": observable["id"],
        "created_by_ref": REGISTRY_IDENTITY_ID,
        "object_marking_refs": [marking_id],
    }
    return [observable, indicator, relationship]
