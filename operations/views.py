"""Joint operation pages and the supervisor's approvals queue. Every read starts from
access/ (404 for whoever is not a member); every write calls a service."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import access
from agencies.forms import show_service_error
from cases.models import OperationStatus, ParticipationStatus
from config.errors import ConflictError, PolicyError
from indicators.forms import DecisionForm
from indicators.services import access_request_decide
from indicators.views import grant_confirmation, grant_needs_confirmation
from operations import charts, selectors, services
from operations.figures import operation_figures
from operations.forms import (
    InvitationResponseForm,
    InviteForm,
    LinkCaseForm,
    OperationForm,
    RateForm,
    StatusForm,
)
from operations.report import csv_rows, figure_cards
from payments import figures as stop_payment_figures
from victims.selectors import log_reads

PAGE_SIZE = 25


def _runner_operation(request: HttpRequest, pk: int):
    operation = access.get_member_operation_for_user(request.user, pk)
    if not access.can_run_operation(request.user, operation):
        raise Http404("No such operation.")
    return operation


@login_required
def operation_list(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, access.Action.VIEW_CASES):
        raise Http404("No such page.")
    operations = access.visible_operations(request.user).select_related("lead_agency")
    page = Paginator(operations.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "operations/operation_list.html",
        {"page": page, "can_create": access.can(request.user, access.Action.RUN_OPERATIONS)},
    )


@login_required
def operation_create(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, access.Action.RUN_OPERATIONS):
        raise Http404("No such page.")
    form = OperationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operation = services.operation_create(
                by=request.user, code=form.cleaned_data["code"], **form.service_fields()
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Operation %(code)s planned.") % {"code": operation.code})
            return redirect("operations:detail", operation.pk)
    return render(request, "operations/operation_form.html", {"form": form, "operation": None})


@login_required
def operation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _runner_operation(request, pk)
    form = OperationForm(request.POST or None, instance=operation)
    if request.method == "POST" and form.is_valid():
        try:
            services.operation_update(
                operation=operation,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Operation saved."))
            return redirect("operations:detail", operation.pk)
    return render(request, "operations/operation_form.html", {"form": form, "operation": operation})


@login_required
def operation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    operation = access.get_operation_for_user(request.user, pk)
    participations = list(
        operation.participations.select_related("agency").order_by("agency__name")
    )
    if not access.is_operation_member(request.user, operation):
        # Invited: the invitation, not the figures.
        invitation = next(
            (p for p in participations if p.agency_id == request.user.agency_id), None
        )
        return render(
            request,
            "operations/invitation.html",
            {
                "operation": operation,
                "participations": participations,
                "can_respond": invitation is not None
                and access.can_respond_to_invitation(request.user, invitation),
            },
        )
    figures = operation_figures(request.user, operation)
    visible_cases = list(
        access.visible_cases(request.user)
        .filter(operation_id=operation.pk)
        .select_related("agency")
        .order_by("reference")
    )
    can_run = access.can_run_operation(request.user, operation)
    is_open = operation.status != OperationStatus.CONCLUDED
    link_form = None
    if is_open and access.can(request.user, access.Action.EDIT_CASES):
        link_form = LinkCaseForm(user=request.user, operation=operation)
    return render(
        request,
        "operations/operation_detail.html",
        {
            "operation": operation,
            "participations": participations,
            "figures": figures,
            "figure_cards": figure_cards(figures),
            "charts": charts.all_charts(figures),
            "visible_cases": visible_cases,
            "hidden_cases": max(figures.cases - len(visible_cases), 0),
            "stop_payments": stop_payment_figures.operation_figures(request.user, operation),
            "own_agency_id": request.user.agency_id,
            "can_run": can_run,
            "is_open": is_open,
            "invite_form": InviteForm(operation=operation) if can_run and is_open else None,
            "status_form": StatusForm() if can_run and is_open else None,
            "rate_form": RateForm() if can_run else None,
            "rates": list(operation.rates.all()),
            "link_form": link_form,
            "next_status": services.NEXT_STATUS[operation.status],
        },
    )


@login_required
def operation_figure(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """The list behind one figure: what the viewer may open, and a count of the rest."""
    operation = access.get_member_operation_for_user(request.user, pk)
    figures = operation_figures(request.user, operation)
    listing = selectors.figure_list(
        request.user, operation, name, figures, country=request.GET.get("country", "")[:2]
    )
    page = Paginator(listing.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if listing.kind == "victim":
        # Every victim shown is a read of the record: into the victims' access log.
        log_reads(
            by=request.user,
            victims=list(page.object_list),
            where=request.path,
            reason=f"{operation.name}: {listing.title}",
        )
    return render(
        request,
        "operations/figure_list.html",
        {"operation": operation, "listing": listing, "page": page},
    )


def _csv_safe(value: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: quote it."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


@login_required
def operation_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    operation = access.get_member_operation_for_user(request.user, pk)
    figures = operation_figures(request.user, operation)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="operation-{operation.code}.csv"'
    writer = csv.writer(response)
    stop_payments = stop_payment_figures.operation_figures(request.user, operation)
    for row in [*csv_rows(operation, figures), *stop_payment_figures.csv_rows(stop_payments)]:
        writer.writerow([_csv_safe(cell) for cell in row])
    return response


@login_required
def operation_report_print(request: HttpRequest, pk: int) -> HttpResponse:
    operation = access.get_member_operation_for_user(request.user, pk)
    figures = operation_figures(request.user, operation)
    return render(
        request,
        "operations/report_print.html",
        {
            "operation": operation,
            "participations": operation.participations.select_related("agency").order_by(
                "agency__name"
            ),
            "figures": figures,
            "figure_cards": figure_cards(figures),
            "charts": charts.all_charts(figures),
            "stop_payments": stop_payment_figures.operation_figures(request.user, operation),
        },
    )


def _run(request: HttpRequest, form, action, done: str, invalid: str) -> None:
    """Apply a runner's form through its service; the outcome goes in a message."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        action(**form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)


@login_required
@require_POST
def operation_invite(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _runner_operation(request, pk)
    _run(
        request,
        InviteForm(request.POST, operation=operation),
        lambda agencies: services.operation_invite(
            operation=operation, by=request.user, agencies=agencies
        ),
        "Invitations sent.",
        "Choose the agencies to invite.",
    )
    return redirect("operations:detail", operation.pk)


@login_required
@require_POST
def operation_status(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _runner_operation(request, pk)
    _run(
        request,
        StatusForm(request.POST),
        lambda status: services.operation_set_status(
            operation=operation, by=request.user, status=status
        ),
        "Status changed.",
        "Choose a status.",
    )
    return redirect("operations:detail", operation.pk)


@login_required
@require_POST
def operation_rate(request: HttpRequest, pk: int) -> HttpResponse:
    operation = _runner_operation(request, pk)
    _run(
        request,
        RateForm(request.POST),
        lambda currency, rate: services.operation_rate_set(
            operation=operation, by=request.user, currency=currency, rate=rate
        ),
        "Rate recorded.",
        "Give a currency and a positive rate.",
    )
    return redirect("operations:detail", operation.pk)


@login_required
@require_POST
def operation_link_case(request: HttpRequest, pk: int) -> HttpResponse:
    operation = access.get_member_operation_for_user(request.user, pk)
    form = LinkCaseForm(request.POST, user=request.user, operation=operation)
    if not form.is_valid():
        raise Http404("No such case.")
    try:
        case = services.operation_link_case(
            operation=operation,
            case=form.cleaned_data["case"],
            by=request.user,
            share=form.cleaned_data["share"],
        )
    except PolicyError:
        raise Http404("No such case.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(reference)s linked to the operation.") % {"reference": case.reference}
        )
    return redirect("operations:detail", operation.pk)


@login_required
@require_POST
def case_link(request: HttpRequest, case_pk: int) -> HttpResponse:
    """From the case page: link the case to one of the operations the agency takes part in."""
    case = access.get_case_for_user(request.user, case_pk, write=True)
    operation = access.get_member_operation_for_user(request.user, request.POST.get("operation"))
    try:
        services.operation_link_case(
            operation=operation, case=case, by=request.user, share=bool(request.POST.get("share"))
        )
    except PolicyError:
        raise Http404("No such case.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(reference)s linked to %(name)s.")
            % {"reference": case.reference, "name": operation.name},
        )
    return redirect("cases:detail", case.pk)


@login_required
def operation_unlink_case(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    """Destructive: a confirmation page, then the POST."""
    operation = access.get_member_operation_for_user(request.user, pk)
    case = access.get_case_for_user(request.user, case_pk, write=True)
    if case.operation_id != operation.pk or not access.can_link_case(request.user, operation, case):
        raise Http404("No such case.")
    if request.method == "POST":
        try:
            services.operation_unlink_case(operation=operation, case=case, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(reference)s taken out of the operation.") % {"reference": case.reference},
            )
        return redirect("operations:detail", operation.pk)
    return render(request, "operations/unlink_confirm.html", {"operation": operation, "case": case})


@login_required
@require_POST
def invitation_respond(request: HttpRequest, pk: int) -> HttpResponse:
    participation = access.get_invitation_for_user(request.user, pk)
    form = InvitationResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept or decline."))
        return redirect("operations:approvals")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.invitation_respond(participation=participation, by=request.user, accept=accept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("operations:approvals")
    if accept:
        messages.success(
            request,
            _("Your agency takes part in %(name)s.") % {"name": participation.operation.name},
        )
        return redirect("operations:detail", pk)
    messages.success(
        request, _("Invitation to %(name)s declined.") % {"name": participation.operation.name}
    )
    return redirect("operations:approvals")


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """One queue: access requests for the agency's cases and invitations to operations."""
    if not (
        access.can(request.user, access.Action.DECIDE_ACCESS_REQUESTS)
        or access.can(request.user, access.Action.RUN_OPERATIONS)
    ):
        raise Http404("No such page.")
    queue = selectors.approvals_for(request.user)
    return render(
        request,
        "operations/approvals.html",
        {
            "access_requests": list(queue.access_requests),
            "invitations": list(queue.invitations),
            "publications": list(queue.publications),
            "decision_form": DecisionForm(),
            "accepted": ParticipationStatus.ACCEPTED,
        },
    )


@login_required
@require_POST
def approval_access_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant or refuse from the queue, through the indicators app's own service."""
    access_request = access.get_access_request_for_user(request.user, pk)
    if not access.can_decide_access_request(request.user, access_request):
        raise Http404("No such access request.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Grant or refuse."))
        return redirect("operations:approvals")
    grant = form.cleaned_data["decision"] == "grant"
    if grant_needs_confirmation(form, access_request):
        return grant_confirmation(request, access_request, form.cleaned_data["note"], request.path)
    try:
        access_request_decide(
            access_request=access_request,
            by=request.user,
            grant=grant,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Access granted." if grant else "Access refused.")
    return redirect("operations:approvals")
