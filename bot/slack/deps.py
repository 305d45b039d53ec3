"""What listeners are given: settings, the session factory, the Slack gateway, the courier, templates and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.classify import Rules
from bot.coaching.prompts import PromptLibrary
from bot.config import Settings
from bot.delivery.courier import Courier
from bot.services.ports import Gateway


@dataclass(frozen=True)
class AppDeps:
    """Built once by create_app and closed over by every listener."""

    settings: Settings
    session_factory: sessionmaker[Session]
    gateway: Gateway  # look-ups and modals only: everything sent goes through the courier
    courier: Courier
    templates: Environment
    library: PromptLibrary
    rules: Rules
    prompt_env: Environment
    clock: Callable[[], datetime]
