"""The features outside guided conversations, one module each (as a worker or staff sees them)."""
