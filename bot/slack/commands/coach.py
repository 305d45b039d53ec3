"""/coach: start, stop, pause, resume, settings, summary, digest, export, forget, and help for anything else.

One dispatch table: each subcommand says what it does before Slack is answered (its text is the answer) and what
it does after, lazily (its text, if any, is sent ephemerally)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.mentions import CHANNEL
from bot.delivery import outbox
from bot.services import enrollment, export, summaries, workspaces
from bot.services.errors import UserFacingError
from bot.services.home import format_local
from bot.slack.deps import AppDeps, deps_of
from bot.slack.flows import forget_view, settings_view
from bot.slack.handling import guarded
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of
from bot.slack.text import render

Step = Callable[[AppDeps, dict[str, Any], BoltContext], str | None]
Answer = Callable[[AppDeps, dict[str, Any], BoltContext], str]


@dataclass(frozen=True)
class Subcommand:
    """What `/coach <name>` does: `now` before Slack is answered (its text answers), `later` lazily."""

    now: Answer | None = None
    later: Step | None = None


def subcommand(command: dict[str, Any]) -> str:
    """The first word after /coach, lowercased."""
    words = text_of(command, "text").split()
    return words[0].lower() if words else ""


def argument(command: dict[str, Any]) -> str:
    """Everything after the subcommand."""
    words = text_of(command, "text").split(maxsplit=1)
    return words[1].strip() if len(words) > 1 else ""


def acknowledge(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Answer Slack: a subcommand's quick part, or the help for anything unknown."""
    deps = deps_of(context)
    chosen = SUBCOMMANDS.get(subcommand(command))
    if chosen is None:
        ack(text=render(deps.templates, "help.md.j2"))
    elif chosen.now is not None:
        ack(text=chosen.now(deps, command, context))
    else:
        ack()


def follow_up(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A subcommand's slow part, after Slack was answered."""
    chosen = SUBCOMMANDS.get(subcommand(command))
    if chosen is not None and chosen.later is not None:
        later, deps = chosen.later, deps_of(context)
        guarded(respond, context, lambda: later(deps, command, context))


def start(deps: AppDeps, _command: dict[str, Any], context: BoltContext) -> str:
    """Turn daily prompts on, with the timezone from Slack's profile."""
    team_id, user_id = actor(context)
    profile = deps.gateway.user_profile(user_id)  # asked before the unit of work opens
    with deps.session_factory.begin() as session:
        result = enrollment.start(session, profile, team_id, deps.settings.timezone, deps.clock())
        next_prompt = result.lead.next_prompt_at
    refresh_home(deps, team_id, user_id)
    return render(
        deps.templates,
        "enrolled.md.j2",
        name=result.lead.display_name or "there",
        already_enrolled=result.already_enrolled,
        next_prompt=format_local(next_prompt, result.timezone) if next_prompt else "soon",
        timezone=result.timezone,
    )


def stop(deps: AppDeps, _command: dict[str, Any], context: BoltContext) -> str:
    """Turn daily prompts off; the log stays."""
    with deps.session_factory.begin() as session:
        enrollment.stop(session, *actor(context))
    return "Daily prompts are off. Everything you logged is kept; `/coach start` turns them back on."


def pause(deps: AppDeps, command: dict[str, Any], context: BoltContext) -> str:
    """No prompts for a number of days or until a date."""
    with deps.session_factory.begin() as session:
        last = enrollment.pause(session, *actor(context), argument(command), deps.clock())
    return f"Paused: no prompts through {last:%A %-d %B}. `/coach resume` ends the pause early."


def resume(deps: AppDeps, _command: dict[str, Any], context: BoltContext) -> str:
    """End a pause early."""
    with deps.session_factory.begin() as session:
        lead = enrollment.resume(session, *actor(context), deps.clock())
        timezone = lead.timezone or deps.settings.timezone
        when = format_local(lead.next_prompt_at, timezone) if lead.next_prompt_at else "soon"
    return f"Welcome back. Your next prompt arrives *{when}* ({timezone})."


def refresh(deps: AppDeps, _command: dict[str, Any], context: BoltContext) -> None:
    """Home after a change."""
    refresh_home(deps, *actor(context))


def modal(build: Callable[[AppDeps, str, str], dict[str, Any]]) -> Step:
    """A subcommand that opens a modal (inside the trigger's 3 seconds)."""

    def open_it(deps: AppDeps, command: dict[str, Any], context: BoltContext) -> None:
        deps.gateway.open_view(command["trigger_id"], build(deps, *actor(context)))

    return open_it


def summary(deps: AppDeps, command: dict[str, Any], context: BoltContext) -> str:
    """`summary now`: the week so far, on top of the weekly scorecard."""
    if argument(command).lower() != "now":
        return "Your scorecard arrives in our DM each week. `/coach summary now` sends the week so far."
    now = deps.clock()
    with deps.session_factory.begin() as session:
        delivery_id = summaries.summary_now(session, *actor(context), now)
        outbox.claimed_now(session, delivery_id, now)  # drawn, chart and all, when the courier sends it
    deps.courier.wake()
    return "Your week so far is on its way to our DM."


def digest(deps: AppDeps, command: dict[str, Any], context: BoltContext) -> str:
    """Choose the team digest's channel (or `off`): workspace admins, or the installer."""
    team_id, user_id = actor(context)
    found = CHANNEL.fullmatch(argument(command))
    if argument(command).lower() != "off" and found is None:
        raise UserFacingError("Pick the channel with #, like `/coach digest #team-leads` (or `off`).")
    channel = found[1] if found else None
    # Slack is asked first, outside any unit of work: who this is, then (if they may) whether we can post.
    profile = deps.gateway.user_profile(user_id)
    with deps.session_factory() as session:
        workspaces.check_may_set_digest(session, team_id, profile)
    access = deps.gateway.channel_access(channel) if channel else None
    with deps.session_factory.begin() as session:
        choice = workspaces.choose_digest_channel(session, team_id, profile, channel, access, deps.clock())
    when = format_local(choice.when, choice.timezone) if choice.when else ""
    return render(deps.templates, "digest_set.md.j2", **vars(choice) | {"when": when})


def export_brag(deps: AppDeps, _command: dict[str, Any], context: BoltContext) -> str:
    """The brag document, as a file in the DM."""
    with deps.session_factory.begin() as session:
        if not outbox.export(session, *actor(context), deps.clock()):
            raise UserFacingError(export.NOTHING_STORED)
    deps.courier.wake()
    return "Your brag document is on its way to our DM."


SUBCOMMANDS = {
    "start": Subcommand(later=start),
    "stop": Subcommand(now=stop, later=refresh),
    "pause": Subcommand(now=pause, later=refresh),
    "resume": Subcommand(now=resume, later=refresh),
    "settings": Subcommand(later=modal(settings_view)),
    "forget": Subcommand(later=modal(forget_view)),
    "summary": Subcommand(later=summary),
    "digest": Subcommand(later=digest),
    "export": Subcommand(later=export_brag),
}
