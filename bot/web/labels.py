"""The catalog keys the web chat page shows, sent to it by `/api/session` as `labels`.

The page (`static/app.js`) is plain JavaScript with no build step and no copy of the catalog:
every text it shows on its own (buttons of the input bar, the offline composer, toasts, hints)
comes from `bot/catalog/messages.yaml` through this list, in the rider's language, so the
catalog stays the one place where texts are written and reviewed. The page caches the last
labels it got, so that it still speaks when it opens without a connection.

Keep this list and the page in step: a key the page asks for must be here (else the page shows
nothing in its place), and every `web.*` key of the catalog must be here (else it is dead).
"""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    # header and the ⋯ menu (the menu's items reuse the bot's own menu labels)
    "web.title",
    "menu.language",
    "web.more",
    "menu.my",
    "menu.help",
    "web.another_phone",
    # the chat
    "web.conversation",
    "web.new_answer",
    "web.navigate",
    "web.open_file",
    "web.sending",
    "web.not_sent",
    # the input bar
    "web.placeholder",
    "web.send",
    "web.menu",
    "web.photo",
    "web.voice",
    "web.voice_stop",
    "web.voice_denied",
    "web.location",
    "web.location_denied",
    "web.location_failed",
    "web.location_unsupported",
    "web.phone_hint",
    # offline: the banner, the composer, the drafts waiting in the outbox
    "web.offline_banner",
    "web.offline_title",
    "web.offline_placeholder",
    "web.offline_send_label",
    "web.offline_saved",
    "web.offline_waiting",
    "web.offline_sent",
    "web.offline_empty",
    "web.location_attached",
    "web.remove_photo",
    "web.photo_dropped",
    "web.not_saved",
    # problems
    "web.retrying",
    "web.error",
    "web.error_network",
    "web.too_big",
    # the link for another phone
    "web.link_hint",
    "web.copy",
    "web.link_copied",
    "web.link_select",
    "web.close",
    "web.ok",
)
