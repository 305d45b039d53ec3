"""/coach: start, stop, pause, resume, settings, summary, digest, export, forget, and help for anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.mentions import CHANNEL
from bot.delivery import outbox
from bot.services import enrollment, export, summaries, workspaces
from bot.services.errors import UserFacingError
from bot.services.home import format_local
from bot.slack.deps import AppDeps
from bot.slack.flows import forget_view, settings_view
from bot.slack.handling import on_failure_tell, respond_with
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of
from bot.slack.text import render


def subcommand(command: dict[str, Any]) -> str:
    """The first word after /coach, lowercased."""
    words = text_of(command, "text").split()
    return words[0].lower() if words else ""


def argument(command: dict[str, Any]) -> str:
    """Everything after the subcommand."""
    words = text_of(command, "text").split(maxsplit=1)
    return words[1].strip() if len(words) > 1 else ""


def is_subcommand(*names: str) -> Callable[[dict[str, Any]], bool]:
    """A Bolt matcher for `/coach <name> …`."""

    def matches(command: dict[str, Any]) -> bool:
        return subcommand(command) in names

    return matches


def register(app: App, deps: AppDeps) -> None:
    """Register /coach and its subcommands."""

    def ack_now(ack: Ack) -> None:
        ack()

    def refresh(context: BoltContext) -> None:
        refresh_home(deps, *actor(context))

    def start(context: BoltContext, respond: Respond) -> None:
        team_id, user_id = actor(context)

        def work() -> str:
            profile = deps.gateway.user_profile(user_id)  # asked before the unit of work opens
            with deps.session_factory.begin() as session:
                result = enrollment.start(session, profile, team_id, deps.settings.timezone, deps.clock())
                next_prompt = result.lead.next_prompt_at
            return render(
                deps.templates,
                "enrolled.md.j2",
                name=result.lead.display_name or "there",
                already_enrolled=result.already_enrolled,
                next_prompt=format_local(next_prompt, result.timezone) if next_prompt else "soon",
                timezone=result.timezone,
            )

        respond_with(respond, work)
        refresh_home(deps, team_id, user_id)

    def help_text(ack: Ack) -> None:
        ack(text=render(deps.templates, "help.md.j2"))

    def stop(ack: Ack, context: BoltContext) -> None:
        with deps.session_factory.begin() as session:
            enrollment.stop(session, *actor(context))
        ack(text="Daily prompts are off. Everything you logged is kept; `/coach start` turns them back on.")

    def pause(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        with deps.session_factory.begin() as session:
            last = enrollment.pause(session, *actor(context), argument(command), deps.clock())
        ack(text=f"Paused: no prompts through {last:%A %-d %B}. `/coach resume` ends the pause early.")

    def resume(ack: Ack, context: BoltContext) -> None:
        with deps.session_factory.begin() as session:
            lead = enrollment.resume(session, *actor(context), deps.clock())
            timezone = lead.timezone or deps.settings.timezone
            when = format_local(lead.next_prompt_at, timezone) if lead.next_prompt_at else "soon"
        ack(text=f"Welcome back. Your next prompt arrives *{when}* ({timezone}).")

    def open_modal(build: Callable[[AppDeps, str, str], dict[str, Any]]) -> Callable[..., None]:
        """A subcommand that opens a modal (inside the trigger's 3 seconds); problems are answered ephemerally."""

        def run(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
            def work() -> None:
                deps.gateway.open_view(command["trigger_id"], build(deps, *actor(context)))

            on_failure_tell(respond, work)

        return run

    def summary(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        team_id, user_id = actor(context)

        def work() -> str:
            if argument(command).lower() != "now":
                return "Your scorecard arrives in our DM each week. `/coach summary now` sends the week so far."
            now = deps.clock()
            with deps.session_factory.begin() as session:
                delivery_id = summaries.summary_now(session, team_id, user_id, now)
                outbox.claimed_now(session, delivery_id, now)  # drawn, chart and all, when the courier sends it
            deps.courier.wake()
            return "Your week so far is on its way to our DM."

        respond_with(respond, work)

    def digest(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        team_id, user_id = actor(context)

        def work() -> str:
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

        respond_with(respond, work)

    def export_brag(context: BoltContext, respond: Respond) -> None:
        team_id, user_id = actor(context)

        def work() -> str:
            with deps.session_factory.begin() as session:
                if not outbox.export(session, team_id, user_id, deps.clock()):
                    raise UserFacingError(export.NOTHING_STORED)
            deps.courier.wake()
            return "Your brag document is on its way to our DM."

        respond_with(respond, work)

    app.command("/coach", matchers=[is_subcommand("start")])(ack=ack_now, lazy=[start])
    app.command("/coach", matchers=[is_subcommand("stop")])(ack=stop, lazy=[refresh])
    app.command("/coach", matchers=[is_subcommand("pause")])(ack=pause, lazy=[refresh])
    app.command("/coach", matchers=[is_subcommand("resume")])(ack=resume, lazy=[refresh])
    app.command("/coach", matchers=[is_subcommand("settings")])(ack=ack_now, lazy=[open_modal(settings_view)])
    app.command("/coach", matchers=[is_subcommand("forget")])(ack=ack_now, lazy=[open_modal(forget_view)])
    app.command("/coach", matchers=[is_subcommand("summary")])(ack=ack_now, lazy=[summary])
    app.command("/coach", matchers=[is_subcommand("digest")])(ack=ack_now, lazy=[digest])
    app.command("/coach", matchers=[is_subcommand("export")])(ack=ack_now, lazy=[export_brag])
    app.command("/coach")(help_text)
