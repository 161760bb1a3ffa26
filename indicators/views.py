"""Indicator, hit and access-request pages. Thin: every read goes through access/,
every write through indicators/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

import access
from agencies.forms import show_service_error
from cases.models import SharingLevel
from cases.sections import CASE_CHANGED
from config.errors import PolicyError
from config.redirects import next_url
from indicators import selectors, services
from indicators.case_sections import indicators_section
from indicators.forms import (
    AccessRequestForm,
    BatchForm,
    DecisionForm,
    HitFilterForm,
    IndicatorEditForm,
    IndicatorForm,
)
from indicators.models import AccessRequestStatus


def _writable_case(request: HttpRequest, case_pk: int):
    case = access.get_case_for_user(request.user, case_pk)
    if not access.can_manage_indicators(request.user, case):
        raise Http404("No such page.")
    return case


def _section(request: HttpRequest, case, **extra) -> HttpResponse:
    """The indicators section of the case page (htmx target), or the case page itself."""
    if not request.htmx:
        return redirect(reverse("cases:detail", args=[case.pk]) + "#section-indicators")
    context = {"case": case, "section": indicators_section(request.user, case), **extra}
    response = render(request, "indicators/_section_indicators.html", context)
    # The live sections (hits) hear of the save and ask again until the queue is done.
    return trigger_client_event(response, CASE_CHANGED)


@login_required
def indicator_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _writable_case(request, case_pk)
    form = IndicatorForm(request.POST or None)
    action = reverse("indicators:add", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_add(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            text = (
                f"Recorded as {indicator.get_kind_display().lower()} {indicator.value.normalized}."
            )
            if not request.htmx:
                messages.success(request, text)
            return _section(request, case, saved=text)
    template = "indicators/_section_indicators.html" if request.htmx else "indicators/form.html"
    return render(
        request,
        template,
        {
            "case": case,
            "section": indicators_section(request.user, case),
            "form": form,
            "action": action,
            "title": _("Add an indicator"),
        },
    )


@login_required
def indicator_batch(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _writable_case(request, case_pk)
    form = BatchForm(request.POST or None)
    line_errors: dict[int, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            created = services.indicators_add_batch(case=case, by=request.user, rows=form.rows())
        except services.BatchError as exc:
            # The service numbers the rows; the officer reads the box's lines.
            numbers = form.line_numbers
            line_errors = {
                (numbers[n - 1] if n <= len(numbers) else n): errors
                for n, errors in exc.lines.items()
            }
            form.add_error("lines", _("Nothing was saved: correct the lines below."))
        else:
            messages.success(
                request, _("%(created)s indicators recorded.") % {"created": len(created)}
            )
            return redirect(reverse("cases:detail", args=[case.pk]) + "#section-indicators")
    return render(
        request,
        "indicators/batch_form.html",
        {"case": case, "form": form, "line_errors": sorted(line_errors.items())},
    )


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.get_indicator_for_user(request.user, pk, write=True)
    initial = {
        "first_seen": indicator.first_seen,
        "last_seen": indicator.last_seen,
        "note": indicator.note,
        "takedown_status": indicator.takedown_status,
        "takedown_date": indicator.takedown_date,
    }
    form = IndicatorEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(indicator=indicator, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect(
                reverse("cases:detail", args=[indicator.case_id]) + "#section-indicators"
            )
    return render(
        request,
        "indicators/form.html",
        {
            "case": indicator.case,
            "form": form,
            "action": reverse("indicators:edit", args=[indicator.pk]),
            "title": f"Edit {indicator.get_kind_display().lower()} {indicator.value.normalized}",
        },
    )


@login_required
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.get_indicator_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.indicator_delete(indicator=indicator, by=request.user)
        messages.success(request, _("Indicator removed."))
        return redirect(reverse("cases:detail", args=[indicator.case_id]) + "#section-indicators")
    return render(request, "indicators/confirm_delete.html", {"indicator": indicator})


# --- hits ------------------------------------------------------------------------------------


@login_required
def hit_list(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, access.Action.MANAGE_INDICATORS):
        raise Http404("No such page.")
    form = HitFilterForm(request.GET or None)
    status = form.cleaned_data.get("status") if form.is_valid() else ""
    # Counted as the engine keeps it: the agency's tally, not its sightings.
    hits = access.visible_hits_counted(request.user, status or None)
    page = Paginator(hits, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/hit_list.html",
        {"form": form, "page": page, "rows": selectors.hit_rows(request.user, list(page))},
    )


@login_required
@require_POST
def hit_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    hit = access.get_hit_for_user(request.user, pk)
    status = request.POST.get("status", "")
    try:
        hit = services.hit_review(hit=hit, by=request.user, status=status)
    except PolicyError:
        raise Http404("No such hit.") from None
    except ValidationError as exc:  # an unknown status, or the hit went meanwhile
        return HttpResponse(" ".join(exc.messages), status=400)
    if request.htmx:
        return render(
            request, "indicators/_hit_row.html", {"row": selectors.hit_rows(request.user, [hit])[0]}
        )
    messages.success(
        request, _("Hit marked %(status)s.") % {"status": hit.get_status_display().lower()}
    )
    return redirect(next_url(request, reverse("indicators:hits")))


@login_required
def access_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    hit = access.get_hit_for_user(request.user, pk)
    if not access.can_request_access(request.user, hit):
        raise Http404("No such hit.")
    agencies = selectors.hit_counterparts(request.user, [hit]).get(hit.pk, [])
    form = AccessRequestForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_create(
                hit=hit,
                by=request.user,
                agency=form.agencies[form.cleaned_data["agency"]],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Access requested: a supervisor of that agency decides."))
            return redirect("indicators:requests")
    return render(
        request,
        "indicators/access_request_form.html",
        {"form": form, "hit": hit, "agencies": agencies},
    )


@login_required
def access_request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (
        access.can(user, access.Action.MANAGE_INDICATORS)
        or access.can(user, access.Action.DECIDE_ACCESS_REQUESTS)
    ):
        raise Http404("No such page.")
    mine = (
        access.visible_access_requests(user)
        .filter(requesting_agency_id=user.agency_id)
        .select_related("case__agency", "hit__value", "requested_by")
    )
    to_decide = access.decidable_access_requests(user).select_related(
        "case", "requesting_agency", "requested_by", "hit__value"
    )
    page = Paginator(to_decide, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/access_request_list.html",
        {
            "mine": list(mine[:50]),
            "page": page,
            "can_decide": access.can(user, access.Action.DECIDE_ACCESS_REQUESTS),
        },
    )


@login_required
def access_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access.get_access_request_for_user(request.user, pk)
    if not access.can_decide_access_request(request.user, access_request):
        raise Http404("No such access request.")
    if access_request.status != AccessRequestStatus.PENDING:
        messages.info(request, _("This request has already been decided."))
        return redirect("indicators:requests")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grant = form.cleaned_data["decision"] == "grant"
        if grant_needs_confirmation(form, access_request):
            return grant_confirmation(
                request, access_request, form.cleaned_data["note"], request.path
            )
        try:
            services.access_request_decide(
                access_request=access_request,
                by=request.user,
                grant=grant,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, "Access granted." if grant else "Access refused.")
            return redirect("indicators:requests")
    return render(
        request, "indicators/access_request_decide.html", {"form": form, "ar": access_request}
    )


def grant_needs_confirmation(form: DecisionForm, access_request) -> bool:
    """A grant not yet confirmed: show what it shares first. A case shared through its
    operation goes straight to the service, which says why it cannot be granted."""
    return (
        form.cleaned_data["decision"] == "grant"
        and not form.cleaned_data["confirmed"]
        and access_request.case.sharing_level != SharingLevel.OPERATION
    )


def grant_confirmation(
    request: HttpRequest, access_request, note: str, action: str
) -> HttpResponse:
    """The second step of a grant: what the case's sharing becomes and what of its file the
    asking agency will read, with the button that grants (posted back to `action`)."""
    return render(
        request,
        "indicators/access_request_confirm.html",
        {
            "ar": access_request,
            "preview": selectors.access_grant_preview(access_request),
            "note": note,
            "action": action,
        },
    )
