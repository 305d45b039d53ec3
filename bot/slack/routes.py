"""Every listener, registered by kind in one place. A listener acknowledges (`ack`, before Slack is answered: it
stores what must be stored and queues what must be sent) and may do slow work after (`lazy`: modals, look-ups)."""

from __future__ import annotations

import re

from slack_bolt import Ack, App

from bot.slack.actions import diagnostic, entries, home, prompt_buttons
from bot.slack.actions import loops as loop_actions
from bot.slack.blocks import loops as loop_blocks
from bot.slack.blocks.diagnostic import HANDOFF_ACTION as HANDOFF_FROM_DIAGNOSTIC
from bot.slack.blocks.diagnostic import MODAL_CALLBACK as DIAGNOSTIC_MODAL
from bot.slack.blocks.diagnostic import OUTCOME_ACTIONS
from bot.slack.blocks.entries import DELETE_ACTION, EDIT_ACTION, LEGACY_TOGGLE_ACTION, PRIVATE_ACTION, SHARE_ACTION
from bot.slack.blocks.entries import HANDOFF_ACTION as HANDOFF_FROM_ENTRY
from bot.slack.blocks.entries import MODAL_CALLBACK as ENTRY_MODAL
from bot.slack.blocks.forget import MODAL_CALLBACK as FORGET_MODAL
from bot.slack.blocks.home import (
    CODING_ACTION,
    LOG_ACTION,
    PAUSE_ACTION,
    REFLECT_ACTION,
    RESUME_ACTION,
    SETTINGS_ACTION,
    START_ACTION,
)
from bot.slack.blocks.home import (
    DECISION_ACTION as HOME_DECISION_ACTION,
)
from bot.slack.blocks.home import (
    HANDOFF_ACTION as HOME_HANDOFF_ACTION,
)
from bot.slack.blocks.prompt import ANSWER_ACTION, CHOICE_PREFIX
from bot.slack.blocks.settings import MODAL_CALLBACK as SETTINGS_MODAL
from bot.slack.blocks.settings import TIMEZONE_ACTION
from bot.slack.commands import coach, impact, reflect, why_coding
from bot.slack.commands import loops as loop_commands
from bot.slack.events import messages, workspace
from bot.slack.flows import settings_view
from bot.slack.views import diagnostic as diagnostic_view
from bot.slack.views import entry, forget, settings
from bot.slack.views import loops as loop_views


def ack_now(ack: Ack) -> None:
    """Answer Slack at once; the work is lazy."""
    ack()


def register(app: App) -> None:
    """Register every listener."""
    # Slash commands
    app.command("/coach")(ack=coach.acknowledge, lazy=[coach.follow_up])
    app.command("/impact", matchers=[impact.has_text])(impact.log)
    app.command("/impact")(ack=ack_now, lazy=[impact.open_modal])
    app.command("/reflect")(ack=ack_now, lazy=[reflect.send_prompt])
    app.command(why_coding.COMMAND, matchers=[why_coding.is_stats])(why_coding.stats)
    app.command(why_coding.COMMAND)(ack=ack_now, lazy=[why_coding.open_modal])
    app.command(loop_commands.HANDOFF)(ack=ack_now, lazy=[loop_commands.handoff])
    app.command(loop_commands.DECISION)(ack=loop_commands.decision, lazy=[loop_commands.decision_form])

    # Events
    app.event("message")(messages.store_message)
    app.event("app_home_opened")(workspace.home_opened)
    app.event("user_change")(workspace.profile_changed)
    app.event("app_uninstalled")(workspace.workspace_gone)
    app.event("tokens_revoked")(workspace.workspace_gone)

    # Buttons and menus
    for action_id, run in (
        (START_ACTION, home.changing(home.start)),
        (REFLECT_ACTION, home.changing(home.reflect)),
        (PAUSE_ACTION, home.changing(home.pause)),
        (RESUME_ACTION, home.changing(home.resume)),
        (LOG_ACTION, home.opening(home.log_modal)),
        (CODING_ACTION, home.opening(home.coding_modal)),
        (SETTINGS_ACTION, home.opening(settings_view)),
        (HOME_HANDOFF_ACTION, home.opening(home.handoff_form)),
        (HOME_DECISION_ACTION, home.opening(home.decision_form)),
        (ANSWER_ACTION, entries.answer),
        (EDIT_ACTION, entries.edit),
        (SHARE_ACTION, entries.sharing(True)),
        (PRIVATE_ACTION, entries.sharing(False)),
        (LEGACY_TOGGLE_ACTION, entries.sharing(False)),  # its message never said what it set
        (DELETE_ACTION, entries.delete),
        *((action_id, diagnostic.record_outcome) for action_id in OUTCOME_ACTIONS.values()),
        (loop_blocks.NOTE_ACTION, loop_actions.open_note),
        (loop_blocks.LIST_AREAS_ACTION, loop_actions.open_areas),
        (HANDOFF_FROM_DIAGNOSTIC, loop_actions.open_handoff),
        (HANDOFF_FROM_ENTRY, loop_actions.open_handoff),
    ):
        app.action(action_id)(ack=ack_now, lazy=[run])
    app.action(re.compile(f"^{loop_blocks.ANSWER_PREFIX}"))(loop_actions.answer)
    app.action(loop_blocks.DISAGREED_ACTION)(loop_actions.disagreed)
    app.action(loop_blocks.SHARED_ACTION)(loop_actions.shared)
    for action_id in prompt_buttons.RESPONSE_BY_ACTION:
        app.action(action_id)(prompt_buttons.record)
    app.action(re.compile(f"^{CHOICE_PREFIX}"))(prompt_buttons.choose)
    app.options(TIMEZONE_ACTION)(settings.timezones)

    # Modals
    app.view_submission(ENTRY_MODAL)(ack=entry.submit, lazy=[entry.confirm])
    app.view_submission(SETTINGS_MODAL)(settings.submit)
    app.view_submission(FORGET_MODAL)(ack=forget.confirm, lazy=[forget.republish])
    app.view_submission(DIAGNOSTIC_MODAL)(diagnostic_view.submit)
    app.view_submission(loop_blocks.HANDOFF_MODAL)(loop_views.submit_handoff)
    app.view_submission(loop_blocks.DECISION_MODAL)(loop_views.submit_decision)
    app.view_submission(loop_blocks.NOTE_MODAL)(loop_views.submit_note)
    app.view_submission(loop_blocks.AREAS_MODAL)(loop_views.submit_areas)
