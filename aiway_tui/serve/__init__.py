"""The mock conductor as an HTTP server that Ollama and OpenAI-compatible clients stream from.

Any chat TUI that talks to a model server can be pointed at it: every request
is one reply of a scenario, paced, sized and faulted as the in-process
conductor does it, and counted (tokens, sequence numbers, CRC-32) on the
server's side.
"""
