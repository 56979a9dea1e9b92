"""Closing the issue of a control that is no longer work: the configured Won't Do
transition, then one comment saying why.

Neither step is repeated blindly (:mod:`~threatgate.integrations.jira.once`): when the
answer to a transition or a comment is lost, the issue is read again first, so an issue is
never commented twice. The transition comes first: once the issue is closed a
later run leaves it alone, so a comment can never be added twice by two runs either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from threatgate.integrations.http import HttpError
from threatgate.integrations.jira.client import Issue, JiraClient, mapping
from threatgate.integrations.jira.once import exactly_once
from threatgate.integrations.jira.payloads import adf_document, adf_paragraph, plain_text
from threatgate.integrations.jira.settings import fold


class NoSuchTransition(HttpError):
    """The issue's workflow offers no transition by the configured name."""


class TransitionNeedsFields(HttpError):
    """The transition's screen requires fields threatgate cannot fill."""


def screen_values(transition: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The values for the fields the screen of ``transition`` requires (and has no default
    for): a resolution named as one of ``names`` (the transition, its status); any other
    required field is refused with :class:`TransitionNeedsFields`, naming it."""
    values: dict[str, Any] = {}
    missing = []
    fields = transition.get("fields")
    for key, meta in (fields.items() if isinstance(fields, dict) else ()):
        if not isinstance(meta, dict) or not meta.get("required") or meta.get("hasDefaultValue"):
            continue
        allowed = meta.get("allowedValues")
        wanted = {fold(name) for name in names}
        chosen = next((value for value in (allowed if isinstance(allowed, list) else ())
                       if isinstance(value, dict) and fold(str(value.get("name", ""))) in wanted
                       and value.get("id") is not None), None)
        if key == "resolution" and chosen is not None:
            values[key] = {"id": str(chosen["id"])}
        else:
            missing.append(str(meta.get("name") or key))
    if missing:
        raise TransitionNeedsFields(
            f"the transition {str(transition.get('name', ''))!r} asks for "
            f"{', '.join(sorted(missing))}, which threatgate does not fill; set [jira] "
            "wont_do_transition to a transition whose screen needs no such field")
    return values


def find_transition(transitions: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """The transition named ``wanted``, or leading to a status of that name (without regard
    to case or the kind of apostrophe)."""
    target = fold(wanted)
    for transition in transitions:
        if fold(str(transition.get("name", ""))) == target:
            return transition
    for transition in transitions:
        to = transition.get("to")
        if isinstance(to, dict) and fold(str(to.get("name", ""))) == target:
            return transition
    return None


def comment_body(text: str, cloud: bool) -> Any:
    return adf_document([adf_paragraph(text)]) if cloud else text


class Closer:
    """Closes issues through ``jira`` with the transition named ``transition_name``."""

    def __init__(self, jira: JiraClient, transition_name: str,
                 pause: Callable[[float], None]) -> None:
        self.jira = jira
        self.transition_name = transition_name
        self.pause = pause

    def close(self, issue: Issue, comment: str) -> str:
        """Transition ``issue`` and comment once; the status it moved to."""
        transitions = self.jira.transitions(issue.key)
        chosen = find_transition(transitions, self.transition_name)
        if chosen is None:
            offered = ", ".join(sorted(str(t.get("name", "")) for t in transitions)) or "none"
            raise NoSuchTransition(f"{issue.key} offers no transition {self.transition_name!r} "
                                   f"(it offers: {offered}); set [jira] wont_do_transition")
        to = mapping(chosen.get("to"))
        target = str(to.get("name") or chosen.get("name") or self.transition_name)
        try:
            fields = screen_values(chosen, (str(chosen.get("name", "")), target,
                                            self.transition_name))
        except TransitionNeedsFields as exc:
            raise TransitionNeedsFields(f"{issue.key}: {exc}") from None
        self._transition(issue.key, str(chosen.get("id", "")), target, fields)
        self._comment_once(issue.key, comment)
        return target

    def _transition(self, key: str, transition_id: str, target: str,
                    fields: dict[str, Any]) -> None:
        def moved() -> bool | None:
            now = self.jira.issue(key)
            return True if fold(now.status) == fold(target) or now.category == "done" else None

        def make() -> bool:
            self.jira.transition(key, transition_id, fields)
            return True

        exactly_once(make, moved, self.pause)

    def _comment_once(self, key: str, text: str) -> None:
        body = comment_body(text, self.jira.cloud)
        wanted = " ".join(text.split())

        def there() -> bool | None:
            bodies = self.jira.comments(key)
            return True if any(wanted in " ".join(plain_text(b).split())
                               for b in bodies) else None

        def make() -> bool:
            self.jira.comment(key, body)
            return True

        exactly_once(make, there, self.pause)
