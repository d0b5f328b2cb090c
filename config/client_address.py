"""The address a request really came from, for the login lock-out (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind TRUSTED_PROXY_COUNT reverse proxies, REMOTE_ADDR is the nearest proxy for every user, so locking by it
would let anyone lock a named account for everybody. Each proxy appends the address it received the request from
to X-Forwarded-For, so the client's address is the entry TRUSTED_PROXY_COUNT places from the right; whatever the
client itself put further left is ignored. With 0 (the default: nothing in front of the app) the header is ignored
altogether and REMOTE_ADDR is the address. A request with fewer entries than proxies, or an entry that is not an
address, did not come through them: REMOTE_ADDR again.

Axes' own AXES_IPWARE_* settings take effect only with django-ipware installed, which this project does not use.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
