"""The FastAPI application: member pages, the API, organiser pages, static assets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from server.api import reports as api_reports
from server.config import Settings, get_settings
from server.db import get_engine
from server.deps import CsrfFailed, EnrolmentRequired, LoginRequired
from server.intake.group_commit import LinkReader, ReportWriter
from server.intake.limits import IntakeLimits
from server.logs import configure_logging
from server.maps.assets import mount_assets
from server.organising.throttle import LoginThrottle
from server.places.gazetteer import Gazetteer
from server.readiness import readiness
from server.web import member
from server.web.bodies import BodyLimit
from server.web.database_away import DatabaseAway
from server.web.headers import ORGANISER_PREFIXES, SecurityHeaders
from server.web.language import LanguageFromRequest
from server.web.organiser import account, dashboard, login, manage, moderation, summary
from server.web.organiser.login import ENROL
from server.web.organiser.pages import organiser_error
from server.web.origin import SameOriginPosts
from server.web.protocol import CrashGuard, HeadAsGet
from server.web.static_files import CompressSafe, mount_static
from server.web.templating import templates
from server.web.vendor import mount_vendor


def create_app(
    settings: Settings | None = None, *, on_shutdown: Callable[[], None] | None = None
) -> FastAPI:
    """The app; `on_shutdown` runs when the server stops gracefully (before it exits)."""
    settings = settings or get_settings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await _app.state.link_reader.stop()
        await _app.state.report_writer.stop()  # store what is waiting before the engine closes
        if on_shutdown is not None:
            on_shutdown()

    app = FastAPI(
        lifespan=lifespan,
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
    # Group commit, and grouped link lookups; on whatever database the app is set to now.
    app.state.report_writer = ReportWriter(lambda: get_engine(app.state.settings))
    app.state.link_reader = LinkReader(lambda: get_engine(app.state.settings))
    app.state.login_throttle = LoginThrottle(
        per_username=settings.login_attempts_per_username,
        per_address=settings.login_attempts_per_address,
        concurrency=settings.login_concurrency,
        storage=settings.rate_limit_storage,
    )
    # Outermost last: every response, the guards' refusals and the 500 page included, gets
    # the security headers; the guards run before any route reads a body.
    app.add_middleware(DatabaseAway)  # innermost: a calm 503 while the database is away
    app.add_middleware(CompressSafe)  # gzip: static files, maps and exports only
    app.add_middleware(BodyLimit)
    app.add_middleware(SameOriginPosts)
    app.add_middleware(HeadAsGet)
    app.add_middleware(CrashGuard)
    app.add_middleware(LanguageFromRequest)  # every page and message below speaks it
    app.add_middleware(SecurityHeaders)
    mount_static(app)
    mount_assets(app)
    mount_vendor(app)
    app.include_router(member.router)
    app.include_router(api_reports.router)
    app.include_router(login.router)
    app.include_router(dashboard.router)
    app.include_router(summary.router)
    app.include_router(moderation.router)
    app.include_router(manage.router)
    app.include_router(account.router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(EnrolmentRequired)
    async def enrolment_required(request: Request, exc: EnrolmentRequired) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": ENROL})
        return RedirectResponse(ENROL, status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return templates.TemplateResponse(request, "errors/refused.html", {}, status_code=403)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness for the proxy; says nothing about the data."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Readiness: database reachable, schema at the expected head, last release's age."""
        ready, facts = readiness(app.state.settings)
        return JSONResponse(facts, status_code=200 if ready else 503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(app, request.scope)
        if request.url.path.startswith(ORGANISER_PREFIXES):
            response = organiser_error(request, exc.status_code, str(exc.detail))
            response.headers.update(headers)
            return response
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            return member.not_found(request)
        if exc.status_code == 413 and request.url.path.startswith("/r/"):
            return member.too_large(request)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
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

    return app


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """Every method some route serves at this path (the ``Allow`` of a 405)."""
    methods: set[str] = set()
    try:  # FastAPI >= 0.130 nests included routers; this flattens them.
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.router.routes))
    except ImportError:
        routes = list(app.router.routes)
    for route in routes:
        match, _ = route.matches({**scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or {"GET"})
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
