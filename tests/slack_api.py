"""The Slack-compatible Web API server the tests use; it lives in the package, where `coach try` runs it too."""

from bot.local.slack_api import Call, SlackAPIServer, UploadedFile

__all__ = ["Call", "SlackAPIServer", "UploadedFile"]
