"""CI/CD configuration: GitHub Actions workflows, GitLab CI, Jenkins, CircleCI, Azure
Pipelines, Bitbucket Pipelines, Travis CI and Drone, recognised by where they are.

A YAML configuration must parse (a malformed one is skipped with a note); the clue is
the CI system, at the file's first line of content.
"""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.generate.repository.base import Clue, file_name, repository_reader
from threatgate.generate.repository.yamlnodes import load_documents

#: File name (or path) -> CI system.
CI_FILES = {".gitlab-ci.yml": "gitlab_ci", "Jenkinsfile": "jenkins",
            ".circleci/config.yml": "circleci", "azure-pipelines.yml": "azure_pipelines",
            "bitbucket-pipelines.yml": "bitbucket_pipelines", ".travis.yml": "travis_ci",
            ".drone.yml": "drone"}


def ci_system(path: str) -> str | None:
    """The CI system a repository path configures, or ``None``."""
    parts = path.split("/")
    if parts[-3:-1] == [".github", "workflows"] and parts[-1].endswith((".yml", ".yaml")):
        return "github_actions"
    return CI_FILES.get("/".join(parts[-2:])) or CI_FILES.get(file_name(path))


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith(("#", "//")):
            return number
    return 1


@repository_reader("ci", "CI workflows (.github/workflows, .gitlab-ci.yml, Jenkinsfile, "
                   "...)", claims=lambda path: ci_system(path) is not None)
def read_ci(text: str, path: str) -> Iterator[Clue]:
    system = ci_system(path)
    assert system is not None
    if path.endswith((".yml", ".yaml")) and not load_documents(text, path):
        return
    yield Clue("ci", system, path, _first_content_line(text))
