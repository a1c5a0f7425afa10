"""The `policy-timeline` command line: one thin module per command."""
