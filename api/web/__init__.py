"""The web timeline: server-rendered pages over the read models."""
