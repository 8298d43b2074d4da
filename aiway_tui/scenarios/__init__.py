"""The scenario catalogue and scenarios read from TOML files."""
