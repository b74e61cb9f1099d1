"""The Telegram adapter: updates in as the core's events, its actions out as Bot API calls."""
