"""``aiway-tui serve`` as a command: the address on start, requests served, an orderly stop, bad usage."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from aiway_tui.cli.main import main

SERVE = [sys.executable, "-m", "aiway_tui", "serve"]


def test_serve_prints_its_address_serves_and_stops_on_sigint() -> None:
    with subprocess.Popen(
        [*SERVE, "--count", "300", "--log"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            found = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", first)
            assert found, first
            url = found.group(1)
            body = {"model": "1m-short", "messages": [{"role": "user", "content": "hi"}], "stream": False}
            reply = httpx.post(f"{url}/api/chat", json=body, timeout=30).json()
            assert reply["done"] is True
            assert reply["eval_count"] == 300
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped after 1 requests, 1 replies completed, 300 tokens sent" in out
    assert "1m-short -> 1m-short stream 0: completed, 300 of 300 tokens" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--scenario", "nope"], "unknown scenario 'nope'"),
        (["serve", "--port", "70000"], "port 70000 is out of range"),
        (["serve", "--scenario", "rapid-tokens", "--count", "0"], "message_count=0 is out of range"),
    ],
)
def test_bad_serve_options_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_port_in_use_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert len(err.strip().splitlines()) == 1, err
