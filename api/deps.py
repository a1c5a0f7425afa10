"""Dependencies shared by the routers, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from domain import TimelineApp
from projections import ReadModels

__all__ = ["ReadModelsDep", "TimelineDep"]


def get_timeline(request: Request) -> TimelineApp:
    timeline: TimelineApp = request.app.state.timeline
    return timeline


TimelineDep = Annotated[TimelineApp, Depends(get_timeline)]


def get_read_models(request: Request) -> ReadModels:
    read_models: ReadModels = request.app.state.read_models
    return read_models


ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
