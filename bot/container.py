"""The one container: built once per process (by `coach`, or a test) and shared by the app and the tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import jobs
from bot.coaching.filing import Filing
from bot.coaching.prompts import PromptLibrary, make_prompt_environment
from bot.config import Settings
from bot.delivery.courier import Courier
from bot.delivery.gateway import SlackGateway
from bot.delivery.pacing import CHANNEL_INTERVAL, Pacer
from bot.delivery.tokens import WorkspaceTokens
from bot.services.ports import Gateway
from bot.slack.deps import AppDeps
from bot.slack.text import make_environment
from bot.store.models import utcnow


def build(
    settings: Settings,
    session_factory: sessionmaker[Session],
    client: WebClient,
    library: PromptLibrary,
    filing: Filing,
    *,
    clock: Callable[[], datetime] = utcnow,
    channel_interval: float = CHANNEL_INTERVAL,
    tokens: WorkspaceTokens | None = None,
) -> AppDeps:
    """Everything listeners and the tick share: one gateway, one courier, one set of templates, one library. With
    `tokens` (distributed mode) the courier sends with each workspace's own token, and listeners are given their
    request's (bot/slack/app.py)."""
    gateway = SlackGateway(client)
    templates = make_environment()
    pacer = Pacer(session_factory, settings.post_rate, channel_interval=channel_interval)
    gateways: Callable[[str], Gateway] = (lambda _team_id: gateway) if tokens is None else tokens.gateway
    courier = Courier(session_factory, gateways, pacer, templates, retention_days=settings.retention_days, clock=clock)
    return AppDeps(
        settings=settings,
        session_factory=session_factory,
        gateway=gateway,
        courier=courier,
        templates=templates,
        library=library,
        filing=filing,
        prompt_env=make_prompt_environment(),
        clock=clock,
        installation_store=tokens.store if tokens is not None else None,
    )


def tick_of(deps: AppDeps) -> jobs.Tick:
    """The tick, sharing the container's courier, library and templates."""
    return jobs.Tick(
        session_factory=deps.session_factory,
        courier=deps.courier,
        library=deps.library,
        env=deps.prompt_env,
        retention=timedelta(days=deps.settings.retention_days),
    )
