"""What listeners are given: settings, the session factory, the Slack gateway, the courier, templates and a clock.

Built once (bot/container.py) and put in every request's context by a middleware: listeners are module-level
functions that read it with `deps_of(context)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment
from slack_bolt import BoltContext
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.filing import Filing
from bot.coaching.prompts import PromptLibrary
from bot.config import Settings
from bot.delivery.courier import Courier
from bot.services.ports import Gateway
from bot.store.installations import EncryptedInstallationStore


@dataclass(frozen=True)
class AppDeps:
    """Built once by create_app and closed over by every listener."""

    settings: Settings
    session_factory: sessionmaker[Session]
    gateway: Gateway  # look-ups and modals only: everything sent goes through the courier
    courier: Courier
    templates: Environment
    library: PromptLibrary
    filing: Filing
    prompt_env: Environment
    clock: Callable[[], datetime]
    installation_store: EncryptedInstallationStore | None = None  # distributed mode: each workspace's tokens

    def __deepcopy__(self, _memo: dict[int, object]) -> AppDeps:
        """Shared, never copied: Bolt deep-copies a request's context for its lazy listeners."""
        return self


DEPS = "lead_coach_deps"  # the context key


def deps_of(context: BoltContext) -> AppDeps:
    """The app's container, as the middleware put it in this request's context."""
    deps = context[DEPS]
    assert isinstance(deps, AppDeps)
    return deps
