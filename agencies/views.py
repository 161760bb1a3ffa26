from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

import access
from agencies import selectors, services
from agencies.forms import UserCreateForm, UserUpdateForm, show_service_error
from agencies.home import home_context
from config.errors import NotVisible, PolicyError
from config.redirects import next_url


def security(request: HttpRequest) -> HttpResponse:
    """How to report a vulnerability: public, so a finder needs no account."""
    return render(request, "home/security.html", {"contact": settings.FORTRESS_SECURITY_CONTACT})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if access.agency_id_of(request.user) is None:
        # Platform admins have no agency: their tool is Django admin.
        return redirect("admin:index")
    return render(request, "home/home.html", home_context(request.user))


def _require_admin(request: HttpRequest) -> None:
    if not access.can(request.user, access.Action.MANAGE_USERS):
        raise Http404("No such page.")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    users = access.manageable_users(request.user).order_by("username")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(request, "agencies/user_list.html", {"page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Account {user.username} created.")
            return redirect("agencies:user_list")
    return render(request, "agencies/user_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    managed = access.get_managed_user_for(request.user, pk)
    initial = {
        "first_name": managed.first_name,
        "last_name": managed.last_name,
        "email": managed.email,
        "role": managed.role,
        "is_active": managed.is_active,
    }
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(by=request.user, user=managed, **form.cleaned_data)
        except PolicyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Account {managed.username} saved.")
            return redirect("agencies:user_list")
    return render(
        request, "agencies/user_form.html", {"form": form, "managed": managed, "creating": False}
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the deactivation (POST)."""
    _require_admin(request)
    managed = access.get_managed_user_for(request.user, pk)
    if request.method == "POST":
        try:
            services.user_update(
                by=request.user,
                user=managed,
                role=managed.role,
                is_active=False,
                first_name=managed.first_name,
                last_name=managed.last_name,
                email=managed.email,
            )
        except PolicyError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Account {managed.username} deactivated.")
        return redirect("agencies:user_list")
    return render(request, "agencies/user_confirm_deactivate.html", {"managed": managed})


# --- notifications (every signed-in user, their own only) -----------------------------------

NOTIFICATION_FILTERS = {"": _("All"), "unread": _("Unread"), "read": _("Read")}


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications; a POST marks them all read."""
    if request.method == "POST":
        count = services.notifications_mark_read(by=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                count,
            )
            % {"count": count},
        )
        return redirect(next_url(request, reverse("notifications:list")))
    show = request.GET.get("show", "")
    if show not in NOTIFICATION_FILTERS:
        show = ""
    page = Paginator(selectors.notifications_of(request.user, show=show), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "agencies/notifications.html",
        {
            "page": page,
            "show": show,
            "filters": NOTIFICATION_FILTERS.items(),
        },  # the unread count is the navigation bar's `unread_notifications`
    )


@login_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell of the navigation bar alone, polled by htmx: one indexed count (rendered
    without the page's context processors, which would count again)."""
    count = selectors.unread_notification_count(request.user)
    return HttpResponse(render_to_string("agencies/_bell.html", {"unread_notifications": count}))


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.notifications_mark_read(by=request.user, notification_id=pk)
    except NotVisible:
        raise Http404("No such notification.") from None
    return redirect(next_url(request, reverse("notifications:list")))
