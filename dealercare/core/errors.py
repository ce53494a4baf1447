"""One family of expected errors, mapped to HTTP 400 (API) or a form message (UI) in one place."""


class ApplicationError(Exception):
    """A rule of the domain said no; `message` is shown to the user, `extra` goes to the API body."""

    def __init__(self, message, extra=None, code="invalid"):
        super().__init__(str(message))
        self.message = message
        self.extra = extra or {}
        self.code = code


class DuplicateError(ApplicationError):
    """The record would duplicate an existing one; `extra` names the existing record."""

    def __init__(self, message, existing, extra=None):
        super().__init__(message, extra=extra, code="duplicate")
        self.existing = existing
