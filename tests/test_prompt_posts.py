"""How recovery recognises a prompt post in the channel history (cogs/prompts/views.py): by its Log this button,
or, for posts made before the marker left the footer, by that old footer."""

from __future__ import annotations

from typing import Any

import pytest

from cogs.prompts.views import is_prompt_post, legacy_post_marker


def _message(*, custom_id: str | None = None, footer: str | None = None, nested: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"id": "1", "embeds": [], "components": []}
    if custom_id is not None:
        button = {"type": 2, "style": 1, "label": "Log this", "custom_id": custom_id}
        row = {"type": 1, "components": [button]}
        message["components"] = [{"type": 17, "components": [row]}] if nested else [row]
    if footer is not None:
        message["embeds"] = [{"title": "Today's learning prompt", "footer": {"text": footer}}]
    return message


@pytest.mark.parametrize(
    ("message", "post_id", "legacy", "expected"),
    [
        (_message(custom_id="prompt:log:7", footer="Daily prompt · Experience"), 7, None, True),
        (_message(custom_id="prompt:log:7", nested=True), 7, None, True),
        (_message(custom_id="prompt:log:17"), 7, None, False),  # another post, not a prefix match
        (_message(custom_id="prompt:log:7"), 17, None, False),
        (_message(footer="Daily prompt · s1.1795597200"), 7, legacy_post_marker("s1.1795597200"), True),
        (_message(footer="Daily prompt · j12"), 7, legacy_post_marker("j1"), False),  # the whole footer must match
        (_message(footer="Daily prompt · s1.1795597200"), 7, None, False),
        (_message(footer="Daily prompt · Experience"), 7, legacy_post_marker("s1.1795597200"), False),
    ],
)
def test_a_post_is_known_by_its_button_or_its_old_footer(
    message: dict[str, Any], post_id: int, legacy: str | None, expected: bool
) -> None:
    assert is_prompt_post(message, post_id, legacy) is expected
