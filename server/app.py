"""The FastAPI application: member pages, the API, organiser pages, static assets."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.api import reports as api_reports
from server.config import PROJECT_ROOT, Settings, get_settings
from server.intake.gazetteer import Gazetteer
from server.intake.limits import IntakeLimits
from server.logs import configure_logging
from server.web import member
from server.web.headers import SecurityHeaders

log = logging.getLogger("raidwatch")


def load_gazetteer(settings: Settings) -> Gazetteer:
    return Gazetteer.from_csv(settings.gazetteer) if settings.gazetteer else Gazetteer.uk()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging()
    app = FastAPI(
        title="raidwatch",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN (P7)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.gazetteer = load_gazetteer(settings)
    app.state.limits = IntakeLimits(
        per_link_per_hour=settings.rate_limit_per_link,
        burst_per_minute=settings.burst_limit,
        storage=settings.rate_limit_storage,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "server" / "static"), name="static")
    app.include_router(member.router)
    app.include_router(api_reports.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness for the proxy; says nothing about the data."""
        return {"status": "ok"}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            return member.not_found(request)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        # The default handler echoes the input back; ours names fields only.
        fields = [{"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "message": e["msg"]}
                  for e in exc.errors()]
        return JSONResponse({"detail": fields}, status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        # Log the exception type only: a traceback's locals or message could hold answers.
        log.error("unhandled %s", type(exc).__name__)
        return HTMLResponse("<!doctype html><title>Error</title><h1>Something went wrong</h1>"
                            "<p>Nothing was saved. Please try again.</p>", status_code=500)

    return app
