"""The second-factor pages (provinces.two_factor), included by config/urls.py under /accounts/otp/. No namespace:
the URL names stay "otp-enrol" and "otp-verify"."""

from django.urls import path

from provinces import two_factor

urlpatterns = [
    path("enrol/", two_factor.otp_enrol, name="otp-enrol"),
    path("verify/", two_factor.otp_verify, name="otp-verify"),
]
