"""Pages of victims and repatriation. Thin: reads through victims.selectors (which log every
read of a victim), writes through victims.services; 404 for anything the user may not see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

import access
from agencies.forms import show_service_error
from agencies.models import Agency
from config.errors import ConflictError, PolicyError
from persons.selectors import wanted_matches_of_victim
from victims import selectors, services, stages
from victims.forms import (
    BulkMoveForm,
    CorrectMoveForm,
    DeclineForm,
    HandoverForm,
    MoveForm,
    RepatriationStartForm,
    VictimForm,
)
from victims.models import HandoverStatus, Repatriation, Stage
from victims.stages import SIDE_EXITS

# Moves that end or suspend a repatriation: asked to confirm first.
CONFIRM_STAGES = frozenset({Stage.CLOSED, *SIDE_EXITS})


def where(request: HttpRequest) -> str:
    match = request.resolver_match
    return f"{request.method} {match.view_name if match else request.path}"


def policy_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A write the policy refuses after the page was shown (say, someone else decided the
    hand-over meanwhile) answers like any object the user may not touch: 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PolicyError:
            raise Http404("No such page.") from None

    return wrapped


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404("No such page.")


# --- victims -------------------------------------------------------------------------------


@login_required
def victim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    victim = selectors.victim_for_read(request.user, pk, where=where(request))
    repatriation = Repatriation.objects.filter(victim=victim).first()
    return render(
        request,
        "victims/victim_detail.html",
        {
            "victim": victim,
            "repatriation": repatriation,
            "can_edit": access.can_edit_victim(request.user, victim),
            "case_visible": access.visible_cases(request.user).filter(pk=victim.case_id).exists(),
            "can_start": repatriation is None
            and access.can_start_repatriation(request.user, victim),
            "wanted_rows": wanted_matches_of_victim(request.user, victim.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def victim_create(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, case_pk)
    _require(access.can_record_victims(request.user, case))
    form = VictimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            victim = services.victim_create(
                by=request.user, case=case, where=where(request), **form.service_fields()
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Victim %(reference)s recorded.") % {"reference": victim.reference}
            )
            return redirect("victims:victim_detail", victim.pk)
    return render(request, "victims/victim_form.html", {"form": form, "case": case})


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def victim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.get_victim_for_user(request.user, pk, write=True)
    victim = selectors.victim_for_read(request.user, pk, where=where(request))
    form = VictimForm(request.POST or None, instance=victim)
    if request.method == "POST" and form.is_valid():
        try:
            services.victim_update(
                by=request.user,
                victim=victim,
                version=form.cleaned_data.get("version"),
                where=where(request),
                **form.service_fields(),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Victim %(reference)s saved.") % {"reference": victim.reference}
            )
            return redirect("victims:victim_detail", victim.pk)
    return render(
        request, "victims/victim_form.html", {"form": form, "case": victim.case, "victim": victim}
    )


# --- repatriation --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def repatriation_start(request: HttpRequest, pk: int) -> HttpResponse:
    victim = access.get_victim_for_user(request.user, pk)
    _require(access.can_start_repatriation(request.user, victim))
    officers = access.repatriation_officer_candidates(victim.case.agency_id)
    form = RepatriationStartForm(
        request.POST or None,
        officers=officers,
        initial={"destination_country": victim.nationality, "liaison_officer": request.user},
    )
    if request.method == "POST" and form.is_valid():
        try:
            repatriation = services.repatriation_start(
                by=request.user, victim=victim, where=where(request), **form.cleaned_data
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Repatriation started."))
            return redirect("victims:repatriation_detail", repatriation.pk)
    return render(request, "victims/repatriation_start.html", {"form": form, "victim": victim})


def _detail_context(request: HttpRequest, repatriation: Repatriation) -> dict:
    user = request.user
    can_move = access.can_move_repatriation(user, repatriation)
    can_handover = access.can_handover(user, repatriation)
    return {
        "repatriation": repatriation,
        "victim": repatriation.victim,
        "sees_identity": access.visible_victims(user).filter(pk=repatriation.victim_id).exists(),
        "history": selectors.repatriation_history(repatriation),
        "stepper": stages.stepper(repatriation.stage),
        "can_move": can_move,
        "can_handover": can_handover,
        "can_accept": access.can_accept(user, repatriation),
        "correctable": services.correctable_move(repatriation) if can_move else None,
        "move_form": MoveForm(
            current_stage=repatriation.stage, initial={"version": repatriation.version}
        )
        if can_move
        else None,
    }


@login_required
def repatriation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    repatriation = selectors.repatriation_for_read(request.user, pk, where=where(request))
    return render(
        request, "victims/repatriation_detail.html", _detail_context(request, repatriation)
    )


@login_required
@require_POST
@policy_404
def repatriation_move(request: HttpRequest, pk: int) -> HttpResponse:
    repatriation = access.get_repatriation_for_user(request.user, pk)
    _require(access.can_move_repatriation(request.user, repatriation))
    form = MoveForm(request.POST, current_stage=repatriation.stage)
    if form.is_valid():
        stage = form.cleaned_data["stage"]
        if stage in CONFIRM_STAGES and not form.cleaned_data["confirm"]:
            return render(
                request,
                "victims/repatriation_confirm_move.html",
                {"repatriation": repatriation, "form": form, "stage": Stage(stage)},
            )
        try:
            services.repatriation_move(
                by=request.user,
                repatriation=repatriation,
                stage=stage,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
                where=where(request),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Moved to %(label)s.") % {"label": Stage(stage).label})
            return redirect("victims:repatriation_detail", repatriation.pk)
    selectors.log_reads(by=request.user, victims=[repatriation.victim], where=where(request))
    context = _detail_context(request, repatriation)
    context["move_form"] = form
    return render(request, "victims/repatriation_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def repatriation_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Put right the last move: a correction step back, with its reason (history is kept)."""
    repatriation = access.get_repatriation_for_user(request.user, pk)
    _require(access.can_move_repatriation(request.user, repatriation))
    wrong = services.correctable_move(repatriation)
    form = CorrectMoveForm(request.POST or None, initial={"version": repatriation.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.repatriation_correct_move(
                by=request.user,
                repatriation=repatriation,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
                where=where(request),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("The move was corrected; both steps stay in the history."))
            return redirect("victims:repatriation_detail", repatriation.pk)
    return render(
        request,
        "victims/repatriation_correct.html",
        {"repatriation": repatriation, "wrong": wrong, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def repatriation_handover(request: HttpRequest, pk: int) -> HttpResponse:
    repatriation = access.get_repatriation_for_user(request.user, pk)
    _require(access.can_handover(request.user, repatriation))
    agencies = Agency.objects.filter(country=repatriation.destination_country).exclude(
        pk=repatriation.victim.case.agency_id
    )
    form = HandoverForm(
        request.POST or None, agencies=agencies, initial={"version": repatriation.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.repatriation_handover(
                by=request.user,
                repatriation=repatriation,
                agency=form.cleaned_data["agency"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
                where=where(request),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Handed over to %(value)s.") % {"value": form.cleaned_data["agency"]}
            )
            return redirect("victims:repatriation_detail", repatriation.pk)
    return render(
        request,
        "victims/repatriation_handover.html",
        {"form": form, "repatriation": repatriation},
    )


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def repatriation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the acceptance (POST)."""
    repatriation = access.get_repatriation_for_user(request.user, pk)
    _require(access.can_accept(request.user, repatriation))
    if request.method == "POST":
        try:
            services.repatriation_accept(
                by=request.user, repatriation=repatriation, where=where(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Hand-over accepted: the repatriation is now yours too."))
        return redirect("victims:repatriation_detail", repatriation.pk)
    return render(request, "victims/repatriation_accept.html", {"repatriation": repatriation})


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def repatriation_decline(request: HttpRequest, pk: int) -> HttpResponse:
    repatriation = access.get_repatriation_for_user(request.user, pk)
    _require(access.can_accept(request.user, repatriation))
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.repatriation_decline(
                by=request.user,
                repatriation=repatriation,
                reason=form.cleaned_data["reason"],
                where=where(request),
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Hand-over declined."))
            return redirect("victims:dashboard")
    return render(
        request, "victims/repatriation_decline.html", {"form": form, "repatriation": repatriation}
    )


# --- the liaison dashboard -----------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The liaison dashboard; an htmx request (a stage filter) gets only the list."""
    user = request.user
    _require(access.can(user, access.Action.READ_VICTIM_IDENTITY))
    repatriations = selectors.repatriations_base(user)
    stage = request.GET.get("stage", "")
    listed = repatriations.filter(stage=stage) if stage in Stage.values else repatriations
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        listed = listed.overdue()
    query = request.GET.get("q", "").strip()
    if query:
        listed = listed.filter(selectors.victim_search_q(query, via="victim__"))
    page = Paginator(listed.order_by(*selectors.URGENT_FIRST), 25).get_page(request.GET.get("page"))
    page.object_list = selectors.repatriations_for_read(
        user, page.object_list, where=where(request)
    )
    context = {
        "page": page,
        "stage": stage,
        "overdue": overdue,
        "query": query,
        "stage_counts": selectors.stage_counts(repatriations),
        "overdue_count": repatriations.overdue().count(),
    }
    if request.htmx:
        return render(request, "victims/_dashboard_list.html", context)
    awaiting = list(selectors.awaiting_my_agency(user)[:50])
    selectors.log_reads(
        by=user,
        victims=[r.victim for r in awaiting],
        where=where(request),
        reason="hand-over review",
    )
    context.update(
        awaiting=awaiting,
        by_nationality=selectors.victims_by(user, "nationality"),
        by_location=selectors.victims_by_location(user),
        can_move=access.can(user, access.Action.MOVE_REPATRIATION),
    )
    return render(request, "victims/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@policy_404
def bulk_move(request: HttpRequest) -> HttpResponse:
    """Pick a group (GET), review it and confirm the move (POST), all-or-nothing."""
    user = request.user
    _require(access.can(user, access.Action.MOVE_REPATRIATION))
    movable = access.movable_repatriations(user)
    cases = access.visible_cases(user).filter(victims__repatriation__in=movable).distinct()
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = BulkMoveForm(data, cases=cases)
    group: list[Repatriation] = []
    if form.is_valid():
        chosen = (
            selectors.repatriations_base(user)
            .filter(pk__in=movable.values("pk"))
            .filter(
                victim__case_id=form.cleaned_data["case"], stage=form.cleaned_data["from_stage"]
            )
        )
        facility = form.cleaned_data["facility"].strip()
        if facility:
            chosen = chosen.filter(victim__current_facility__iexact=facility)
        # Handed over to another agency (awaiting it or accepted by it): that agency's to move.
        chosen = chosen.exclude(
            Q(handover_status__in=[HandoverStatus.PENDING, HandoverStatus.ACCEPTED])
            & ~Q(handed_over_to_id=user.agency_id)
        )
        group = selectors.repatriations_for_read(
            user, chosen.order_by("victim__full_name", "pk"), where=where(request)
        )
        if request.method == "POST" and request.POST.get("confirm") == "1":
            # The officer unticks whoever does not move with the group.
            ticked = set(request.POST.getlist("chosen"))
            try:
                moved = services.repatriation_bulk_move(
                    by=user,
                    repatriations=[r for r in group if str(r.pk) in ticked],
                    stage=form.cleaned_data["to_stage"],
                    note=form.cleaned_data["note"],
                    where=where(request),
                )
            except ValidationError as exc:
                show_service_error(form, exc)
            else:
                label = Stage(form.cleaned_data["to_stage"]).label
                messages.success(
                    request,
                    _("%(moved)s repatriations moved to %(label)s.")
                    % {"moved": len(moved), "label": label},
                )
                return redirect("victims:dashboard")
    to_stage = form.cleaned_data.get("to_stage") if form.is_bound and form.is_valid() else None
    return render(
        request,
        "victims/bulk_move.html",
        {
            "form": form,
            "group": group,
            "to_label": Stage(to_stage).label if to_stage else "",
            "chosen": request.POST.getlist("chosen") if request.method == "POST" else [],
        },
    )


# --- the access log ------------------------------------------------------------------


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    _require(access.can_view_victim_access_log(request.user))
    entries = access.visible_victim_access_log(request.user).select_related("user", "user_agency")
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(selectors.access_log_search_q(query))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "victims/access_log.html", {"page": page, "query": query})
