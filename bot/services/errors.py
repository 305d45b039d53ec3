"""Errors a person can act on; the Slack layer shows their message as is."""


class UserFacingError(Exception):
    """Bad input or a state the user can fix; the message is friendly and complete."""
