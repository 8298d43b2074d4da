"""Running a pipeline inside the real Textual app: one lifetime for both."""
