"""bench/moderation: how heavy the moderation page is on a given database.

Starts the app on loopback over an existing database (for example one filled by
``raidwatch demo``), logs an admin in (a bench account made for the run, removed after it)
and loads ``/organise/reports`` (or the path given) in Debian's Chromium. Prints the HTML
size in bytes and the number of DOM elements and of all DOM nodes (elements, text,
comments). Run, with the demo's ``RAIDWATCH_*`` variables set:

    .venv/bin/python bench/moderation.py [--path /organise/reports?page=2]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from pathlib import Path

import pyotp
import uvicorn
from sqlmodel import Session, col, delete

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.app import create_app
from server.config import get_settings
from server.db import get_engine
from server.logs import UVICORN_LOG_CONFIG
from server.models import Organiser, OrganiserSession
from server.organising import logins
from server.organising.second_factor import seal_secret

COUNT_NODES = """() => {
  let nodes = 0;
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
  while (walker.nextNode()) nodes++;
  return [document.getElementsByTagName("*").length, nodes];
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="/organise/reports")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    settings = get_settings().model_copy(update={"scheduler": False})
    engine = get_engine(settings)
    with Session(engine) as session:
        admin = Organiser(
            username=f"bench-{secrets.token_hex(4)}",
            password_hash="!",
            is_admin=True,
            # An enrolled second factor, so pages open; nobody can log in as this account.
            totp_secret=seal_secret(pyotp.random_base32(), key=settings.key()),
            totp_confirmed=True,
        )
        session.add(admin)
        session.commit()
        session.refresh(admin)
        admin_id = admin.id
        raw = logins.start(
            session=session,
            organiser=admin,
            idle_seconds=600,
            absolute_seconds=600,
            window_seconds=settings.mix_window_minutes * 60,
        )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=args.port,
            access_log=False,
            log_config=UVICORN_LOG_CONFIG,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context()
            context.add_cookies(
                [{"name": "rw_session", "value": raw, "url": f"http://127.0.0.1:{args.port}"}]
            )
            page = context.new_page()
            response = page.goto(f"http://127.0.0.1:{args.port}{args.path}")
            assert response is not None and response.status == 200, response
            body = response.body()
            elements, nodes = page.evaluate(COUNT_NODES)
            browser.close()
        print(f"{args.path}: {len(body):,} bytes of HTML, {elements:,} elements, {nodes:,} nodes")
    finally:
        server.should_exit = True
        thread.join(5)
        with Session(engine) as session:
            session.exec(
                delete(OrganiserSession).where(col(OrganiserSession.organiser_id) == admin_id)
            )
            session.exec(delete(Organiser).where(col(Organiser.id) == admin_id))
            session.commit()


if __name__ == "__main__":
    main()
