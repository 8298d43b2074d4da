"""The pipeline, pure Trio (no Textual): conductor -> channel -> consumer -> painter, and its config."""
