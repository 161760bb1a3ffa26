import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

import access
from agencies import lockout, security, selectors, services
from agencies.forms import (
    LanguageForm,
    SecondFactorCodeForm,
    SignOutEverywhereForm,
    UserCreateForm,
    UserUpdateForm,
    show_service_error,
)
from agencies.home import home_context
from agencies.middleware import ENROL, second_factor_step
from config.errors import NotVisible, PolicyError
from config.redirects import next_url


def security_contact(request: HttpRequest) -> HttpResponse:
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
    locked = lockout.locked_usernames([u.username for u in page])
    return render(
        request, "agencies/user_list.html", {"page": page, "query": query, "locked": locked}
    )


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


@login_required
@require_http_methods(["GET", "POST"])
def user_reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the reset (POST): the member's second factors are
    removed, their sessions end and their tokens are revoked."""
    _require_admin(request)
    managed = access.get_managed_user_for(request.user, pk)
    if request.method == "POST":
        services.second_factor_reset(by=request.user, user=managed)
        messages.success(
            request,
            _(
                "The second factor of %(name)s was removed, their sessions ended and their API "
                "tokens revoked. They set up a new one at their next sign-in."
            )
            % {"name": managed.username},
        )
        return redirect("agencies:user_list")
    return render(request, "agencies/user_confirm_reset_second_factor.html", {"managed": managed})


@login_required
@require_http_methods(["GET", "POST"])
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the unlock (POST): the failed sign-ins counted against
    the member's account are forgotten."""
    _require_admin(request)
    managed = access.get_managed_user_for(request.user, pk)
    if request.method == "POST":
        services.user_unlock(by=request.user, user=managed)
        messages.success(request, _("%(name)s may sign in again.") % {"name": managed.username})
        return redirect("agencies:user_list")
    return render(request, "agencies/user_confirm_unlock.html", {"managed": managed})


# --- the signed-in user's own account: second factor and sessions ---------------------------


def _next_url(request: HttpRequest) -> str:
    return next_url(request, resolve_url(settings.LOGIN_REDIRECT_URL))


def _qr_data_uri(text: str) -> str:
    """The enrolment QR code as an SVG drawn here (no network), for an <img>."""
    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    user = request.user
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    recovery = StaticDevice.objects.filter(user=user, name=services.RECOVERY_NAME).first()
    context = {
        "totp": totp,
        "recovery_left": recovery.token_set.count() if recovery else 0,
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True),
        "must_enrol": second_factor_step(request) == ENROL,
        "verified": user.is_verified(),
        "next": _next_url(request),
    }
    return render(request, "registration/account_security.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user, confirmed=True) and not user.is_verified():
        return redirect("otp_verify")  # replacing a factor takes passing the current one
    device = services.totp_pending(user=user)
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            user.refresh_from_db()
            update_session_auth_hash(request, user)  # this session goes on; the others end
            otp_login(request, device)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "registration/totp_enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A confirmation page (GET), then a new set of recovery codes, shown once (POST)."""
    if not request.user.is_verified():
        return redirect("account_security")
    if request.method == "POST":
        codes = services.recovery_codes_issue(user=request.user)
        return render(request, "registration/recovery_codes.html", {"codes": codes, "next": "/"})
    return render(request, "registration/recovery_codes_confirm.html")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code of the authenticator app, a recovery code, or a
    passkey. A wrong code counts towards the account's lockout like a wrong password."""
    user = request.user
    if user.is_verified() or not user_has_device(user, confirmed=True):
        return redirect(_next_url(request))
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if lockout.is_locked(request, user.username):
            logout(request)
            return lockout.lockout_response(request)
        if form.is_valid():
            device = match_token(user, form.cleaned_data["code"].strip().replace(" ", ""))
            if device is not None:
                request.session.cycle_key()
                otp_login(request, device)
                security.second_factor_verified(
                    user=user, device_kind=type(device).__name__, request=request
                )
                return redirect(_next_url(request))
            user_login_failed.send(
                sender=__name__, credentials={"username": user.username}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                logout(request)
                return lockout.lockout_response(request)
            form.add_error("code", _("That code is not valid. Try the current one."))
    context = {
        "form": form,
        "next": _next_url(request),
        "has_passkey": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
    }
    return render(request, "registration/otp_verify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """A confirmation page (GET), then every session of the account ends, this one too, and
    with the box ticked its API tokens are revoked (POST)."""
    form = SignOutEverywhereForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        revoked = services.user_sessions_end(
            user=request.user,
            by=request.user,
            reason="sign_out_everywhere",
            revoke_tokens=form.cleaned_data["revoke_tokens"],
        )
        logout(request)
        messages.success(
            request,
            _("You were signed out everywhere; %(count)d API tokens were revoked.")
            % {"count": revoked},
        )
        return redirect("login")
    return render(request, "registration/sign_out_everywhere.html", {"form": form})
