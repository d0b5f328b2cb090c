"""The domain's refusals, raised by services and turned into answers by the API (config.api) and the pages. Kept
apart from config.api so that a command or a task that only raises them does not load the REST framework."""


class ApplicationError(Exception):
    """A domain rule said no; `field` names the input at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class Conflict(ApplicationError):
    """The data's state says no (a submitted, approved or published review year): 409 in the API, with `detail`."""
