"""The channel-neutral core: events in, actions out; conversations, features, the outbox."""
