"""What a run yields: the report and its text, JSON schema, criteria, samples, compare."""
