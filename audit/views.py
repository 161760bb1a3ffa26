"""The audit trail for supervisors: their agency's entries, filtered, paginated, exported as
CSV. Read-only: there is no page that changes an entry."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

import access
from audit.forms import AuditFilterForm
from interchange.csv_format import neutralise

CSV_COLUMNS = [
    "seq",
    "at",
    "kind",
    "outcome",
    "user_id",
    "username",
    "agency",
    "address",
    "object_type",
    "object_id",
    "detail",
    "hash",
]
# One export holds at most this many rows (narrow the dates for more).
CSV_MAX_ROWS = 100_000


def _events(request: HttpRequest):
    if not access.can_read_audit(request.user):
        raise Http404("No such page.")
    form = AuditFilterForm(request.GET or None)
    return form, form.filter(access.visible_audit_events(request.user))


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _events(request)
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    return render(request, "audit/events.html", {"form": form, "page": page})


@login_required
@require_GET
def event_export(request: HttpRequest) -> HttpResponse:
    """The filtered entries as CSV; a cell a spreadsheet would run as a formula is written
    with a leading apostrophe (interchange.csv_format.neutralise)."""
    _form, events = _events(request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in events.order_by("seq")[:CSV_MAX_ROWS].iterator(chunk_size=2000):
        cells = [
            e.seq,
            e.at.isoformat(),
            e.kind,
            e.outcome,
            e.user_id if e.user_id is not None else "",
            e.username,
            e.agency_name,
            e.address or "",
            e.object_type,
            e.object_id,
            "; ".join(f"{k}={v}" for k, v in sorted(e.detail.items())),
            e.hash,
        ]
        writer.writerow([neutralise(str(cell)) for cell in cells])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
