"""The FastAPI application: member pages, the API, organiser pages, static assets."""

from __future__ import annotations

import logging
from html import escape

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.api import reports as api_reports
from server.config import PROJECT_ROOT, Settings, get_settings
from server.i18n import current_language, gettext, speaking
from server.intake.limits import IntakeLimits
from server.logs import configure_logging
from server.maps.assets import mount_assets
from server.organising.throttle import LoginThrottle
from server.places.gazetteer import Gazetteer
from server.web import member
from server.web.headers import ORGANISER_PREFIXES, SecurityHeaders
from server.web.language import LanguageFromRequest, language_of
from server.web.organiser import dashboard, login, manage, moderation
from server.web.organiser.auth import CsrfFailed, LoginRequired
from server.web.organiser.pages import organiser_error
from server.web.vendor import mount_vendor

log = logging.getLogger("raidwatch")


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
    app.state.gazetteer = Gazetteer.configured(settings.gazetteer)
    app.state.limits = IntakeLimits(
        per_link_per_hour=settings.rate_limit_per_link,
        burst_per_minute=settings.burst_limit,
        storage=settings.rate_limit_storage,
    )
    app.state.login_throttle = LoginThrottle(
        per_username=settings.login_attempts_per_username, storage=settings.rate_limit_storage
    )
    app.add_middleware(LanguageFromRequest)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "server" / "static"), name="static")
    mount_assets(app)
    mount_vendor(app)
    app.include_router(member.router)
    app.include_router(api_reports.router)
    app.include_router(login.router)
    app.include_router(dashboard.router)
    app.include_router(moderation.router)
    app.include_router(manage.router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        return HTMLResponse(
            "<!doctype html><title>Refused</title><h1>Refused</h1><p>This form "
            "is out of date. Go back, reload the page and try again.</p>",
            status_code=403,
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness for the proxy; says nothing about the data."""
        return {"status": "ok"}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(ORGANISER_PREFIXES):
            return organiser_error(request, exc.status_code, str(exc.detail))
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            return member.not_found(request)
        return JSONResponse(
            {"detail": exc.detail},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        if request.url.path.startswith(ORGANISER_PREFIXES):
            return organiser_error(
                request, 422, "That address has a value this page does not understand."
            )
        # The default handler echoes the input back; ours names fields only.
        fields = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "message": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": fields}, status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        # Log the exception type only: a traceback's locals or message could hold answers.
        log.error("unhandled %s", type(exc).__name__)
        with speaking(language_of(request)):  # outside the language middleware by now
            here = current_language()
            return HTMLResponse(
                f'<!doctype html><html lang="{here.code}" dir="{here.dir}">'
                f"<title>{escape(gettext('Something went wrong'))}</title>"
                f"<h1>{escape(gettext('Something went wrong'))}</h1>"
                f"<p>{escape(gettext('Nothing was saved. Please try again.'))}</p></html>",
                status_code=500,
            )

    return app
