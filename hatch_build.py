"""Build-time metadata: the README as the package's long description, with links that work
on PyPI.

The README links to files of the repository by relative paths (``docs/schema.md``), which
work on GitHub and resolve to nothing on PyPI. The long description gets them as absolute
URLs into the repository: ``blob/`` for pages, ``raw/`` for images.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

REPOSITORY = "https://github.com/threatgate/threatgate"
BRANCH = "main"

#: ``[text](target)`` and ``![alt](target)``, an optional title after the target.
INLINE_LINK = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<rest>[^)]*)\)")
#: ``[label]: target`` reference definitions.
REFERENCE = re.compile(r"^(?P<label> {0,3}\[[^\]]+\]:\s*)(?P<target>\S+)", re.MULTILINE)
#: ``src="..."`` and ``href="..."`` of inline HTML.
HTML_ATTRIBUTE = re.compile(
    r"(?P<name>\b(?:src|href)=)(?P<quote>[\"'])(?P<target>[^\"']+)(?P=quote)")
ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
#: Fenced code blocks: left exactly as written.
CODE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)


def absolute_url(target: str, root: Path, *, image: bool = False) -> str:
    """``target`` as an absolute URL into the repository when it names a file or folder
    of it (or a heading of the README); anything else is kept as written."""
    if ABSOLUTE.match(target):
        return target
    path = target.removeprefix("./").lstrip("/")
    if not path or path.startswith("#"):
        path = "README.md" + path
    if not (root / path.partition("#")[0].partition("?")[0]).exists():
        return target
    kind = "raw" if image else "blob"
    return f"{REPOSITORY}/{kind}/{BRANCH}/{path}"


def absolute_links(markdown: str, root: Path) -> str:
    """The Markdown with every link and image to a file of ``root`` made absolute."""

    def inline(match: re.Match[str]) -> str:
        target = absolute_url(match["target"], root, image=bool(match["image"]))
        return f"{match['image']}[{match['text']}]({target}{match['rest']})"

    def reference(match: re.Match[str]) -> str:
        return match["label"] + absolute_url(match["target"], root)

    def attribute(match: re.Match[str]) -> str:
        target = absolute_url(match["target"], root, image=match["name"].startswith("src"))
        return f"{match['name']}{match['quote']}{target}{match['quote']}"

    def prose(text: str) -> str:
        text = INLINE_LINK.sub(inline, text)
        text = REFERENCE.sub(reference, text)
        return HTML_ATTRIBUTE.sub(attribute, text)

    out, end = [], 0
    for code in CODE.finditer(markdown):
        out += [prose(markdown[end:code.start()]), code.group(0)]
        end = code.end()
    return "".join([*out, prose(markdown[end:])])


class ReadmeHook(MetadataHookInterface):
    """Sets ``readme`` (declared dynamic in pyproject.toml) from README.md."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        root = Path(self.root)
        text = (root / "README.md").read_text(encoding="utf-8")
        metadata["readme"] = {"content-type": "text/markdown",
                              "text": absolute_links(text, root)}
