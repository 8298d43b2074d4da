"""Everything Textual: the guest bridge, the chat app and its widgets, the demo's screens, stylesheets."""
