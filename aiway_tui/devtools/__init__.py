"""Scripts for the project's developers (screenshots, probe overhead); not part of the API."""
