"""The map page's own furniture: title, legend, empty message, styles (P7).

Invariant: nothing here loads anything. Branca's colormap legend would pull d3 from a CDN,
so the legend is plain HTML; colours are CSS classes (no `style=` attributes, which a
strict Content-Security-Policy refuses), and the one script is rendered inline so that
`server.maps.csp` can admit it by hash.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import escape

from folium.elements import Element, MacroElement
from folium.template import Template

from server.weeks import week_start

# ColorBrewer YlOrRd, light to dark: legible on a plain background and for most colour-blind
# readers; the darkest class is still distinct from the near-black area outlines.
PALETTE = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
LAND_STYLE = {"color": "#8d99a6", "weight": 1, "fillColor": "#eeede8", "fillOpacity": 1}

_SWATCHES = "\n".join(f".rw-c-{c[1:]} {{ background: {c}; }}" for c in PALETTE)
STYLE = (
    """<style>
.folium-map.leaflet-container { background: #d3dde6; }  /* beats leaflet.css's grey */
.rw-main { position: absolute; inset: 0; }  /* the landmark fills the page, as body did */
.rw-panel { position: absolute; z-index: 1000; max-width: 20rem; padding: 8px 12px;
  background: rgba(255, 255, 255, 0.95); color: #1b1b1b; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.35); font: 14px/1.35 system-ui, sans-serif; }
.rw-panel[hidden] { display: none; }
.rw-head { top: 10px; left: 54px; }
.rw-head h1 { margin: 0; font-size: 1.05rem; }
.rw-head p { margin: 2px 0 0; color: #444; }
.rw-head .rw-empty { margin-top: 6px; padding: 6px 8px; background: #fff4d6; color: #1b1b1b;
  border-left: 4px solid #d28a00; }
.rw-legend { bottom: 48px; left: 10px; max-width: 15rem; }
.rw-legend h2 { margin: 0; font-size: 0.9rem; }
.rw-legend .rw-layer { margin: 0 0 4px; font-size: 0.8rem; color: #444; }
.rw-legend ul { margin: 0; padding: 0; list-style: none; }
.rw-legend li { display: flex; align-items: center; gap: 8px; }
.rw-sw { display: inline-block; flex: none; width: 22px; height: 13px;
  border: 1px solid #222; vertical-align: middle; }
.rw-sw-region { border: 1.5px dashed #222; }
.rw-legend .rw-key { margin: 6px 0 0; display: flex; gap: 6px; align-items: center; }
.rw-legend .rw-note { margin: 6px 0 0; font-size: 0.78rem; color: #555; }
.rw-place span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 12px/1 system-ui, sans-serif; color: #2b2b2b; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 4px #fff; }
.rw-tip { font: 13px/1.3 system-ui, sans-serif; }
.rw-tip th { text-align: left; color: #555; font-weight: normal; }
.rw-tip td { font-weight: 600; }
"""
    + _SWATCHES
    + "\n</style>"
)

NO_FAVICON = '<link rel="icon" href="data:,">'  # or the browser asks for /favicon.ico
NOTHING_YET = (
    '<p class="rw-empty"><strong>Nothing to show yet.</strong> No area has reached '
    "the publication floor in this window.</p>"
)
NOTE = (
    "From noisy counts of incidents. The same colour means the same rate on every map. "
    "Areas below the floor (the smallest count shown) are merged into a striped region or "
    "hidden."
)
NOTE_EXACT = (
    "From exact counts of incidents: no noise was added (ε, the privacy setting, is 0). The "
    "same colour means the same rate on every map. Areas below the floor (the smallest count "
    "shown) are merged into a striped region or hidden."
)


def panels(
    *,
    title: str,
    subtitle: str,
    empty: bool,
    legends: list[tuple[str, list[tuple[str, str]]]],
    noisy: bool = True,
) -> str:
    """Title box and one legend per switchable layer (the first one visible)."""
    head = (
        f'<div class="rw-panel rw-head"><h1>{escape(title)}</h1>'
        f'<p class="rw-sub" aria-live="polite">{escape(subtitle)}</p>'
        f'<div class="rw-nothing"{"" if empty else " hidden"}>{NOTHING_YET if empty else ""}'
        "</div></div>"
    )
    boxes = []
    for i, (layer, rows) in enumerate(legends):
        if not rows:
            continue
        items = "".join(
            f'<li><span class="rw-sw rw-c-{colour[1:7]}"></span>{label}</li>'
            for colour, label in rows
        )
        boxes.append(
            f'<div class="rw-panel rw-legend" data-layer-index="{i}"'
            f"{'' if i == 0 else ' hidden'}><h2>Incidents a week per 2,000 postcodes</h2>"
            f'<p class="rw-layer">{escape(layer)}</p><ul>{items}'
            '</ul><p class="rw-key"><span class="rw-sw"></span>area'
            '<span class="rw-sw rw-sw-region"></span>merged region (striped)</p>'
            f'<p class="rw-note">{NOTE if noisy else NOTE_EXACT}</p></div>'
        )
    return head + "".join(boxes)


class LegendSwitch(MacroElement):
    """Show the legend, title and empty notice of the base layer (week) picked in the layer
    control, so the title box always names the week on screen.

    Legend i belongs to `layers[i]`, whose title box line is `subtitles[i]` and which is
    empty when `empties[i]`; layers are matched by object, not by (HTML) name.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (layers, subtitles, empties) {
            {{ this._parent.get_name() }}.on("baselayerchange", function (e) {
                var i = layers.indexOf(e.layer), picked = String(i);
                document.querySelectorAll(".rw-legend").forEach(function (box) {
                    box.hidden = box.dataset.layerIndex !== picked;
                });
                if (i < 0) { return; }
                document.querySelector(".rw-head .rw-sub").textContent = subtitles[i];
                var nothing = document.querySelector(".rw-head .rw-nothing");
                if (empties[i] && !nothing.firstChild) { nothing.innerHTML = {{ this.nothing }}; }
                nothing.hidden = !empties[i];
            });
        })([{% for layer in this.layers %}{{ layer.get_name() }}, {% endfor %}],
           {{ this.subtitles }}, {{ this.empties }});
        {% endmacro %}
    """)

    def __init__(self, layers: list[Element], *, subtitles: list[str], empties: list[bool]) -> None:
        super().__init__()
        self._name = "LegendSwitch"
        self.layers = layers
        # JSON with <, > and & escaped: safe inside an inline script.
        self.subtitles = _script_json(subtitles)
        self.empties = _script_json(empties)
        self.nothing = _script_json(NOTHING_YET)


class KeyboardAccess(MacroElement):
    """Keyboard users get the map itself (named; arrows pan, + and - zoom) and the layer
    controls, not one unnamed tab stop per drawn area: area shapes leave the tab order
    (WCAG 2.4.3), and the areas are reachable as rows of the table next to the map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            var box = map.getContainer();
            box.setAttribute("role", "region");
            box.setAttribute("aria-label", {{ this.label }});
            function quiet(layer) {
                var shape = layer.getElement && layer.getElement();
                if (shape && shape.tagName.toLowerCase() === "path") {
                    shape.setAttribute("tabindex", "-1");
                }
            }
            map.eachLayer(quiet);
            map.on("layeradd", function (e) { quiet(e.layer); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    LABEL = (
        "Map of the shown areas. Arrow keys move it, plus and minus zoom. Every area on it "
        "is listed in the table of shown areas on the dashboard."
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "KeyboardAccess"
        self.label = _script_json(self.LABEL)


def week_title(week: str) -> str:
    """ "Week 2026-W09 (23 Feb – 1 Mar 2026)": an ISO week with its dates, for readers."""
    try:
        start = week_start(week)
    except ValueError:
        return week
    end = start + timedelta(days=6)
    first = f"{start.day} {start:%b}" + (f" {start.year}" if start.year != end.year else "")
    return f"Week {week} ({first} – {end.day} {end:%b} {end.year})"


def _script_json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def accessible(html: str) -> str:
    """Folium's page with a language, a viewport that lets readers zoom and its content in
    a landmark (WCAG 3.1.1, 1.4.4, 1.3.1): folium writes none of them."""
    html = re.sub(r"<html>", '<html lang="en">', html, count=1)
    html = html.replace("<body>", '<body>\n<main class="rw-main">', 1)
    head, tail = html.rsplit("</body>", 1)
    html = head + "</main>\n</body>" + tail
    return re.sub(
        r'<meta name="viewport" content="[^"]*"',
        '<meta name="viewport" content="width=device-width, initial-scale=1"',
        html,
        count=1,
    )
