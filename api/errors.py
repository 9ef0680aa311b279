"""Every error answer has one shape: `{success: false, error, errorType, field?}`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.field = field


def bad_request(field: str, message: str, error: str = "error-invalid-param") -> ApiError:
    return ApiError(400, error, message, field)


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "You must be logged in to do this.")


def forbidden(message: str = "You are not allowed to do this.") -> ApiError:
    return ApiError(403, "error-not-allowed", message)


def not_found(what: str, field: str | None = None) -> ApiError:
    return ApiError(404, "error-not-found", f"{what} not found", field)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "error-too-large", f"Request body larger than {limit} bytes")


def error_body(exc: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "error": exc.message, "errorType": exc.error}
    if exc.field:
        body["field"] = exc.field
    if exc.status == 401:
        body = {"status": "error", "message": exc.message, "success": False, "errorType": exc.error}
    return body


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc), status_code=exc.status)


def ok(**fields: Any) -> JSONResponse:
    return JSONResponse({**fields, "success": True})


async def handle_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Redis is unreachable (restarting): a clear 503 the client may retry, not a bare 500."""
    return JSONResponse({"success": False, "error": "The service is briefly unavailable; retry shortly",
                         "errorType": "error-unavailable"}, status_code=503, headers={"Retry-After": "1"})
