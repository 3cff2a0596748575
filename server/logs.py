"""Logging without request data (P1).

Invariant: no log line carries a client address, a URL, a header, a token, a traceback or
an SQL parameter. The access log is off. Application loggers carry messages we write
ourselves. Every record that reaches one of our handlers loses its traceback and stack
(the exception's type is kept), because a traceback's frames and messages can hold a
report's answers. uvicorn's own loggers are clamped by filters, which survive a later
``--log-level trace`` or uvicorn's default logging config: lifecycle lines and warnings
pass, per-connection lines (with the client address) and ASGI message dumps never do.
"""

from __future__ import annotations

import logging

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"  # no time: logs say what, not when

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
SILENCED = frozenset({"uvicorn.access", "uvicorn.asgi"})  # request lines, ASGI messages
# The start-up and shutdown lines uvicorn prints below WARNING; nothing else of its passes.
LIFECYCLE = (
    "Started server process",
    "Waiting for application",
    "Application startup",
    "Application shutdown",
    "Uvicorn running on",
    "Shutting down",
    "Finished server process",
)


class NoTracebacks(logging.Filter):
    """Keep the message, drop the traceback and stack; name the exception's type instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            message = record.getMessage().strip()
            if exc is not None:
                message = f"{message} ({type(exc).__name__})"
            record.msg, record.args = message, None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


class UvicornClamp(NoTracebacks):
    """uvicorn's loggers: lifecycle lines and warnings only, never a connection's details."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in SILENCED:
            return False
        if record.levelno < logging.WARNING and not str(record.msg).startswith(LIFECYCLE):
            return False
        return super().filter(record)


def clamp_uvicorn() -> None:
    """Attach the clamp to uvicorn's loggers (idempotent) and lift them to INFO at least."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, UvicornClamp) for f in logger.filters):
            logger.addFilter(UvicornClamp())
        if logger.level < logging.INFO:  # includes NOTSET: no trace even if the root allows it
            logger.setLevel(logging.INFO)
    access = logging.getLogger("uvicorn.access")
    access.disabled = True
    access.propagate = False
    access.handlers.clear()


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_raidwatch", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(NoTracebacks())
        handler._raidwatch = True  # type: ignore[attr-defined]  # our mark, so it is added once
        root.addHandler(handler)
    root.setLevel(level)
    clamp_uvicorn()


UVICORN_LOG_CONFIG: dict[str, object] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_tracebacks": {"()": "server.logs.NoTracebacks"},
        "clamp": {"()": "server.logs.UvicornClamp"},
    },
    "formatters": {"plain": {"format": LOG_FORMAT}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_tracebacks"],
        }
    },
    "loggers": {
        "uvicorn": {
            "handlers": ["stderr"],
            "level": "INFO",
            "propagate": False,
            "filters": ["clamp"],
        },
        "uvicorn.error": {"level": "INFO", "filters": ["clamp"]},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "uvicorn.asgi": {"level": "CRITICAL", "filters": ["clamp"]},
    },
}


def about(count: int) -> str:
    """A count as its order of magnitude ("0", "1-9", "10-99", ...): logs and the purge
    command never state an exact number of raw reports."""
    if count <= 0:
        return "0"
    low = 10 ** (len(str(count)) - 1)
    return f"{low}-{low * 10 - 1}"
