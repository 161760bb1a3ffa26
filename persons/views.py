"""Person-match pages: the review queue, one match, its decision and an access request. Thin:
every read goes through access/ (persons/selectors.py), every write through
persons/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

import access
from agencies.forms import show_service_error
from config.errors import PolicyError
from config.pagination import CappedPaginator
from persons import selectors, services
from persons.forms import AccessRequestForm, DecisionForm, MatchFilterForm
from persons.index import threshold
from persons.models import MatchStatus, common_name_threshold

# The queue counts this many matches at most, then says "more than 1,000": an exact count
# reads every match of the agency (tens of thousands on the bench data) on every page.
QUEUE_COUNT_CAP = 1000


def _reviewer(request: HttpRequest) -> None:
    if not access.can(request.user, access.Action.MANAGE_INDICATORS):
        raise Http404("No such page.")


@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    form = MatchFilterForm(request.GET or {"status": MatchStatus.POSSIBLE})
    matches = selectors.matches_for(request.user).order_by("-score", "-id")
    status = form.cleaned_data.get("status") if form.is_valid() else MatchStatus.POSSIBLE
    if status:
        matches = matches.filter(status=status)
    page = CappedPaginator(matches, 25, cap=QUEUE_COUNT_CAP).get_page(request.GET.get("page"))
    rows = selectors.match_rows(request.user, list(page), where="person matches: queue")
    template = "persons/_match_table.html" if request.htmx else "persons/match_list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": rows,
            "common_above": common_name_threshold(),
            "threshold": threshold(),
        },
    )


def _row(request: HttpRequest, pk: int, where: str) -> selectors.MatchRow:
    match = access.get_person_match_for_user(request.user, pk)
    return selectors.match_rows(request.user, [match], where=where)[0]


@login_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk, "person matches: detail")
    form = DecisionForm(request.POST or None, initial={"status": MatchStatus.CONFIRMED})
    if request.method == "POST" and form.is_valid():
        try:
            services.person_match_decide(match=row.match, by=request.user, **form.cleaned_data)
        except PolicyError:
            raise Http404("No such person match.") from None
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("persons:detail", pk=pk)
    return render(
        request,
        "persons/match_detail.html",
        {"row": row, "form": form, "access_form": AccessRequestForm()},
    )


@login_required
def match_request_access(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk, "person matches: access request")
    if not row.can_request_access:
        raise Http404("No such page.")
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_match_request_access(
                match=row.match, by=request.user, reason=form.cleaned_data["reason"]
            )
        except PolicyError:
            raise Http404("No such person match.") from None
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Access requested: a supervisor of that agency decides."))
            return redirect("persons:detail", pk=pk)
    return render(request, "persons/access_request_form.html", {"row": row, "form": form})


@login_required
def wanted_matches(request: HttpRequest) -> HttpResponse:
    """Suspects and victims matching an identity published to the network as wanted."""
    _reviewer(request)
    matches = selectors.wanted_matches_for(request.user).order_by("-score", "-pk")
    page = Paginator(matches, 25).get_page(request.GET.get("page"))
    rows = selectors.wanted_rows(request.user, list(page), where="person matches: wanted")
    return render(request, "persons/wanted_matches.html", {"page": page, "rows": rows})
