"""The web timeline: server-rendered pages over the read models.

`router` serves the timeline at `/`, actors at `/actors/{id}`, entries at
`/entries/{id}`, and their stylesheet and script at `/static/{name}`.
"""

from api.web.routes import router

__all__ = ["router"]
