"""The ``threatgate`` command group and the one error boundary of the program.

Every exception ends here and becomes an exit code: 0 ok, 1 policy or validation
failure, 2 usage error or unreadable input, 3 internal error (a bug: never bad input).
"""

from __future__ import annotations

import os
import sys
from typing import ClassVar

import click

from threatgate import __version__
from threatgate.commands.options import echo
from threatgate.errors import EXIT_INTERNAL, ThreatgateError
from threatgate.output.escape.text import one_line

DEBUG_ENV = "THREATGATE_DEBUG"


class LazyGroup(click.Group):
    """Import each subcommand only when it runs, so ``validate`` never pays for the others.

    It is also the program's one error boundary (see :meth:`invoke`). Click itself maps
    usage errors to exit code 2.
    """

    commands_by_name: ClassVar[dict[str, tuple[str, str]]] = {
        "init": ("threatgate.commands.init_cmd", "init"),
        "validate": ("threatgate.commands.validate_cmd", "validate"),
        "fmt": ("threatgate.commands.fmt_cmd", "fmt"),
        "schema": ("threatgate.commands.schema_cmd", "schema"),
        "gate": ("threatgate.commands.gate_cmd", "gate"),
        "assess": ("threatgate.commands.assess_cmd", "assess"),
        "verify": ("threatgate.commands.verify_cmd", "verify"),
        "badge": ("threatgate.commands.badge_cmd", "badge"),
        "findings": ("threatgate.commands.findings_cmd", "findings"),
        "gaps": ("threatgate.commands.gaps_cmd", "gaps"),
        "compliance": ("threatgate.commands.compliance_cmd", "compliance"),
        "diff": ("threatgate.commands.diff_cmd", "diff"),
        "history": ("threatgate.commands.history_cmd", "history"),
        "render": ("threatgate.commands.render_cmd", "render"),
        "site": ("threatgate.commands.site_cmd", "site"),
        "export": ("threatgate.commands.export_cmd", "export"),
        "generate": ("threatgate.commands.generate_cmd", "generate"),
        "import": ("threatgate.commands.import_cmd", "import_command"),
        "rules": ("threatgate.commands.rules_cmd", "rules"),
        "add": ("threatgate.commands.edit_cmds", "add"),
        "edit": ("threatgate.commands.edit_cmds", "edit"),
        "remove": ("threatgate.commands.edit_cmds", "remove"),
        "set": ("threatgate.commands.set_cmd", "set_field"),
        "set-status": ("threatgate.commands.edit_cmds", "set_status"),
        "mcp": ("threatgate.commands.mcp_cmd", "mcp"),
        "confluence": ("threatgate.commands.confluence_cmd", "confluence"),
        "jira": ("threatgate.commands.jira_cmd", "jira"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands_by_name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.commands_by_name.get(cmd_name)
        if target is None:
            return None
        import importlib

        module = importlib.import_module(target[0])
        command: click.Command = getattr(module, target[1])
        return command

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: object) -> click.Context:
        """Read the group's own options; a usage error is escaped like every other."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise escaped_usage_error(exc) from None

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; turn what it returns or raises into an exit code.

        A command returns its exit code (an ``int``); every error it raises becomes a
        message here and nowhere else.
        """
        try:
            code = super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as exc:  # Click prints it, escaped here first
            raise escaped_usage_error(exc) from None
        except ThreatgateError as exc:
            report_error(exc)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): nothing more to say, nothing failed.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception:  # noqa: BLE001 - the boundary: anything else is a bug
            echo(
                "threatgate: internal error (a bug in threatgate; please report it)", err=True
            )
            if os.environ.get(DEBUG_ENV):
                import traceback  # only on this path: it costs every run otherwise

                echo(traceback.format_exc(), err=True)
            else:
                exc_type, exc_value = sys.exc_info()[:2]
                name = exc_type.__name__ if exc_type else "Exception"
                echo(f"  {name}: {one_line(str(exc_value))} (set {DEBUG_ENV}=1 for the "
                     "traceback)", err=True)
            ctx.exit(EXIT_INTERNAL)
        if isinstance(code, int) and not isinstance(code, bool):
            ctx.exit(code)
        return code


def escaped_usage_error(exc: click.ClickException) -> click.ClickException:
    """``exc`` with what was typed on the command line escaped in its message (Click
    prints usage errors itself): an argument holding a newline or an escape sequence
    neither splits the line nor reaches the terminal."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        return exc  # the help text, ours
    exc.message = one_line(exc.message)  # type: ignore[misc]  # Final in the stubs
    if isinstance(exc, click.FileError):
        exc.ui_filename = one_line(exc.ui_filename)  # type: ignore[misc]
    return exc


def report_error(exc: ThreatgateError) -> None:
    """Print an error: ``WHERE: error: message``, its located problems, the places it
    points at, its details."""
    from threatgate.output.diagnostics import text_line
    from threatgate.output.escape.terminal import terminal_location, terminal_text

    where = terminal_location(exc.path) if exc.path else "threatgate"
    if exc.headline:
        echo(f"{where}: error: {one_line(str(exc))}", err=True)
    note = f" ({exc.diagnostic_note})" if exc.diagnostic_note else ""
    for diagnostic in exc.diagnostics:
        echo(text_line(diagnostic) + note, err=True)
    for line, text in exc.pointers:
        echo(f"{terminal_location(exc.path or where, line)}: {one_line(text)}", err=True)
    for detail in exc.details:
        echo(f"  {terminal_text(detail)}", err=True)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="threatgate")
def cli() -> None:
    """Threat models as code: generate, validate, assess, verify, enforce and publish the
    YAML models kept in this repository.

    Models live under threatmodels/ (configurable in threatgate.toml or the
    [tool.threatgate] table of pyproject.toml). Start with `threatgate init` or
    `threatgate generate "a feature description"`, check with `threatgate validate`,
    keep the layout tidy with `threatgate fmt`, gate CI with `threatgate gate`, and
    publish with `threatgate site`.

    Exit codes: 0 ok, 1 validation or policy failure, 2 usage error or unreadable
    input, 3 internal error.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``threatgate`` console script."""
    cli.main(args=argv, prog_name="threatgate")
