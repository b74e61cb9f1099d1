"""The web chat: a second door for riders who cannot reach Telegram (a phone browser, opened
from a station's QR code in WeChat), on the same core, storage and staff side.

`server.WebChat` serves the page (`static/`) and the JSON routes of `API.md`; `channel.
WebChannel` keeps what the bot says to a web rider, for the page to show now or on the next
visit; `render` turns the core's actions into what the page shows."""
