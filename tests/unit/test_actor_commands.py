"""The actor changes defined once in domain.actor_commands, as TimelineApp exposes them."""

from __future__ import annotations

import inspect

from domain import actor_commands
from domain.application import TimelineApp, command_fingerprint


def test_a_rename_is_fingerprinted_as_before_so_stored_keys_still_match() -> None:
    command = actor_commands.rename_actor(
        "joe-biden", "Joseph R. Biden", by="editor", reason="full name", expected_version=2
    )
    assert command.name == "rename_actor"
    assert command.payload == {
        "id": "joe-biden",
        "name": "Joseph R. Biden",
        "reason": "full name",
        "expected_version": 2,
    }
    # The hash the write service stored under a key for this rename before the
    # commands moved out of TimelineApp: a retry must still find it.
    assert command_fingerprint(command.name, command.payload) == (
        "e1048814ffdc677d6d7eadaf3d379a37a85f4a110247bb4cccb5e60958187af0"
    )


def test_the_app_s_actor_methods_show_the_parameters_of_their_commands() -> None:
    for name in ("rename_actor", "add_alias", "assume_role", "end_role", "merge_actor"):
        method = getattr(TimelineApp, name)
        built = inspect.signature(getattr(actor_commands, name))
        shown = inspect.signature(method)
        assert list(shown.parameters)[1:] == list(built.parameters), name
        assert method.__doc__ == getattr(actor_commands, name).__doc__
