"""The households fixtures (real Na Rì / Ba Bể communes, standards, one user per role) for the security tests."""

from tests.households.conftest import na_ri, registry, standards

__all__ = ["na_ri", "registry", "standards"]
