"""companion: the AI companion between sessions and the help assistant (always labelled AI)."""
