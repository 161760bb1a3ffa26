"""Case pages. Every read starts from access/; every write calls cases/services.py.
htmx requests for the suspects, assets and notes forms get the section back as a partial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import trigger_client_event

import access
from agencies.forms import show_service_error
from cases import retention, services
from cases.forms import (
    AssetForm,
    CaseFilterForm,
    CaseForm,
    NoteForm,
    RetentionDeleteForm,
    RetentionKeepForm,
    SharingForm,
    SuspectForm,
)
from cases.models import Case, NoteKind
from cases.sections import CASE_CHANGED, SECTIONS, case_sections
from cases.selectors import case_list as select_cases
from config.errors import ConflictError

PAGE_SIZE = 25


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, access.Action.VIEW_CASES):
        raise Http404("No such page.")
    filters = CaseFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    sort = CaseFilterForm.SORTS.get(params.get("sort") or "")
    cases = select_cases(request.user, params, sort)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "filters": filters,
            "query": params.get("q", ""),
            "sort": params.get("sort") or "",
            "columns": _sort_columns(params.get("sort") or ""),
            "can_create": access.can(request.user, access.Action.EDIT_CASES),
            "show_file": access.can(request.user, access.Action.VIEW_CASE_FILE),
        },
    )


def _sort_columns(current: str) -> list[dict[str, str]]:
    """The list's sortable headers: a click sorts ascending, a second click descending."""
    columns = []
    for key, label in (
        ("reference", "Reference"),
        ("title", "Title"),
        ("agency", "Agency"),
        ("status", "Status"),
        ("opened", "Opened"),
        ("loss", "Reported loss"),
    ):
        arrow = "▲" if current == key else "▼" if current == f"-{key}" else ""
        columns.append(
            {"label": label, "sort": f"-{key}" if current == key else key, "arrow": arrow}
        )
    return columns


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "can_edit": access.can_edit_case(request.user, case),
            "can_set_sharing": access.can_set_sharing(request.user, case),
            "can_view_file": access.can_view_case_file(request.user, case),
            "sections": case_sections(request.user, case),
        },
    )


@login_required
def case_section(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One section of the case page alone: what the live sections (hits, person matches) poll
    while cross-referencing or matching is pending. A section the user may not see is 404."""
    case = access.get_case_for_user(request.user, pk)
    section = next((s for s in SECTIONS if s.key == key), None)
    context = section.provider(request.user, case) if section else None
    if section is None or context is None:
        raise Http404("No such page.")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, section.template, {"case": case, "section": context})


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, access.Action.EDIT_CASES):
        raise Http404("No such page.")
    form = CaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            case = services.case_create(by=request.user, **fields)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Case %(reference)s created.") % {"reference": case.reference}
            )
            return redirect("cases:detail", case.pk)
    return render(request, "cases/case_form.html", {"form": form, "case": None})


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk, write=True)
    form = CaseForm(request.POST or None, instance=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_update(
                case=case,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Case %(reference)s saved.") % {"reference": case.reference}
            )
            return redirect("cases:detail", case.pk)
    return render(request, "cases/case_form.html", {"form": form, "case": case})


@login_required
def case_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk)
    if not access.can_set_sharing(request.user, case):
        raise Http404("No such page.")
    form = SharingForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_set_sharing(
                case=case,
                level=form.cleaned_data["sharing_level"],
                agencies=form.cleaned_data["shared_with"],
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Sharing saved."))
            return redirect("cases:detail", case.pk)
    return render(request, "cases/sharing_form.html", {"form": form, "case": case})


# --- suspects, assets, notes -------------------------------------------------------------


def _section_response(
    request: HttpRequest, case: Case, key: str, form: Any = None, action: str = "", title: str = ""
) -> HttpResponse:
    section = next(s for s in SECTIONS if s.key == key)
    context = section.provider(request.user, case)
    return render(
        request,
        section.template,
        {"case": case, "section": context, "form": form, "action": action, "form_title": title},
    )


def _file_form(
    request: HttpRequest,
    *,
    case: Case,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    section: str,
    title: str,
    done: str,
) -> HttpResponse:
    """One form on the case file: GET shows it, POST saves through `save`. htmx gets the
    section back (with the form and its errors when the input is refused, or what changed
    meanwhile when its version is stale)."""
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            save(form.service_fields())
            saved = True
        except (ConflictError, ValidationError) as exc:
            show_service_error(form, exc)
    if request.htmx and section:
        response = _section_response(
            request, case, section, form=None if saved else form, action=request.path, title=title
        )
        # The live sections (person matches) hear of the save and ask until matching is done.
        return trigger_client_event(response, CASE_CHANGED) if saved else response
    if saved:
        messages.success(request, done)
        return redirect(reverse("cases:detail", args=[case.pk]) + f"#section-{section}")
    return render(request, "cases/file_form.html", {"form": form, "case": case, "title": title})


@login_required
def suspect_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk, write=True)
    return _file_form(
        request,
        case=case,
        form=SuspectForm(request.POST or None),
        save=lambda f: services.suspect_create(case=case, by=request.user, **f),
        section="suspects",
        title=_("New suspect"),
        done="Suspect added.",
    )


@login_required
def suspect_edit(request: HttpRequest, pk: int) -> HttpResponse:
    suspect = access.get_suspect_for_user(request.user, pk, write=True)
    form = SuspectForm(request.POST or None, initial=SuspectForm.initial_for(suspect))
    return _file_form(
        request,
        case=suspect.case,
        form=form,
        save=lambda f: services.suspect_update(
            suspect=suspect, by=request.user, expected_version=form.cleaned_data.get("version"), **f
        ),
        section="suspects",
        title=f"Suspect {suspect.full_name}",
        done="Suspect saved.",
    )


@login_required
def asset_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk, write=True)
    return _file_form(
        request,
        case=case,
        form=AssetForm(request.POST or None),
        save=lambda f: services.asset_create(case=case, by=request.user, **f),
        section="assets",
        title=_("New asset"),
        done="Asset added.",
    )


@login_required
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    asset = access.get_asset_for_user(request.user, pk, write=True)
    form = AssetForm(request.POST or None, instance=asset)
    return _file_form(
        request,
        case=asset.case,
        form=form,
        save=lambda f: services.asset_update(
            asset=asset, by=request.user, expected_version=form.cleaned_data.get("version"), **f
        ),
        section="assets",
        title=f"Asset: {asset}",
        done="Asset saved.",
    )


@login_required
def note_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk, write=True)
    return _file_form(
        request,
        case=case,
        form=NoteForm(request.POST or None),
        save=lambda f: services.note_create(case=case, by=request.user, text=f["text"]),
        section="timeline",
        title=_("New note"),
        done="Note added.",
    )


@login_required
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = access.get_note_for_user(request.user, pk, write=True)
    if note.kind != NoteKind.NOTE:
        raise Http404("Events are not edited.")
    return _file_form(
        request,
        case=note.case,
        form=NoteForm(request.POST or None, initial={"text": note.text}),
        save=lambda f: services.note_update(note=note, by=request.user, text=f["text"]),
        section="timeline",
        title=_("Edit note"),
        done="Note saved; the previous text is kept in the timeline's history.",
    )


# --- retention -------------------------------------------------------------------------------


@login_required
def retention_due(request: HttpRequest) -> HttpResponse:
    """The supervisor's list: the agency's closed cases due for review within six months."""
    if not access.can(request.user, access.Action.REVIEW_RETENTION):
        raise Http404("No such page.")
    cases = retention.cases_due(request.user).select_related("lead_investigator")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/retention_due.html",
        {"page": page, "horizon": retention.due_horizon(), "years": retention.years_setting()},
    )


@login_required
def retention_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One case's review: keep it (POST here), or go on to the deletion's confirmation."""
    case = access.get_retention_case_for_user(request.user, pk)
    initial = {"next_review_on": retention.review_date(timezone.localdate())}
    form = RetentionKeepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            retention.case_retention_keep(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Case %(ref)s kept.") % {"ref": case.reference})
            return redirect("cases:retention")
    decisions = case.retention_decisions.select_related("by")[:20]
    return render(
        request,
        "cases/retention_review.html",
        {"case": case, "form": form, "decisions": decisions},
    )


@login_required
def retention_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page naming what goes (GET), then the deletion (POST)."""
    case = access.get_retention_case_for_user(request.user, pk)
    form = RetentionDeleteForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            retention.case_retention_delete(
                case=case, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The personal data of case %(ref)s is deleted.") % {"ref": case.reference},
            )
            return redirect("cases:retention")
    return render(
        request,
        "cases/retention_delete.html",
        {"case": case, "form": form, "counts": retention.inventory(case)},
    )
