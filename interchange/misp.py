"""MISP: the export of a case (or an operation) as one MISP event built with `pymisp`, and the
import of an event's attributes and of its `bank-account`, `coin-address` and `person` objects.

Attributes get the MISP type of their kind (phone-number, email, domain, url, ip-dst, iban,
btc...); wallets and bank accounts are MISP objects, suspects `person` objects. Distribution
and the TLP tag follow the sharing level. Handles have no MISP type: a `text` attribute tagged
`fortress:kind` and `fortress:platform`. Victims are never exported."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from pymisp import MISPEvent, MISPObject, MISPOrganisation

from cases.models import Case, SharingLevel, Suspect
from indicators.models import Chain, Indicator, Kind
from interchange.reading import FileRefused, ParsedFile, ParsedRow, counted, parse_day
from interchange.stix import FORTRESS_NAMESPACE, IBAN_PATTERN

# MISP distribution levels: 0 your organisation, 1 this community, 2 connected communities.
DISTRIBUTION = {
    SharingLevel.RESTRICTED: 0,
    SharingLevel.SHARED: 1,
    SharingLevel.OPERATION: 1,
    SharingLevel.NETWORK: 2,
}
TLP_TAG = {
    SharingLevel.RESTRICTED: "tlp:red",
    SharingLevel.SHARED: "tlp:amber",
    SharingLevel.OPERATION: "tlp:amber",
    SharingLevel.NETWORK: "tlp:green",
}
ATTRIBUTE_TYPE = {
    Kind.PHONE: "phone-number",
    Kind.EMAIL: "email",
    Kind.DOMAIN: "domain",
    Kind.URL: "url",
    Kind.IP: "ip-dst",
    Kind.IDENTITY_DOCUMENT: "identity-card-number",
    Kind.SOCIAL_HANDLE: "text",
    Kind.MESSAGING_ID: "text",
}
SYMBOL = {
    Chain.BITCOIN: "BTC",
    Chain.ETHEREUM: "ETH",
    Chain.TRON: "TRX",
    Chain.BSC: "BNB",
    Chain.POLYGON: "POL",
    Chain.SOLANA: "SOL",
    Chain.LITECOIN: "LTC",
    Chain.XRP: "XRP",
}
CHAIN_OF_SYMBOL = {s: c for c, s in SYMBOL.items()} | {"MATIC": Chain.POLYGON, "XMR": Chain.OTHER}


def _uuid(what: str) -> str:
    return str(uuid.uuid5(FORTRESS_NAMESPACE, what))


def _seen(day: Any) -> str | None:
    return day.isoformat() if day else None


def _add_indicator(event: MISPEvent, indicator: Indicator, tlp: str) -> None:
    kind, value = indicator.kind, indicator.value.normalized
    seen = {
        "first_seen": _seen(indicator.first_seen),
        "last_seen": _seen(indicator.last_seen or indicator.first_seen),
    }
    seen = {k: v for k, v in seen.items() if v}
    comment = indicator.note[:1000]
    if kind == Kind.CRYPTO_WALLET:
        obj = MISPObject("coin-address", standalone=False)
        obj.uuid = _uuid(f"object:{indicator.pk}")
        relation = "address" if indicator.chain == Chain.BITCOIN else "address-crypto"
        attr = obj.add_attribute(relation, value=value, comment=comment, to_ids=True, **seen)
        if indicator.chain in SYMBOL:
            obj.add_attribute("symbol", value=SYMBOL[indicator.chain])
        obj.add_attribute("text", value=f"chain: {indicator.chain}")
    elif kind == Kind.BANK_ACCOUNT:
        obj = MISPObject("bank-account", standalone=False)
        obj.uuid = _uuid(f"object:{indicator.pk}")
        relation = "iban" if IBAN_PATTERN.match(value) else "account"
        attr = obj.add_attribute(relation, value=value, comment=comment, to_ids=True, **seen)
    else:
        obj = None
        attr = event.add_attribute(
            ATTRIBUTE_TYPE[kind],
            value,
            comment=comment,
            to_ids=kind != Kind.IDENTITY_DOCUMENT,
            **seen,
        )
        if kind in (Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID, Kind.IDENTITY_DOCUMENT):
            attr.add_tag(f'fortress:kind="{kind}"')
        if indicator.platform:
            attr.add_tag(f'fortress:platform="{indicator.platform}"')
    attr.uuid = _uuid(f"attribute:{indicator.pk}")
    attr.add_tag(tlp)
    if obj is not None:
        event.add_object(obj)


def _add_suspect(event: MISPEvent, suspect: Suspect) -> None:
    person = MISPObject("person", standalone=False)
    person.uuid = _uuid(f"suspect:{suspect.pk}")
    person.add_attribute("full-name", value=suspect.full_name)
    for alias in suspect.aliases:
        person.add_attribute("alias", value=alias)
    for country in suspect.nationalities:
        person.add_attribute("nationality", value=country.name)
    if suspect.birth_day is not None:
        person.add_attribute("date-of-birth", value=suspect.date_of_birth)
    person.add_attribute("role", value=suspect.get_role_display())
    event.add_object(person)


def export_misp(
    *,
    info: str,
    uuid_of: str,
    cases: Iterable[Case],
    indicators: Iterable[Indicator],
    suspects: Iterable[Suspect],
) -> str:
    cases = {c.pk: c for c in cases}
    strictest = min(cases.values(), key=lambda c: DISTRIBUTION[c.sharing_level], default=None)
    event = MISPEvent()
    event.uuid = _uuid(uuid_of)
    event.info = info
    event.distribution = DISTRIBUTION[strictest.sharing_level] if strictest else 0
    event.threat_level_id = 2
    event.analysis = 1
    if strictest is not None:
        org = MISPOrganisation()
        org.name = strictest.agency.name
        event.Orgc = org
        event.add_tag(TLP_TAG[strictest.sharing_level])
    for indicator in indicators:
        _add_indicator(event, indicator, TLP_TAG[cases[indicator.case_id].sharing_level])
    for suspect in suspects:
        _add_suspect(event, suspect)
    return json.dumps({"Event": json.loads(event.to_json())}, indent=1, ensure_ascii=False)


# --- import ----------------------------------------------------------------------------------

_KIND_OF_TYPE = {
    "phone-number": Kind.PHONE,
    "whois-registrant-phone": Kind.PHONE,
    "email": Kind.EMAIL,
    "email-src": Kind.EMAIL,
    "email-dst": Kind.EMAIL,
    "target-email": Kind.EMAIL,
    "whois-registrant-email": Kind.EMAIL,
    "domain": Kind.DOMAIN,
    "hostname": Kind.DOMAIN,
    "url": Kind.URL,
    "uri": Kind.URL,
    "ip-src": Kind.IP,
    "ip-dst": Kind.IP,
    "btc": Kind.CRYPTO_WALLET,
    "xmr": Kind.CRYPTO_WALLET,
    "iban": Kind.BANK_ACCOUNT,
    "bank-account-nr": Kind.BANK_ACCOUNT,
    "identity-card-number": Kind.IDENTITY_DOCUMENT,
    "passport-number": Kind.IDENTITY_DOCUMENT,
}
_WALLET_RELATIONS = {"address", "address-crypto", "address-xmr"}


def _tags(attribute: dict[str, Any]) -> dict[str, str]:
    """fortress:kind="x" tags as {"kind": "x"}."""
    out = {}
    tags = attribute.get("Tag") or []
    if not isinstance(tags, list):
        raise FileRefused(_("A MISP Tag list must hold JSON objects."))
    for tag in tags:
        name = str(tag.get("name", "")) if isinstance(tag, dict) else ""
        if name.startswith("fortress:") and "=" in name:
            key, _sep, value = name[len("fortress:") :].partition("=")
            out[key] = value.strip('"')
    return out


def _row(attribute: dict[str, Any], kind: str, qualifier: str = "") -> ParsedRow:
    row = ParsedRow(
        ref=str(attribute.get("uuid") or attribute.get("id") or ""),
        kind=kind,
        value=str(attribute.get("value") or ""),
        qualifier=qualifier,
        note=str(attribute.get("comment") or "")[:2000],
    )
    for name in ("first_seen", "last_seen"):
        text = attribute.get(name)
        if text:
            try:
                setattr(row, name, parse_day(str(text)))
            except ValueError:
                row.error = _("%(name)s is not a date.") % {"name": name}
    return row


def _attribute_row(attribute: dict[str, Any]) -> ParsedRow | None:
    tags = _tags(attribute)
    kind = tags.get("kind") or _KIND_OF_TYPE.get(str(attribute.get("type", "")))
    if not kind:
        return None
    qualifier = tags.get("platform", "")
    if kind == Kind.CRYPTO_WALLET:
        qualifier = Chain.BITCOIN if attribute.get("type") == "btc" else Chain.OTHER
    return _row(attribute, kind, qualifier)


def _attributes(container: dict[str, Any]) -> list[dict[str, Any]]:
    items = container.get("Attribute") or []
    if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
        raise FileRefused(_("A MISP Attribute list must hold JSON objects."))
    return items


def _object_rows(obj: dict[str, Any]):
    name = obj.get("name")
    attributes = _attributes(obj)
    by_relation = {str(a.get("object_relation", "")): a for a in attributes}
    if name == "coin-address":
        symbol = str(by_relation.get("symbol", {}).get("value", "")).upper()
        note = str(by_relation.get("text", {}).get("value", ""))
        chain = CHAIN_OF_SYMBOL.get(symbol, "")
        if not chain and note.startswith("chain: "):
            chain = note.removeprefix("chain: ")
        for relation in _WALLET_RELATIONS & set(by_relation):
            attr = by_relation[relation]
            yield _row(
                attr, Kind.CRYPTO_WALLET, chain or (Chain.BITCOIN if relation == "address" else "")
            )
        return
    if name == "bank-account":
        for relation in ("iban", "account"):
            if relation in by_relation:
                yield _row(by_relation[relation], Kind.BANK_ACCOUNT)
        return
    for attr in attributes:  # person and other objects: the indicator-typed attributes
        row = _attribute_row(attr)
        if row is not None:
            yield row


def _rows(event: dict[str, Any], skipped: list[dict[str, str]]):
    for attribute in _attributes(event):
        row = _attribute_row(attribute)
        if row is None:
            skipped.append(
                {
                    "ref": str(attribute.get("uuid") or ""),
                    "reason": _("MISP type %(type)s is not an indicator Fortress records.")
                    % {"type": attribute.get("type")},
                }
            )
            continue
        yield row
    objects = event.get("Object") or []
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise FileRefused(_("A MISP Object list must hold JSON objects."))
    for obj in objects:
        yield from _object_rows(obj)


def parse_misp(data: Any) -> ParsedFile:
    event = data.get("Event", data) if isinstance(data, dict) else None
    if not isinstance(event, dict) or not ("Attribute" in event or "Object" in event):
        raise FileRefused(_('A MISP file must be an event: {"Event": {"Attribute": [...]}}.'))
    skipped: list[dict[str, str]] = []
    return ParsedFile(rows=counted(_rows(event, skipped)), skipped=skipped)
