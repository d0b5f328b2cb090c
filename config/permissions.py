"""The DRF side of the access matrix (config/access.py).

An API view names its resource and what each HTTP method does to it:

    permission_classes = [MatrixPermission]
    access_resource = "imports"
    access_actions = {"GET": "list", "POST": "create"}

The role check happens here, before the view runs; the scope (which rows) stays with the view's selector, so a
row outside the caller's scope is a 404 whatever the role. The role comes from the request's viewer
(`request.viewer`, a `provinces.viewer.Viewer` set by `provinces.viewer.ViewerMiddleware`, or by
`provinces.viewer.ViewerTokenAuthentication` for a token user), read here without importing the app: config
imports no app.
"""

from rest_framework.permissions import BasePermission

SAFE_ALIASES = {"HEAD": "GET", "OPTIONS": "GET"}


class MatrixPermission(BasePermission):
    message = "Vai trò của bạn không được thực hiện thao tác này."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        method = SAFE_ALIASES.get(request.method, request.method)
        actions = getattr(view, "access_actions", {"GET": "list"})
        action = actions.get(method)
        if action is None:
            # A method the view does not handle: let DRF answer 405. One it handles but the matrix does not name:
            # deny (deny by default).
            return not hasattr(view, method.lower())
        viewer = getattr(request, "viewer", None)
        if viewer is None or getattr(viewer.user, "pk", None) != request.user.pk:
            return False  # no viewer for this user: deny by default
        return viewer.may(view.access_resource, action)
