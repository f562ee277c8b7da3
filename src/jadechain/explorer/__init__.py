"""The block explorer: a static single-page app over the REST API, served at `/`.

No build step and no external assets (the pages work on a machine with no internet): plain
HTML, CSS and JavaScript in `static/`, read by the gateway at start-up.
"""

from __future__ import annotations

from importlib import resources

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "explorer.js": "text/javascript; charset=utf-8",
    "explorer.css": "text/css; charset=utf-8",
}


def asset(name: str) -> tuple[bytes, str]:
    """The bytes and media type of a static asset; KeyError for an unknown name."""
    media_type = ASSETS[name]
    data = resources.files(__package__).joinpath("static", name).read_bytes()
    return data, media_type
