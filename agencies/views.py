from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

import access
from agencies import selectors, services
from agencies.forms import LanguageForm, UserCreateForm, UserUpdateForm, show_service_error
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
            messages.success(
                request, _("Account %(username)s created.") % {"username": user.username}
            )
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
            messages.success(
                request, _("Account %(username)s saved.") % {"username": managed.username}
            )
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
            messages.success(
                request, _("Account %(username)s deactivated.") % {"username": managed.username}
            )
        return redirect("agencies:user_list")
    return render(request, "agencies/user_confirm_deactivate.html", {"managed": managed})


# --- notifications (every signed-in user, their own only) -----------------------------------

NOTIFICATION_FILTERS = {
    "": gettext_lazy("All"),
    "unread": gettext_lazy("Unread"),
    "read": gettext_lazy("Read"),
}


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


@csrf_protect
@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    """The interface language. GET: the signed-in user's settings page. POST (the page's form
    and the switcher in the navigation bar, signed in or not): Django's `set_language` sets
    the language cookie and goes back to `next` (on this site only); a signed-in user's choice
    is also kept as their preference, applied at every sign-in (UserLanguageMiddleware)."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = LanguageForm(initial={"language": request.user.language})
        return render(request, "agencies/language.html", {"form": form})
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This language is not offered."))
        return set_language(request)  # changes nothing, goes back to `next`
    chosen = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=chosen, by=request.user)
    response = set_language(request)
    if not chosen:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
