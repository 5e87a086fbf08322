"""The one error type every dues service raises when it refuses an action (the shape of
``workflows.errors.WorkflowError``, which this app sits below and so cannot import)."""

from enum import StrEnum


class DuesErrorCode(StrEnum):
    INVALID = "invalid"  # the input is wrong: an amount, a currency without its rate
    NOT_ALLOWED = "not_allowed"  # not possible in the ledger's state: a closed invoice, nothing open
    CONFLICT = "conflict"  # someone else recorded the same thing first


class DuesError(Exception):
    """A refused dues action. Nothing was changed when it is raised."""

    def __init__(self, code: DuesErrorCode, message: str):
        super().__init__(message)
        self.code = DuesErrorCode(code)
        self.message = message

    def __repr__(self) -> str:
        return f"DuesError({self.code.value!r}, {self.message!r})"
