"""A local Slack-compatible workspace: `coach try` runs the real app against it and shows it in a browser."""
