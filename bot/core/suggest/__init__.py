"""The suggestion conversation: its draft, its screens and its steps."""
