"""Publishing a lead's Home tab: when they open it, and after every change they make."""

from __future__ import annotations

import logging
import threading
import zlib

from bot.services.home import home_state
from bot.slack.blocks.home import home_view
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message

logger = logging.getLogger(__name__)

# Two changes in quick succession publish from two threads: holding one lock per lead from reading to
# publishing makes the later reader publish last, so an older view never overwrites a newer one (per process).
_LOCKS = tuple(threading.Lock() for _ in range(64))
# Leads with a refresh queued that has not read their state yet: it will see any change saved before it reads.
_QUEUED: set[str] = set()
_QUEUED_LOCK = threading.Lock()


def publish_home(deps: AppDeps, team_id: str, user_id: str) -> None:
    """Read the lead's state and publish their Home view."""
    key = f"{team_id}/{user_id}"
    with _LOCKS[zlib.crc32(key.encode()) % len(_LOCKS)]:
        with _QUEUED_LOCK:
            _QUEUED.discard(key)
        with deps.session_factory.begin() as session:
            state = home_state(session, team_id, user_id, deps.clock())
        deps.sender.publish_home(user_id, home_view(deps.templates, state, deps.settings.retention_days))


def refresh_home(deps: AppDeps, team_id: str, user_id: str) -> None:
    """Publish the Home view after a change; the change is already saved, so a failure here is only logged.

    A burst of changes publishes once or twice, not once per change: a refresh still waiting to read covers them."""
    key = f"{team_id}/{user_id}"
    with _QUEUED_LOCK:
        if key in _QUEUED:
            return
        _QUEUED.add(key)
    try:
        publish_home(deps, team_id, user_id)
    except Exception as error:  # the lead's next visit to Home publishes it again
        logger.warning("could not refresh Home: %s", friendly_message(error))
