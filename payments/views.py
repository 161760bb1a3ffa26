"""The stop-payment pages: filing from a case, the queue, a request with its acknowledge and
outcome forms. Thin: the access policy answers who may, the services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import access
from agencies.forms import show_service_error
from cases.models import AssetKind
from config.errors import ConflictError, PolicyError
from payments import figures, selectors, services
from payments.forms import FileForm, OutcomeForm, QueueFilterForm, VersionForm
from payments.models import AccountKind, StopPaymentRequest
from victims.selectors import log_reads

PAGE_SIZE = 50
ASSET_ACCOUNT_KINDS = {
    AssetKind.BANK_ACCOUNT: AccountKind.BANK_ACCOUNT,
    AssetKind.CRYPTO: AccountKind.CRYPTO_WALLET,
}


def _source(request: HttpRequest, case) -> dict[str, Any]:
    """What the request is filed from (?asset= / ?indicator= / ?hit=, or the form's hidden
    fields): loaded through the policy, and of this case, or 404."""
    data = request.POST if request.method == "POST" else request.GET
    user = request.user
    found: dict[str, Any] = {}
    if data.get("asset"):
        asset = access.get_asset_for_user(user, data["asset"])
        if asset.case_id != case.pk:
            raise Http404("No such asset.")
        found["asset"] = asset
    if data.get("hit"):
        hit = access.get_hit_for_user(user, data["hit"])
        if hit.case_id != case.pk:
            raise Http404("No such hit.")
        found["hit"] = hit
    elif data.get("indicator"):
        indicator = access.get_indicator_for_user(user, data["indicator"])
        if indicator.case_id != case.pk:
            raise Http404("No such indicator.")
        found["indicator"] = indicator
    return found


@login_required
def file_request(request: HttpRequest, case_pk: int) -> HttpResponse:
    user = request.user
    case = access.get_case_for_user(user, case_pk)
    if not access.can_file_stop_payment(user, case):
        raise Http404("No such case.")
    source = _source(request, case)
    initial: dict[str, Any] = {"urgency": "urgent"}
    value = None
    if "asset" in source:
        asset = source["asset"]
        initial.update(asset=asset.pk, amount=asset.amount, currency=asset.currency)
        if asset.kind in ASSET_ACCOUNT_KINDS:
            initial["account_kind"] = ASSET_ACCOUNT_KINDS[asset.kind]
    if "hit" in source:
        value = source["hit"].value
        initial["hit"] = source["hit"].pk
    elif "indicator" in source:
        value = source["indicator"].value
        initial["indicator"] = source["indicator"].pk
    if value is not None:
        initial.update(account_kind=value.kind, account=value.normalized, chain=value.chain)
    kind = request.POST.get("account_kind") or initial.get("account_kind", "")
    account = request.POST.get("account") or initial.get("account", "")
    try:
        normalized = services.normalize_account(
            account_kind=kind,
            account=account,
            chain=request.POST.get("chain") or initial.get("chain", ""),
            region=case.agency.country.code,
        )
    except ValidationError:
        normalized = ""
    proposal = selectors.propose_agencies(
        user, account_kind=kind, account=normalized, hit=source.get("hit")
    )
    if proposal.proposed is not None:
        initial["to_agency"] = proposal.proposed.pk
    victims = (
        list(access.visible_victims(user).filter(case=case).order_by("pk"))
        if access.can(user, access.Action.READ_VICTIM_IDENTITY)
        else []
    )
    if victims:  # their references are listed to choose from: a read of each
        log_reads(by=user, victims=victims, where=request.path, reason="stop-payment request")
    form = FileForm(
        request.POST or None, initial=initial, agencies=proposal.agencies, victims=victims
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        victim = next((v for v in victims if str(v.pk) == data["victim"]), None)
        transfers = []
        if data["sent_on"] or data["transaction_reference"]:
            transfers.append(
                {
                    "amount": data["amount"],
                    "currency": data["currency"],
                    "sent_on": data["sent_on"],
                    "reference": data["transaction_reference"],
                }
            )
        try:
            filed = services.stop_payment_file(
                case=case,
                by=user,
                to_agency=data["to_agency"],
                account_kind=data["account_kind"],
                account=data["account"],
                chain=data["chain"],
                amount=data["amount"],
                currency=data["currency"],
                deadline=data["deadline"],
                urgency=data["urgency"],
                note=data["note"],
                victim=victim,
                transfers=transfers,
                **source,
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Stop-payment request %(ref)s sent.") % {"ref": filed.reference}
            )
            return redirect("payments:detail", filed.pk)
    return render(
        request,
        "payments/file.html",
        {"case": case, "form": form, "proposal": proposal, "source": source},
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.can_view_stop_payments(user):
        raise Http404("No such page.")
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = selectors.queue(
        user, direction=filters.get("direction", ""), status=filters.get("status", "")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    agency_figures = figures.agency_figures(user)
    return render(
        request,
        "payments/queue.html",
        {
            "form": form,
            "page": page,
            "figures": agency_figures,
            "figure_rows": [
                (_("Sent"), agency_figures.sent),
                (_("Received"), agency_figures.received),
            ]
            if agency_figures
            else [],
            "own_agency_id": access.agency_id_of(user),
            "now": timezone.now(),
        },
    )


def _detail(
    request: HttpRequest,
    stop: StopPaymentRequest,
    ack_form: VersionForm | None = None,
    outcome_form: OutcomeForm | None = None,
) -> HttpResponse:
    user = request.user
    stop = access.get_stop_payment_for_user(user, stop.pk)
    can_answer = access.can_answer_stop_payment(user, stop) and stop.is_open
    return render(
        request,
        "payments/detail.html",
        {
            "stop": stop,
            "see_origin": access.can_see_origin(user, stop),
            "chain": selectors.visible_chain(user, stop),
            "transfers": list(stop.transfers.all()),
            "can_answer": can_answer,
            "ack_form": ack_form or VersionForm(initial={"version": stop.version}),
            "outcome_form": outcome_form
            or OutcomeForm(
                initial={"version": stop.version}, agencies=selectors.other_agencies(user)
            ),
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_stop_payment_for_user(request.user, pk))


def _answerable(request: HttpRequest, pk: int) -> StopPaymentRequest:
    stop = access.get_stop_payment_for_user(request.user, pk)
    if not access.can_answer_stop_payment(request.user, stop):
        raise Http404("No such stop-payment request.")
    return stop


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    stop = _answerable(request, pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.stop_payment_acknowledge(
                request=stop, by=request.user, version=form.cleaned_data.get("version")
            )
        except PolicyError:
            raise Http404("No such stop-payment request.") from None
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Acknowledged."))
            return redirect("payments:detail", stop.pk)
    return _detail(request, stop, ack_form=form)


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    stop = _answerable(request, pk)
    form = OutcomeForm(request.POST, agencies=selectors.other_agencies(request.user))
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.stop_payment_record_outcome(
                request=stop, by=request.user, version=version, **data
            )
        except PolicyError:
            raise Http404("No such stop-payment request.") from None
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect("payments:detail", stop.pk)
    return _detail(request, stop, outcome_form=form)
