"""Who is asking, worked out once per request: the `Viewer`.

A viewer holds what every scoped read and every role check needs about the caller: the user, their profile (or
None), their role ("admin" for a superuser without a profile, the deployment's own account) and their unit. It is
built once per request and passed down, the way a request's user profile is passed down elsewhere:

* pages: `ViewerMiddleware` sets `request.viewer`, lazily (built on first use from `request.user`, whose profile
  and unit the session backend reads in the user's own query, `config.auth_backends.ModelBackendWithProfile`);
* the API: DRF authenticates inside the view, so `ViewerTokenAuthentication` sets `request.viewer` for a token
  user once the token is checked (session users keep the middleware's viewer, built from the same user);
* outside a request (management commands, Celery tasks, services called with `acting_user`):
  `viewer_of(user)` builds one, reading the profile with its unit in one query when the user object does not
  carry it already.

Selectors take `viewer=` and never look the profile up themselves; services that write take `acting_user` and turn
it into a viewer with `viewer_of`, which also accepts a viewer (and returns it unchanged). Role checks ask
`viewer.may(resource, action)`, which reads the access matrix (`config.access.allowed`).
"""

from dataclasses import dataclass, field

from django.utils.functional import SimpleLazyObject

from config.access import Access, allowed
from config.auth_backends import TokenWithProfileAuthentication
from provinces.models import AdministrativeUnit, UserProfile


@dataclass(frozen=True, eq=False)
class Viewer:
    """The caller of one request (or one service call): user, profile, role and unit, read once.

    `sees_everything` is the superuser without a profile: the whole country, role "admin". Anyone else without a
    profile (anonymous, or a user nobody has placed yet) sees nothing and may do nothing.
    """

    user: object | None
    profile: UserProfile | None
    role: str | None
    unit: AdministrativeUnit | None
    sees_everything: bool = False
    # Per-viewer memo for reads asked several times in one request (provinces.selectors.listable_unit_ids).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @property
    def is_superuser(self) -> bool:
        return bool(self.is_authenticated and self.user.is_superuser)

    @property
    def unit_id(self) -> int | None:
        return self.unit.pk if self.unit is not None else None

    @property
    def may_see_personal_data(self) -> bool:
        """Names and ID numbers: everyone scoped except leadership; the superuser without a profile."""
        if self.profile is None:
            return self.sees_everything
        return self.profile.may_see_personal_data

    def access(self, resource: str, action: str) -> Access:
        """The access matrix cell for this viewer's role (DENY without a role)."""
        return allowed(self.role, resource, action)

    def may(self, resource: str, action: str) -> bool:
        """Whether the role may act (ALLOW or MASKED). Scope is the selectors' business."""
        return self.access(resource, action) != Access.DENY


ANONYMOUS = Viewer(user=None, profile=None, role=None, unit=None)


def _profile_of(user) -> UserProfile | None:
    """The user's profile with its unit: from the user object when its query brought them (the session and token
    backends select them with the user), else one query."""
    cached = user._state.fields_cache.get("profile", False) if hasattr(user, "_state") else False
    if cached is not False:
        return cached  # None: the backend's join found no profile
    profile = UserProfile.objects.select_related("unit").filter(user_id=user.pk).first()
    user._state.fields_cache["profile"] = profile
    return profile


def viewer_of(who) -> Viewer:
    """The viewer of a user, or a viewer returned as is (so a selector may be handed either). Pages and API views
    pass `request.viewer`, built once per request; services given an `acting_user` outside a request (CLI, tasks)
    build one here."""
    if isinstance(who, Viewer):
        return who
    return _build(who)


def _build(user) -> Viewer:
    if user is None or not user.is_authenticated:
        return Viewer(user=user, profile=None, role=None, unit=None)
    profile = _profile_of(user)
    if profile is not None:
        return Viewer(user=user, profile=profile, role=profile.role, unit=profile.unit)
    if user.is_superuser:
        return Viewer(user=user, profile=None, role="admin", unit=None, sees_everything=True)
    return Viewer(user=user, profile=None, role=None, unit=None)


class ViewerMiddleware:
    """`request.viewer`, built on first use from `request.user` (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(lambda: _build(request.user))
        return self.get_response(request)


class ViewerTokenAuthentication(TokenWithProfileAuthentication):
    """Token authentication that also sets `request.viewer` for the token's user (DRF authenticates inside the
    view, after the middleware ran with an anonymous user)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.viewer = _build(result[0])
        return result
