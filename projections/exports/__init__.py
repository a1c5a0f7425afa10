"""Chronology exports: one module per format, streamed from the timeline view."""
