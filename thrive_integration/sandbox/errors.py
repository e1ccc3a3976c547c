"""The sandbox's error answers, in the wire contract's body shape."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer: ``{"error": {"code", "message", ...extra}, "errors": {...}?}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: dict[str, list[str]] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.extra = extra

    def body(self) -> dict:
        body: dict = {"error": {"code": self.code, "message": self.message, **self.extra}}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def not_found(kind: str) -> ApiError:
    return ApiError(404, "not_found", f"No {kind} record with this id")


def invalid(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "unprocessable_entity", "Validation failed", errors=errors)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)
