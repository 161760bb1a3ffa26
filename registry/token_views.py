"""The agency admin's pages for partners' feed tokens, under /agency/feed-tokens/: the list,
issuing one (its key shown once), revoking one (after a confirmation) and the download log.
Thin: the access policy answers who may, the services write."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

import access
from agencies.forms import show_service_error
from config.errors import PolicyError
from registry import services
from registry.forms import FeedLogForm, FeedTokenForm

PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    if not access.can_manage_feed_tokens(request.user):
        raise Http404("No such page.")


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    tokens = access.visible_feed_tokens(request.user).select_related("created_by")
    query = request.GET.get("q", "").strip()[:200]
    if query:
        tokens = tokens.filter(Q(partner__icontains=query) | Q(contact__icontains=query))
    page = Paginator(tokens.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/feed_tokens.html", {"page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = FeedTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_on = data.get("expires_at")  # a day: the token works until its end (UTC)
        expires_at = (
            datetime.datetime.combine(expires_on, datetime.time.max, tzinfo=datetime.UTC)
            if expires_on
            else None
        )
        try:
            token, key = services.feed_token_issue(
                by=request.user,
                partner=data["partner"],
                partner_kind=data["partner_kind"],
                contact=data.get("contact") or "",
                expires_at=expires_at,
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            # The key is shown on this answer only: it is not stored, and never shown again.
            response = render(
                request, "registry/feed_token_created.html", {"token": token, "key": key}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "registry/feed_token_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the revocation (POST)."""
    _require_admin(request)
    token = access.get_feed_token_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.feed_token_revoke(token=token, by=request.user)
        except PolicyError:
            raise Http404("No such feed token.") from None
        messages.success(
            request, _("The feed token of %(partner)s is revoked.") % {"partner": token.partner}
        )
        return redirect("feedtokens:list")
    return render(request, "registry/feed_token_revoke.html", {"token": token})


@login_required
def token_log(request: HttpRequest) -> HttpResponse:
    """Every download and lookup by the agency's feed tokens, newest first (one token's with
    `?token=`)."""
    _require_admin(request)
    downloads = access.visible_feed_downloads(request.user).select_related("token")
    form = FeedLogForm(request.GET or None)
    chosen = None
    if form.is_valid() and form.cleaned_data.get("token"):
        chosen = access.get_feed_token_for_user(request.user, form.cleaned_data["token"])
        downloads = downloads.filter(token=chosen)
    page = Paginator(downloads.order_by("-at", "-pk"), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/feed_log.html", {"page": page, "chosen": chosen})
