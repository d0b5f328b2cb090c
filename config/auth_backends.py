"""Login throttling (django-axes) for every login that comes in over a request; session and token users loaded
with their profile."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

UserModel = get_user_model()


class AxesRequestBackend(AxesStandaloneBackend):
    """Axes refuses locked-out logins; authenticate() without a request (the test client's login(), the shell,
    management commands) is not a network login, so it passes through to ModelBackend unthrottled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ModelBackendWithProfile(ModelBackend):
    """ModelBackend whose session user comes with its profile and unit in the same query: every page asks for
    them (scope, navigation, the user's unit in the header), which otherwise costs two more queries a request."""

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("profile__unit").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class TokenWithProfileAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the user's profile and unit in the token's query (see above)."""

    def authenticate_credentials(self, key):
        try:
            token = self.get_model().objects.select_related("user__profile__unit").get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted.")) from None
        return (token.user, token)
