"""The registry pages: the search, an entry with its lifecycle, publishing an indicator and
deciding a proposal, and the wanted identities (list, page, publish, withdraw). Thin: the
access policy answers who may, the services write."""

from __future__ import annotations

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
from config.errors import ConflictError, PolicyError
from persons import selectors as person_selectors
from registry import selectors, services
from registry.forms import (
    AwarenessForm,
    ClaimForm,
    ProposalDecisionForm,
    ProposalForm,
    SearchForm,
    StepForm,
    WantedPublishForm,
    WantedSearchForm,
    WantedWithdrawForm,
)
from registry.models import RegistryEntry

PAGE_SIZE = 50


@login_required
def search(request: HttpRequest) -> HttpResponse:
    if not access.can_read_registry(request.user):
        raise Http404("No such page.")
    form = SearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.registry_search(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/search.html", {"form": form, "page": page})


def _detail(
    request: HttpRequest,
    entry: RegistryEntry,
    step_form: StepForm | None = None,
    claim_form: ClaimForm | None = None,
) -> HttpResponse:
    entry = selectors.with_sources(RegistryEntry.objects.filter(pk=entry.pk)).get()
    user = request.user
    own_source = next((s for s in entry.live_sources if s.agency_id == user.agency_id), None)
    return render(
        request,
        "registry/detail.html",
        {
            "entry": entry,
            "history": selectors.entry_history(entry),
            "can_record": access.can_record_takedown(user, entry),
            "can_withdraw": own_source is not None and access.can_withdraw_source(user, own_source),
            "awareness_source": access.awareness_source(user, entry),
            "awareness_kinds": access.AWARENESS_KINDS,
            "step_form": step_form or StepForm(initial={"version": entry.version}),
            "claim_form": claim_form or ClaimForm(initial={"version": entry.version}),
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_registry_entry_for_user(request.user, pk))


@login_required
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.get_registry_entry_for_user(request.user, pk)
    if not access.can_record_takedown(request.user, entry):
        raise Http404("No such entry.")
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_record_step(
                entry=entry,
                by=request.user,
                status=data["status"],
                version=data.get("version"),
                recipient=data.get("recipient") or "",
                reference=data.get("reference") or "",
                taken_down_on=data.get("taken_down_on"),
                note=data.get("note") or "",
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Step recorded."))
            return redirect("registry:detail", entry.pk)
    return _detail(request, entry, step_form=form)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.get_registry_entry_for_user(request.user, pk)
    if not access.can_record_takedown(request.user, entry):
        raise Http404("No such entry.")
    form = ClaimForm(request.POST)
    if form.is_valid():
        release = bool(form.cleaned_data.get("release"))
        try:
            services.entry_claim(
                entry=entry,
                by=request.user,
                version=form.cleaned_data.get("version"),
                release=release,
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Your agency no longer works on it.")
                if release
                else _("Your agency works on this takedown."),
            )
            return redirect("registry:detail", entry.pk)
    return _detail(request, entry, claim_form=form)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.get_registry_entry_for_user(request.user, pk)
    if not access.can_withdraw_publications(request.user):
        raise Http404("No such entry.")
    try:
        services.source_withdraw(entry=entry, by=request.user)
    except PolicyError:
        raise Http404("No such entry.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:detail", entry.pk)
    messages.success(request, _("Your agency's publication is withdrawn."))
    return redirect("registry:search")


@login_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.get_indicator_for_user(request.user, pk)
    if not access.is_publishable(request.user, indicator):
        raise Http404("No such indicator.")
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_create(indicator=indicator, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Proposed: a supervisor of your agency decides."))
            return redirect("cases:detail", indicator.case_id)
    return render(
        request,
        "registry/propose.html",
        {
            "form": form,
            "indicator": indicator,
            "silent": not access.can_propose_publication(request.user, indicator),
        },
    )


@login_required
@require_POST
def decide_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = access.get_proposal_for_user(request.user, pk)
    if not access.can_decide_proposal(request.user, proposal):
        raise Http404("No such proposal.")
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Publish or refuse."))
        return redirect("operations:approvals")
    approve = form.cleaned_data["decision"] == "approve"
    if approve and not access.can_approve_proposal(request.user, proposal):
        messages.error(request, _("Another supervisor must approve a proposal you made yourself."))
        return redirect("operations:approvals")
    try:
        services.proposal_decide(
            proposal=proposal, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Published to the registry.") if approve else _("Refused."))
    return redirect("operations:approvals")


@login_required
@require_POST
def awareness(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor of a publishing agency marks the entry for the public awareness page, or
    takes it off."""
    entry = access.get_registry_entry_for_user(request.user, pk)
    if access.awareness_source(request.user, entry) is None:
        raise Http404("No such entry.")
    form = AwarenessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Mark or unmark, with the version read."))
        return redirect("registry:detail", entry.pk)
    try:
        services.entry_set_awareness(
            entry=entry,
            by=request.user,
            public=form.cleaned_data["public"],
            version=form.cleaned_data.get("version"),
        )
    except ConflictError:
        messages.error(request, _("Someone changed this entry meanwhile: look again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Shown on the public awareness page.")
            if form.cleaned_data["public"]
            else _("Taken off the public awareness page."),
        )
    return redirect("registry:detail", entry.pk)


# --- wanted identities -----------------------------------------------------------------------


@login_required
def wanted_list(request: HttpRequest) -> HttpResponse:
    if not access.can_read_registry(request.user):
        raise Http404("No such page.")
    form = WantedSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    identities = selectors.wanted_search(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(identities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/wanted_list.html", {"form": form, "page": page})


@login_required
def wanted_detail(request: HttpRequest, pk: int) -> HttpResponse:
    identity = access.get_wanted_identity_for_user(request.user, pk)
    matches = list(person_selectors.wanted_matches_for(request.user).filter(identity=identity)[:50])
    return render(
        request,
        "registry/wanted_detail.html",
        {
            "identity": identity,
            "rows": person_selectors.wanted_rows(
                request.user, matches, where=f"wanted identity {identity.pk}"
            ),
            "can_withdraw": access.can_withdraw_wanted(request.user, identity),
            "own": identity.agency_id == access.agency_id_of(request.user),
        },
    )


@login_required
def wanted_publish(request: HttpRequest, pk: int) -> HttpResponse:
    suspect = access.get_suspect_for_user(request.user, pk)
    if not access.is_wanted_publishable(request.user, suspect):
        raise Http404("No such suspect.")
    form = WantedPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity = services.wanted_publish(
                suspect=suspect, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Published to every agency of the network."))
            return redirect("registry:wanted_detail", identity.pk)
    return render(
        request,
        "registry/wanted_publish.html",
        {
            "form": form,
            "suspect": suspect,
            "silent": not access.can_publish_wanted(request.user, suspect),
        },
    )


@login_required
def wanted_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    identity = access.get_wanted_identity_for_user(request.user, pk)
    if not access.can_withdraw_wanted(request.user, identity):
        raise Http404("No such wanted identity.")
    form = WantedWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.wanted_withdraw(
                identity=identity, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Withdrawn: it no longer matches anyone."))
            return redirect("registry:wanted_detail", identity.pk)
    return render(request, "registry/wanted_withdraw.html", {"form": form, "identity": identity})
