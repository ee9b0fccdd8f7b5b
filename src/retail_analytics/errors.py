"""Errors the CLI turns into a clear message and a non-zero exit, never a stack trace."""


class RetailError(Exception):
    """A problem the user can fix; its message says how."""
