"""``threatgate generate --from-repo``: throwaway repositories of well-known stacks.

Each case checks the components that must be generated and those that must not, the
file:line that triggered them (in the explanation and in the generation record), and,
where the repository shows a control, that the proposed assertions pass ``verify`` on
that same repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from repofixtures import (
    RunCli,
    components,
    control,
    generate_from,
    scan_places,
    signal_places,
    write_repo,
)
from threatgate.generate.repository.scan import resolve, scan_repository
from threatgate.verify import WorkingTree
from threatgate.verify.runner import planned_from, run_assertions

DJANGO_REQUIREMENTS = """\
Django==5.0.6
psycopg2-binary>=2.9
celery[redis]==5.4.0
redis>=5
stripe==9.1.0
argon2-cffi==23.1.0
"""
DJANGO_SETTINGS = """\
INSTALLED_APPS = ["django.contrib.auth", "shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
"""
DJANGO_COMPOSE = """\
services:
  web:
    build: .
  db:
    image: postgres:16
  cache:
    image: redis:7-alpine
"""


def verdicts(root: Path, assertions: list[dict[str, Any]]) -> list[str]:
    """The verify status of each assertion, checked against the repository itself."""
    import threatgate.verify.assertions  # noqa: F401 - registers the assertion types

    results = run_assertions(planned_from(assertions), WorkingTree(root))
    return [f"{r.verdict.status}: {r.verdict.reason}" for r in results]


def all_assertions(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for c in model.get("controls", []) for a in c.get("assertions", [])]


def test_django_postgres_celery_redis_stripe(tmp_path: Path, run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "shop", {
        "requirements.txt": DJANGO_REQUIREMENTS, "shop/settings.py": DJANGO_SETTINGS,
        "docker-compose.yml": DJANGO_COMPOSE})
    model, explained = generate_from(run_cli, root)
    found = components(model)
    for present in ("web_app", "browser", "database", "worker", "cache", "payment_provider"):
        assert present in found
    for absent in ("graphql_api", "llm_service", "object_storage", "grpc_service",
                   "mobile_app", "identity_provider"):
        assert absent not in found
    places = signal_places(explained)
    assert places["django"] == ["requirements.txt:1"]
    assert places["postgresql"] == ["docker-compose.yml:5", "requirements.txt:2"]
    assert places["task_queue"] == ["requirements.txt:3"]
    assert places["payment"] == ["requirements.txt:5"]
    assert "shop/settings.py:4" in places["csrf_protection"]
    assert "frame_options" not in places  # commented out
    sources = model["generation"]["sources"]
    assert sources["web_app"] == ["requirements.txt:1"]
    assert sources["cache"] == ["docker-compose.yml:7", "requirements.txt:4"]
    words = {t["technology"]: t["words"] for t in explained["technologies"]}
    assert "Django (requirements.txt:1)" in words["web_app"]
    hashing = control(model, "C-password-hashing")
    assert hashing["status"] == "planned"
    assert hashing["assertions"][0]["type"] == "dependency_exists"
    assert hashing["assertions"][0]["name"] == "argon2-cffi"
    csrf = control(model, "C-csrf-tokens")
    assert csrf["assertions"][0] == {
        "type": "middleware_registered", "file": "shop/settings.py",
        "name": "CsrfViewMiddleware", "description": csrf["assertions"][0]["description"]}
    assert all(v.startswith("pass") for v in verdicts(root, all_assertions(model)))


def test_express_mongo_s3(tmp_path: Path, run_cli: RunCli) -> None:
    package = """{
  "name": "api",
  "dependencies": {
    "express": "^4.19.2",
    "mongoose": "^8.4.0",
    "@aws-sdk/client-s3": "^3.590.0",
    "helmet": "^7.1.0",
    "express-rate-limit": "^7.2.0",
    "bcrypt": "^5.1.1"
  },
  "devDependencies": {"jest": "^29.0.0", "openai": "^4.0.0"}
}
"""
    root = write_repo(tmp_path / "api", {"package.json": package})
    model, explained = generate_from(run_cli, root)
    found = components(model)
    stores = [c for c in found.values() if c["boundary"] == "internal"]
    assert "rest_api" in found and "object_storage" in found
    assert any(c["type"] in ("nosql_database", "database") for c in stores)
    for absent in ("web_app", "payment_provider", "llm_service", "worker", "cache"):
        assert absent not in found  # openai is a dev dependency only
    places = signal_places(explained)
    assert places["http_api"] == ["package.json:4"]
    assert places["document_database"] == ["package.json:5"]
    assert places["object_storage"] == ["package.json:6"]
    assert model["generation"]["sources"]["object_storage"] == ["package.json:6"]
    hashing = control(model, "C-password-hashing")
    assert hashing["assertions"][0]["name"] == "bcrypt"
    proposals = {p["control"]: p for p in explained["repository"]["assertions"]}
    assert proposals["rate-limiting"]["attached_to"] == ["C-rate-limiting"]
    # no component renders HTML, so no Content-Security-Policy control to attach helmet to
    assert proposals["content-security-policy"]["attached_to"] == []
    assert all(v.startswith("pass") for v in verdicts(root, all_assertions(model)))


def test_go_grpc_kafka(tmp_path: Path, run_cli: RunCli) -> None:
    go_mod = """module example.com/orders

go 1.22

require (
\tgoogle.golang.org/grpc v1.64.0
\tgithub.com/segmentio/kafka-go v0.4.47
\tgithub.com/spf13/viper v1.19.0
)
"""
    root = write_repo(tmp_path / "orders", {
        "go.mod": go_mod, "Dockerfile": "FROM golang:1.22 AS build\nFROM build\n"
                                         "FROM gcr.io/distroless/static\n"})
    model, explained = generate_from(run_cli, root)
    found = components(model)
    assert {"grpc_service", "message_queue", "container_platform"} <= set(found)
    for absent in ("web_app", "browser", "rest_api", "payment_provider", "database"):
        assert absent not in found
    places = signal_places(explained)
    assert places["grpc"] == ["go.mod:6"]
    assert places["message_broker"] == ["go.mod:7"]
    assert places["containers"] == ["Dockerfile:1"]


@pytest.mark.parametrize("files", [
    {"pom.xml": """<project>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.mysql</groupId>
      <artifactId>mysql-connector-j</artifactId>
    </dependency>
  </dependencies>
</project>
"""},
    {"build.gradle.kts": """plugins { id("org.springframework.boot") version "3.3.0" }
dependencies {
    implementation("org.springframework.boot:spring-boot-starter-web")
    runtimeOnly("com.mysql:mysql-connector-j:8.4.0")
}
"""},
], ids=["maven", "gradle"])
def test_spring_mysql(tmp_path: Path, run_cli: RunCli, files: dict[str, str]) -> None:
    root = write_repo(tmp_path / "spring", files)
    model, explained = generate_from(run_cli, root)
    found = components(model)
    assert {"rest_api", "database"} <= set(found)
    assert not {"web_app", "message_queue", "cache"} & set(found)
    manifest = next(iter(files))
    places = signal_places(explained)
    assert places["http_api"][0].startswith(f"{manifest}:")
    assert places["mysql"] == [{"pom.xml": "pom.xml:9",
                                "build.gradle.kts": "build.gradle.kts:4"}[manifest]]
    assert model["generation"]["sources"]["database"] == places["mysql"]


def test_command_line_library_has_no_web_app(tmp_path: Path, run_cli: RunCli) -> None:
    pyproject = """[project]
name = "tflint-helper"
version = "1.0"
dependencies = ["click>=8", "rich", "jinja2", "python-hcl2"]

[project.optional-dependencies]
test = ["pytest", "flask"]

[project.scripts]
tflint-helper = "tflint_helper.cli:main"
"""
    root = write_repo(tmp_path / "tool", {"pyproject.toml": pyproject})
    model, explained = generate_from(run_cli, root)
    found = components(model)
    for absent in ("web_app", "browser", "rest_api", "identity_provider", "file_upload"):
        assert absent not in found
    assert "package_registry" in found
    assert not [a for a in model["assets"] if a["kind"] in ("credentials", "session_token")]
    places = signal_places(explained)
    assert places["installed_command"] == ["pyproject.toml:9"]
    assert "http_api" not in places  # flask is a test dependency only
    titles = " ".join(t["title"].lower() for t in model.get("threats", []))
    for noise in ("cross-site", "csrf", "clickjacking", "credential stuffing", "session"):
        assert noise not in titles


def test_terraform_only(tmp_path: Path, run_cli: RunCli) -> None:
    main_tf = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
  backend "s3" {
    bucket = "state"
  }
}

resource "aws_s3_bucket" "uploads" {
  bucket = "uploads"
}

resource "aws_db_instance" "main" {
  engine = "postgres"
}

resource "aws_lambda_function" "resize" {
  function_name = "resize"
}
"""
    root = write_repo(tmp_path / "infra", {"main.tf": main_tf})
    model, explained = generate_from(run_cli, root)
    found = components(model)
    assert {"cloud_account", "object_storage", "database"} <= set(found)
    assert {"serverless_function", "worker"} & set(found)
    for absent in ("web_app", "browser", "payment_provider", "rest_api"):
        assert absent not in found
    assert "secrets" in [a["kind"] for a in model["assets"]]
    places = signal_places(explained)
    assert places["object_storage"] == ["main.tf:10"]
    assert places["sql_database"] == ["main.tf:14"]
    assert places["cloud_sdk"] == ["main.tf:3"]
    assert places["terraform_state"] == ["main.tf:5"]


def test_compose_stack_with_nginx(tmp_path: Path, run_cli: RunCli) -> None:
    compose = """x-common: &common
  restart: always
services:
  proxy:
    image: nginx:1.27
    <<: *common
  app:
    build: ./app
  db:
    image: docker.io/library/postgres:16@sha256:abcd
  queue:
    image: rabbitmq:3-management
"""
    nginx = """events {}
http {
  limit_req_zone $binary_remote_addr zone=one:10m rate=10r/s;
  server {
    listen 443 ssl;
    ssl_certificate /etc/ssl/site.pem;
    add_header Strict-Transport-Security "max-age=63072000" always;
    add_header X-Frame-Options DENY;  # no framing
    location / {
      limit_req zone=one;
      proxy_pass http://app:8000;
    }
  }
}
"""
    root = write_repo(tmp_path / "stack", {"compose.yaml": compose, "nginx/nginx.conf": nginx})
    model, explained = generate_from(run_cli, root)
    found = components(model)
    assert {"database", "message_queue", "container_platform"} <= set(found)
    assert "payment_provider" not in found and "cache" not in found
    places = signal_places(explained)
    assert places["reverse_proxy"][:2] == ["compose.yaml:5", "nginx/nginx.conf:11"]
    assert places["postgresql"] == ["compose.yaml:10"]
    assert places["strict_transport_security"] == ["nginx/nginx.conf:6", "nginx/nginx.conf:7"]
    assert places["frame_options"] == ["nginx/nginx.conf:8"]
    assert places["rate_limiting"] == ["nginx/nginx.conf:3", "nginx/nginx.conf:10"]
    proposed = [p["assertion"] for p in explained["repository"]["assertions"]]
    assert {"type": "http_header_set", "glob": "nginx/nginx.conf",
            "header": "X-Frame-Options"} in [
        {k: v for k, v in a.items() if k != "description"} for a in proposed]
    assert all(v.startswith("pass") for v in verdicts(root, proposed))


def test_description_and_repository_together(tmp_path: Path, run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "app", {"requirements.txt": "fastapi\nsqlalchemy\n"})
    model, explained = generate_from(run_cli, root, "Users upload their avatars")
    found = components(model)
    assert {"rest_api", "database", "file_upload"} <= set(found)
    assert model["description"] == "Users upload their avatars"
    words = {t["technology"]: t for t in explained["technologies"]}
    assert words["file_upload"]["offsets"] and words["rest_api"]["offsets"] == []
    assert words["rest_api"]["words"] == ["fastapi (requirements.txt:1)"]


def test_ci_kubernetes_helm_serverless(tmp_path: Path) -> None:
    files = {
        ".github/workflows/ci.yml": "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n",
        "deploy/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n"
                           "    spec:\n      containers:\n        - image: ghcr.io/x/app:1\n"
                           "---\napiVersion: batch/v1\nkind: CronJob\n",
        "chart/Chart.yaml": "apiVersion: v2\nname: app\ndependencies:\n  - name: redis\n"
                            "    repository: https://charts.bitnami.com/bitnami\n",
        "chart/values.yaml": "image:\n  repository: elasticsearch\n  tag: '8'\n",
        "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: StatefulSet\n"
                                       "metadata:\n  name: {{ .Release.Name }}\n",
        "serverless.yml": "provider:\n  name: aws\nfunctions:\n  hello:\n    events:\n"
                          "      - httpApi: {path: /, method: get}\n",
        "sam/template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                             "    Type: AWS::Serverless::Function\n  T:\n"
                             "    Type: !Sub AWS::DynamoDB::Table\n",
    }
    scan = scan_repository(write_repo(tmp_path / "platform", files))
    places = scan_places(scan)
    assert places["ci_cd"] == [".github/workflows/ci.yml:1"]
    assert places["containers"] == ["chart/Chart.yaml:2", "chart/templates/deploy.yaml:2",
                                    "deploy/app.yaml:2"]
    assert places["task_queue"] == ["deploy/app.yaml:10"]
    assert places["redis"] == ["chart/Chart.yaml:4"]
    assert places["search_index"] == ["chart/values.yaml:2"]
    assert places["http_endpoint"] == ["serverless.yml:6"]
    assert places["serverless_function"] == ["serverless.yml:4", "sam/template.yaml:4"]
    assert places["document_database"] == ["sam/template.yaml:6"]
    assert {"ci_cd", "container_platform", "worker", "cache"} <= set(resolve(scan).technologies)


def test_a_merge_keeps_the_sources(tmp_path: Path, run_cli: RunCli) -> None:
    from threatgate.document.editor import ModelEditor
    from threatgate.edits.generation import GENERATION, record_generation
    from threatgate.model.loader import load_text

    root = write_repo(tmp_path / "app", {"requirements.txt": "django\nstripe\n"})
    model_file = tmp_path / "model.yaml"
    assert run_cli("generate", "--from-repo", str(root), "--out", str(model_file)).exit_code == 0
    editor = ModelEditor(model_file.read_bytes())
    before = editor.data[GENERATION]["sources"]
    assert before["payment_provider"] == ["requirements.txt:2"]
    record_generation(editor, emitted=["T-new"])
    written = load_text(editor.text).data[GENERATION]
    assert written["sources"] == before and "T-new" in written["emitted"]
    model_file.write_text(editor.text, encoding="utf-8")
    assert run_cli("validate", str(model_file)).exit_code == 0
    assert run_cli("fmt", "--check", str(model_file)).exit_code == 0


def test_caddy_and_apache_headers_are_proved(tmp_path: Path) -> None:
    from threatgate.generate.repository.evidence import proposals

    root = write_repo(tmp_path / "sites", {
        "Caddyfile": "example.com {\n  reverse_proxy app:8000\n"
                     "  header X-Frame-Options DENY\n  header {\n"
                     "    Content-Security-Policy \"default-src 'self'\"\n  }\n}\n",
        "apache2/site.conf": "<VirtualHost *:443>\n  ProxyPass / http://app/\n"
                             "  Header always set Strict-Transport-Security \"max-age=1\"\n"
                             "</VirtualHost>\n"})
    scan = scan_repository(root)
    places = scan_places(scan)
    assert places["frame_options"] == ["Caddyfile:3"]
    assert places["content_security_policy_header"] == ["Caddyfile:5"]
    assert places["strict_transport_security"] == ["apache2/site.conf:3"]
    assert places["reverse_proxy"] == ["Caddyfile:2", "apache2/site.conf:2"]
    proposed = [p.assertion() for p in proposals(scan)]
    assert {a["type"] for a in proposed} == {"pattern_matches", "http_header_set"}
    assert all(v.startswith("pass") for v in verdicts(root, proposed))


def test_terraform_modules_and_kubernetes_secrets(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "infra", {
        "main.tf": 'module "db" {\n  source  = "terraform-aws-modules/rds/aws"\n'
                   '  version = "6.0"\n}\n\nmodule "vpc" {\n'
                   '  source = "terraform-aws-modules/vpc/aws"\n}\n',
        "k8s/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"})
    scan = scan_repository(root)
    places = scan_places(scan)
    assert places == {"sql_database": ["main.tf:2"], "deployment_secrets": ["k8s/secret.yaml:2"]}
    resolved = resolve(scan)
    assert set(resolved.technologies) == {"database"} and set(resolved.data) == {"secrets"}


def test_rails_and_its_development_group(tmp_path: Path, run_cli: RunCli) -> None:
    gemfile = """source "https://rubygems.org"
gem "rails", "~> 7.1"
gem "pg"
gem "sidekiq"
gem "devise"
gem "mongoid", group: :test
group :development, :test do
  gem "sqlite3"
  gem "openai"
end
"""
    root = write_repo(tmp_path / "rails", {"Gemfile": gemfile})
    model, explained = generate_from(run_cli, root)
    assert {"web_app", "browser", "database", "worker"} <= set(components(model))
    assert not {"llm_service", "cache"} & set(components(model))
    assert "credentials" in [a["kind"] for a in model["assets"]]
    places = signal_places(explained)
    assert places["postgresql"] == ["Gemfile:3"] and "sql_database" not in places
    assert "document_database" not in places


def test_pipfile_composer_and_gradle_proofs_pass(tmp_path: Path) -> None:
    from threatgate.generate.repository.evidence import proposals

    root = write_repo(tmp_path / "mixed", {
        "api/Pipfile": '[packages]\nflask = "*"\n"flask-limiter" = "*"\n\n'
                       '[dev-packages]\npytest = "*"\n',
        "web/composer.json": '{"require": {"php": "^8.2", "laravel/framework": "^11.0",\n'
                             '  "stripe/stripe-php": "^13"}, "require-dev": {"openai-php/client": "1"}}',
        "jvm/build.gradle": "dependencies {\n  implementation 'org.springframework."
                            "security:spring-security-crypto:6.3.0'\n}\n"})
    scan = scan_repository(root)
    places = scan_places(scan)
    assert places["rate_limiting"] == ["api/Pipfile:3"]
    assert places["laravel"] == ["web/composer.json:1"]
    assert places["payment"] == ["web/composer.json:2"]
    assert places["password_hashing"] == ["jvm/build.gradle:2"]
    assert "llm" not in places and "http_api" in places
    proposed = [p.assertion() for p in proposals(scan)]
    assert len(proposed) == 3
    assert all(v.startswith("pass") for v in verdicts(root, proposed))
