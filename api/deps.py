"""Dependencies shared by the routers, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from domain import TimelineApp

__all__ = ["TimelineDep"]


def get_timeline(request: Request) -> TimelineApp:
    timeline: TimelineApp = request.app.state.timeline
    return timeline


TimelineDep = Annotated[TimelineApp, Depends(get_timeline)]
