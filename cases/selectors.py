"""The reads of the case pages, always starting from access/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext, pgettext_lazy

import access
from agencies.models import User
from cases.models import Asset, Case, CaseNote, Suspect
from indicators.models import IndicatorValue
from indicators.normalize import normalize
from indicators.normalize.kinds import CHAIN_KINDS, PLATFORM_KINDS, Chain, Kind, Platform
from persons.search import search_name_q

# Fields whose change is not worth a line in the timeline.
_QUIET = {"id", "version", "created_at", "updated_at", "case", "agency", "reference", "search_name"}


def case_list(user: User, params: dict[str, Any], sort: str | None) -> QuerySet[Case]:
    """Visible cases, searched and filtered by the list's parameters (already validated)."""
    cases = access.visible_cases(user).select_related("agency", "lead_investigator")
    if access.can(user, access.Action.VIEW_CASE_FILE):
        # The case file is visible for every visible case to these roles: count it. A
        # subquery, not Count() and GROUP BY: PostgreSQL computes it for the rows of the page
        # only, and the paginator's count drops it.
        suspects = access.visible_suspects(user).filter(case_id=OuterRef("pk")).order_by()
        cases = cases.annotate(
            suspect_count=Subquery(suspects.annotate(n=Func("pk", function="COUNT")).values("n"))
        )
    query = (params.get("q") or "").strip()
    if query:
        cases = cases.filter(case_search_q(user, query))
    for name in ("status", "fraud_type", "sharing_level"):
        if params.get(name):
            cases = cases.filter(**{name: params[name]})
    if params.get("country"):
        cases = cases.filter(country_q("countries", params["country"]))
    if params.get("mine"):
        cases = cases.filter(lead_investigator=user)
    # Explicit: an aggregate drops the model's default ordering.
    return cases.order_by(sort, "-id") if sort else cases.order_by("-created_at", "-id")


def country_q(field: str, code: str) -> Q:
    """Rows whose multiple CountryField (stored as comma-separated codes) includes `code`."""
    code = code.upper()
    return (
        Q(**{field: code})
        | Q(**{f"{field}__startswith": f"{code},"})
        | Q(**{f"{field}__endswith": f",{code}"})
        | Q(**{f"{field}__contains": f",{code},"})
    )


def typed_values(query: str, *, region: str | None) -> set[str]:
    """What `query` is as each kind of indicator would normalise it (a phone number in the
    user's agency country as default region, a wallet on each chain, a handle on each
    platform): the normalised values a case holding it stores."""
    values: set[str] = set()
    for kind in Kind.values:
        qualifiers = (
            Chain.values
            if kind in CHAIN_KINDS
            else Platform.values
            if kind in PLATFORM_KINDS
            else [""]
        )
        for qualifier in qualifiers:
            chain = qualifier if kind in CHAIN_KINDS else ""
            platform = qualifier if kind in PLATFORM_KINDS else ""
            try:
                found = normalize(kind, query, chain=chain, platform=platform, region=region)
            except ValidationError:
                continue
            values.add(found.value)
    return values


def _indicator_match(user: User, query: str) -> Q | None:
    """Cases with an indicator, visible to the user, whose raw or normalised value contains
    `query`, or whose value is `query` normalised as its kind would be (only for roles that
    read the case file)."""
    if not access.can(user, access.Action.VIEW_CASE_FILE):
        return None
    region = user.agency.country.code if user.agency_id and user.agency.country else None
    values = Q(normalized__icontains=query)
    typed = typed_values(query, region=region)
    if typed:
        values |= Q(normalized__in=sorted(typed))
    indicators = access.visible_indicators(user)
    # The cases of the matching indicators, found once (by the trigram indexes of
    # cases/migrations/0008 on PostgreSQL), not an EXISTS per case; the value's two tests and
    # the raw value's apart, so each subquery reads one table's indexes.
    return Q(pk__in=indicators.filter(raw_value__icontains=query).values("case_id")) | Q(
        pk__in=indicators.filter(value__in=IndicatorValue.objects.filter(values)).values("case_id")
    )


def _suspect_match(user: User, query: str) -> Q | None:
    """Cases with a suspect whose name or alias, folded as the person index folds names,
    holds every word typed (only for roles that read the case file)."""
    if not access.can(user, access.Action.VIEW_CASE_FILE):
        return None
    match = Q(full_name__icontains=query)
    names = search_name_q("search_name", query)
    if names is not None:
        match |= names
    return Q(pk__in=access.visible_suspects(user).filter(match).values("case_id"))


def case_search_q(user: User, query: str) -> Q:
    """Reference, title, an indicator value of the case (as written, or as its kind
    normalises it) or a suspect's name (folded)."""
    match = Q(reference__icontains=query) | Q(title__icontains=query)
    for part in (_indicator_match(user, query), _suspect_match(user, query)):
        if part is not None:
            match |= part
    return match


# The badge of a timeline entry, by its kind.
_ENTRY_KINDS = {
    "note": pgettext_lazy("timeline entry", "note"),
    "event": pgettext_lazy("timeline entry", "event"),
    "created": pgettext_lazy("timeline entry", "created"),
    "changed": pgettext_lazy("timeline entry", "changed"),
}


@dataclass
class TimelineEntry:
    when: datetime
    who: User | None
    kind: str  # note, event, created, changed
    subject: str
    text: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    note: CaseNote | None = None

    @property
    def kind_label(self) -> str:
        return str(_ENTRY_KINDS.get(self.kind, self.kind))


def _display(record: models.Model, f: models.Field, users: dict[int, User]) -> str:
    if isinstance(f, models.ForeignKey):
        pk = getattr(record, f.attname)
        if pk is None:
            return "—"
        if f.related_model is User:
            return users[pk].display_name if pk in users else f"#{pk}"
        return f"#{pk}"
    value = getattr(record, f.attname)
    if isinstance(value, list | tuple):
        return ", ".join(str(getattr(v, "code", v)) for v in value) or "—"
    if f.choices and f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if value in (None, ""):
        return "—"
    return str(value)


def _history_entries(records: list, subject_of, users: dict[int, User]) -> list[TimelineEntry]:
    entries = []
    previous: dict[int, Any] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        previous[record.id] = record
        who = users.get(record.history_user_id)
        subject = subject_of(record)
        if before is None:
            entries.append(TimelineEntry(record.history_date, who, "created", subject))
            continue
        changes = []
        for f in record.instance_type._meta.concrete_fields:
            if f.name in _QUIET:
                continue
            old, new = _display(before, f, users), _display(record, f, users)
            if old != new:
                changes.append((str(f.verbose_name).capitalize(), old, new))
        if changes:
            entries.append(TimelineEntry(record.history_date, who, "changed", subject, "", changes))
    return entries


def case_timeline(user: User, case: Case, limit: int = 200) -> list[TimelineEntry]:
    """Notes, events and every recorded change of the case and its suspects and assets, newest
    first: who, when, old → new. The case file's part only for roles that see the case file."""
    case_records = list(case.history.all())
    file_visible = access.can_view_case_file(user, case)
    suspect_records = list(Suspect.history.filter(case_id=case.pk)) if file_visible else []
    asset_records = list(Asset.history.filter(case_id=case.pk)) if file_visible else []
    notes = (
        list(access.visible_notes(user).filter(case=case).select_related("author"))
        if file_visible
        else []
    )
    user_ids = {r.history_user_id for r in case_records + suspect_records + asset_records}
    user_ids |= {r.lead_investigator_id for r in case_records}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids - {None})}

    entries = _history_entries(
        case_records, lambda r: gettext("Case %(reference)s") % {"reference": r.reference}, users
    )
    entries += _history_entries(
        suspect_records, lambda r: gettext("Suspect %(name)s") % {"name": r.full_name}, users
    )
    entries += _history_entries(
        asset_records,
        lambda r: (
            gettext("Asset: %(kind)s %(currency)s")
            % {"kind": r.get_kind_display(), "currency": r.currency}
        ).strip(),
        users,
    )
    entries += [
        TimelineEntry(n.created_at, n.author, n.kind, n.get_kind_display(), n.display_text, note=n)
        for n in notes
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
