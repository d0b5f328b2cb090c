"""Optional TOTP second factor (django-otp) for every account; compulsory for provincial staff and admins when
settings.OTP_REQUIRED is on.

At login (any path: the login page, the admin, the test client) `otp_step_after_login` records in the session
whether this session still owes a second step ("verify" when the user has a confirmed device, "enrol" when one
is required and missing). OTPRequiredMiddleware then sends every page to that step, and answers 403 on the
session-authenticated API, until the step is done. Token-authenticated API calls carry their own secret and are
not affected. Users without a device and not required to have one pay nothing per request.
"""

import base64
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from provinces.models import Role
from provinces.viewer import viewer_of

SESSION_KEY = "otp_step"
VERIFY, ENROL = "verify", "enrol"
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/favicon")


def otp_required_for(user) -> bool:
    """Provincial staff and admins (and superusers) must use a second factor when OTP_REQUIRED is on."""
    if not settings.OTP_REQUIRED:
        return False
    if user.is_superuser:
        return True
    return viewer_of(user).role in (Role.PROVINCIAL_STAFF, Role.ADMIN)


def otp_step_for(user) -> str | None:
    if user_has_device(user, confirmed=True):
        return VERIFY
    if otp_required_for(user):
        return ENROL
    return None


def otp_step_after_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (connected in provinces.apps)."""
    if request is None or not hasattr(request, "session"):
        return
    step = otp_step_for(user)
    if step:
        request.session[SESSION_KEY] = step
    else:
        request.session.pop(SESSION_KEY, None)


def _done(request) -> None:
    request.session.pop(SESSION_KEY, None)


class OTPRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(EXEMPT_PREFIXES):
            step = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
            if step and request.user.is_authenticated and not request.user.is_verified():
                if request.path_info.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Cần xác thực hai bước: hãy nhập mã OTP trên trang web trước.")}, status=403
                    )
                target = "otp-verify" if step == VERIFY else "otp-enrol"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Mã 6 chữ số trong ứng dụng xác thực"), regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Mã gồm đúng 6 chữ số.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _unconfirmed_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)


@never_cache
def otp_enrol(request):
    """Show a new TOTP secret (QR code and text); the device counts once the user types a valid code."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect(f"{reverse('otp-verify')}?{urlencode({'next': _next_url(request)})}")
    device = _unconfirmed_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            _done(request)
            messages.success(request, _("Đã bật xác thực hai bước cho tài khoản."))
            return redirect(_next_url(request))
        form.add_error("token", _("Mã không đúng hoặc đã hết hạn. Kiểm tra giờ trên điện thoại rồi nhập mã mới."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_enrol.html", {
        "form": form, "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
        "next": _next_url(request), "required": otp_required_for(request.user),
        "has_device": user_has_device(request.user, confirmed=True),
    })


@never_cache
def otp_verify(request):
    """The second step after the password for a user with a confirmed device."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if request.user.is_verified():
        _done(request)
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(request, device)
                _done(request)
                return redirect(_next_url(request))
        form.add_error("token", _("Mã không đúng hoặc đã hết hạn."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})
