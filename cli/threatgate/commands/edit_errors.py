"""How every editing command reports an edit it refused (findings, add/edit/remove, ...)."""

from __future__ import annotations

import click

from threatgate.errors import ThreatgateError
from threatgate.output.escape.terminal import terminal_location


def echo_edit_error(where: str, exc: ThreatgateError) -> None:
    """Print a refused edit the way validate prints problems: ``path:line:col: error: ...``.

    The validation problems of an edit are those of the text it would have written, so
    each says so; nothing was written.
    """
    from threatgate.document.editor import EditError

    if isinstance(exc, EditError) and exc.problems:
        click.echo(f"{where}: error: {exc.message}", err=True)
        for problem in exc.problems:
            click.echo(f"{terminal_location(where, problem.line, problem.column)}: error: "
                       f"{problem.message} "
                       f"[{problem.rule}] (in the edited text, not written)", err=True)
    elif isinstance(exc, EditError) and exc.line is not None:
        click.echo(f"{terminal_location(where, exc.line, exc.column)}: error: {exc.message} "
                   f"[{exc.rule}]",
                   err=True)
    else:
        click.echo(f"{where}: error: {exc}", err=True)
