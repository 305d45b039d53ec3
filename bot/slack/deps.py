"""What listeners are given: settings, the session factory, the Slack port, templates and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.classify import Rules
from bot.coaching.prompts import PromptLibrary
from bot.config import Settings
from bot.services.ports import Sender


@dataclass(frozen=True)
class AppDeps:
    """Built once by create_app and closed over by every listener."""

    settings: Settings
    session_factory: sessionmaker[Session]
    sender: Sender
    templates: Environment
    library: PromptLibrary
    rules: Rules
    prompt_env: Environment
    clock: Callable[[], datetime]
