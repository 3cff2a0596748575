"""The jinja2 environment, shared by member and organiser pages.

Templates mark text with ``{% trans %}`` or ``_()``; it is translated into the language of
the current request (see server/i18n). Member templates also read that language for
``<html lang dir>`` and the language links.
"""

from __future__ import annotations

from jinja2_fragments.fastapi import Jinja2Blocks

from server.config import PROJECT_ROOT
from server.i18n import LANGUAGES, current_language
from server.i18n.catalogs import plain_gettext, plain_ngettext
from server.i18n.places import place_label
from server.web.static_files import static_url

templates = Jinja2Blocks(directory=str(PROJECT_ROOT / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True
templates.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
    gettext=plain_gettext, ngettext=plain_ngettext, newstyle=True
)
templates.env.globals.update(language=current_language, languages=LANGUAGES, static_url=static_url)
templates.env.filters["place_label"] = place_label  # "Newport, Wales" in the member's words
