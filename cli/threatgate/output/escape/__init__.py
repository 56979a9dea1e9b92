"""Escaping text taken from model files, one module per target language.

Every escaper is defined once, here; renderers import the one for their target:

- ``text``: one line of visible text for any target (control characters as escapes),
  locations (``path:line:col``), text that encodes as UTF-8;
- ``terminal``: text and ``path:line:col`` locations printed on a terminal, and the
  whole output of a command (no control character, no line that starts a workflow
  command), which every command prints through;
- ``markdown``: table cells, inline text, paragraphs, code spans and fences;
- ``html``: HTML text and attribute values (the site's templates rely on Jinja2's
  autoescaping and markupsafe instead);
- ``xml``: XML character data and attributes, and text XML 1.0 can carry;
- ``mermaid``: labels and titles of a Mermaid flowchart;
- ``workflow``: GitHub Actions workflow commands, written in one place;
- ``spreadsheet``: CSV cells a spreadsheet would read as a formula, and cells printed
  on standard output (one line each).
"""
