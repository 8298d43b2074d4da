"""The app quits promptly in a real terminal: no wait for Textual's input thread."""

from __future__ import annotations

from textual.drivers.headless_driver import HeadlessDriver
from textual.drivers.linux_driver import LinuxDriver

from aiway_tui.scenarios.catalogue import SCENARIOS
from aiway_tui.ui.chat_app import ChatApp
from aiway_tui.ui.compat import PromptExitLinuxDriver, prompt_exit
from aiway_tui.ui.demo_app import DemoApp


def test_the_linux_driver_is_replaced_and_others_are_kept() -> None:
    assert prompt_exit(LinuxDriver) is PromptExitLinuxDriver
    assert prompt_exit(HeadlessDriver) is HeadlessDriver


def test_both_apps_use_it_on_linux() -> None:
    assert ChatApp().driver_class is PromptExitLinuxDriver
    assert DemoApp(SCENARIOS, {s.name: s.config for s in SCENARIOS}).driver_class is PromptExitLinuxDriver
