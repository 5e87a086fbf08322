"""The one error type every workflow service raises when it refuses an action."""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_ALLOWED = "not_allowed"  # the action is not possible in the current state
    CONFLICT = "conflict"  # someone else acted first (concurrent change, duplicate ballot or review)
    INCOMPLETE = "incomplete"  # the action's conditions are not met (missing documents, reviews …)
    FORBIDDEN = "forbidden"  # this person may not take this action
    INVALID = "invalid"  # the input is wrong (details per field)
    TOO_LARGE = "too_large"  # an uploaded file is over the size limit
    UNSUPPORTED_TYPE = "unsupported_type"  # an uploaded file is not an accepted type
    POSSIBLE_DUPLICATE = (
        "possible_duplicate"  # an organization in the registry may be this one: resolve first
    )


class WorkflowError(Exception):
    """A refused workflow action. Nothing was changed when it is raised."""

    def __init__(self, code: ErrorCode, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.details = details or {}

    def __repr__(self) -> str:
        return f"WorkflowError({self.code.value!r}, {self.message!r})"
