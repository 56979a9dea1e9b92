"""The static site and the single-page HTML report (pure: reports in, file contents out).

:func:`build_site` returns every file of the site as ``{relative path: bytes}``; the
command decides where to write them. Pages link to each other with relative URLs only,
load nothing from the network (no CDN, the data-flow diagram is an SVG drawn at build
time) and carry a Content-Security-Policy that allows scripts and styles only from the
site itself, so they work from ``file://`` and under any sub-path.

Jinja2 runs with autoescaping on and ``StrictUndefined``; Markdown in descriptions goes
through :mod:`threatgate.output.html.markup`. Output is deterministic: the same input
gives byte-identical files (no timestamps unless a date is passed in).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from threatgate.analysis.badges import UNKNOWN, Badge, badge_file_stem, framework_badge, model_badge
from threatgate.model.vocabulary import SEVERE, SEVERITY_RANK
from threatgate.output.html.compliance_page import STATUS_OPTIONS, compliance_pages, status_rows
from threatgate.output.html.indented_json import indented_json_pieces
from threatgate.output.html.pictures import index_pictures, model_pictures
from threatgate.output.html.summary import ModelSummary, slim_report
from threatgate.views.compliance import coverage_of
from threatgate.views.report import Ref, Report, anchor, unique_anchors
from threatgate.views.reports import InvalidEntry, SiteModel

if TYPE_CHECKING:
    from jinja2 import Environment

    from threatgate.analysis.assessment import ModelAssessment
    from threatgate.history.results import History

#: Content-Security-Policy of the site's pages: nothing but the site's own files.
SITE_CSP = ("default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "base-uri 'none'; form-action 'none'")
UNKNOWN_STEM = "unknown"
#: The schema's model id (common.schema.json#/$defs/modelId): safe as a file name.
SAFE_MODEL_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
ASSETS = ("site.css", "site.js")
#: The folder of the badges in the site.
BADGES = "badges/"


def page_bytes(text: str) -> bytes:
    """``text`` as UTF-8. A model file name that is not valid UTF-8 reaches a page as lone
    surrogates (``surrogateescape``): its bytes are written as ``\\xNN`` instead."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape") if _FILE_NAME_BYTES.search(text) \
            else text.encode("utf-8", "backslashreplace")
        return raw.decode("utf-8", "backslashreplace").encode("utf-8", "backslashreplace")


_FILE_NAME_BYTES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class SiteOptions:
    title: str = "Threat models"
    #: Shown as "as of" on every page; None shows no date (the output has no timestamp).
    generated: str | None = None
    #: With ``site --history N``: the history the history page draws.
    history: History | None = None


# --- templates --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the site templates (autoescape on, strict undefined)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from threatgate.output.html.markup import render_markdown
    from threatgate.support.resources import template_dir

    env = Environment(
        loader=FileSystemLoader(str(template_dir() / "site")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def markdown(text: str) -> Any:
        from markupsafe import Markup

        return Markup(render_markdown(text))

    def words(text: str | None) -> str:
        return (text or "").replace("_", " ")

    env.filters["markdown"] = markdown
    env.globals["ref"] = ref_html
    env.globals["refs"] = refs_html
    env.filters["words"] = words
    env.filters["percent"] = lambda ratio: f"{round(ratio * 100)}%"
    env.globals["severity_rank"] = SEVERITY_RANK
    return env


def ref_html(ref: Ref, status: bool = False) -> Any:
    """A link to an entity of the page (Python, not a macro: it runs thousands of times)."""
    from markupsafe import Markup

    return Markup(_ref_text(ref.id, ref.label, ref.anchor, ref.status if status else ""))


@lru_cache(maxsize=8192)
def _ref_text(ref_id: str, label: str, target: str | None, status: str) -> str:
    """The HTML of a link (every piece escaped); a page names the same entity many times."""
    from markupsafe import escape

    if target is None:
        html = (f'<span class="dangling" title="not defined in this model">'
                f"{escape(ref_id)}</span>")
    else:
        html = f'<a href="#{escape(target)}" title="{escape(label)}">{escape(ref_id)}</a>'
    if status:
        html += (f' <span class="status status-{escape(status)}">'
                 f'{escape(status.replace("_", " "))}</span>')
    return html


def refs_html(refs: Sequence[Ref], status: bool = False) -> Any:
    """Links to several entities, comma-separated; a dash when there are none."""
    from markupsafe import Markup

    if not refs:
        return Markup('<span class="none">-</span>')
    return Markup(", ".join(_ref_text(r.id, r.label, r.anchor, r.status if status else "")
                            for r in refs))


def _asset(name: str) -> str:
    from threatgate.support.resources import template_dir

    return (template_dir() / "site" / "assets" / name).read_text(encoding="utf-8")


def _svg(report: Report) -> str:
    """The data-flow diagram as inline SVG (the renderer escapes all text)."""
    from threatgate.output.svg.dfd import render_dfd_svg

    return render_dfd_svg(report.diagram)


def _hash(source: str) -> str:
    digest = hashlib.sha256(page_bytes(source)).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# --- pages ------------------------------------------------------------------------------


def render_model_html(report: Report, *, generated: str | None = None) -> str:
    """One model's report as a single self-contained HTML page (CSS and script inlined).

    The inline style and script are allowed by their hashes in the page's CSP, so the
    policy still forbids any other inline code.
    """
    css, js = _asset("site.css"), _asset("site.js")
    csp = (f"default-src 'none'; img-src 'self' data:; style-src {_hash(css)}; "
           f"script-src {_hash(js)}; base-uri 'none'; form-action 'none'")
    return environment().get_template("model.html").render(
        report=report, svg=_svg(report), pictures=model_pictures(report), root="",
        standalone=True, inline_css=css,
        inline_js=js, csp=csp, site_title=None, generated=generated, badge_src=None,
        has_compliance=False)


def _badges(models: Sequence[ModelSummary], invalid: Sequence[InvalidEntry]
            ) -> dict[str, Badge]:
    made: dict[str, Badge] = {UNKNOWN_STEM: UNKNOWN}
    for model in models:
        for stem, badge in model.badges:
            made.setdefault(stem, badge)
    for entry in invalid:
        # An invalid model's id may be anything, "../x" included: only a well-formed
        # one names a file, so that no model can make the site write outside OUT.
        if entry.model_id and SAFE_MODEL_ID.fullmatch(entry.model_id):
            made.setdefault(badge_file_stem(entry.model_id), UNKNOWN)
    return made


def badge_file_names(stem: str) -> tuple[str, str]:
    """The site paths of a badge's files: its Shields endpoint JSON and its SVG."""
    return f"{BADGES}{stem}.json", f"{BADGES}{stem}.svg"


def badge_files(stem: str, badge: Badge) -> dict[str, bytes]:
    """The files of a badge, by site path (:func:`badge_file_names`)."""
    from threatgate.output.svg.badge import render_badge_svg

    json_name, svg_name = badge_file_names(stem)
    return {json_name: page_bytes(badge.endpoint_json()),
            svg_name: page_bytes(render_badge_svg(badge.label, badge.message, badge.color))}


def model_badges(model: SiteModel) -> tuple[tuple[str, Badge], ...]:
    """A model's badge files by stem: its own, then one per framework it lists."""
    a = model.assessment
    return ((badge_file_stem(a.model_id), model_badge(a)),
            *((badge_file_stem(a.model_id, framework),
               framework_badge(a, framework, coverage_of(model.report.compliance, framework)))
              for framework in a.frameworks))


def posture_summary(a: ModelAssessment) -> dict[str, Any]:
    """The counts the index shows for a model: threats, objectives, controls, findings."""
    return {
        "threats": {"total": len(a.threats), "by_severity": a.by_severity,
                    **a.threat_states, "mitigation_ratio": a.mitigation_ratio},
        "objectives": a.objective_states,
        "controls": a.control_progress,
        "findings": a.findings_by_status,
    }


def _summary_row(model: SiteModel) -> dict[str, Any]:
    a = model.assessment
    badge = model_badge(a)
    return {
        "id": a.model_id,
        "title": a.title,
        "system": a.system,
        "owner": a.owner,
        "path": model.report.path,
        "page": model.page,
        "badge": {"state": badge.state, "message": badge.message, "color": badge.color,
                  "json": f"badges/{badge_file_stem(a.model_id)}.json",
                  "svg": f"badges/{badge_file_stem(a.model_id)}.svg"},
        "public": a.badge_public,
        "posture": posture_summary(a),
        "frameworks": list(a.frameworks),
    }


def _index_json(rows: list[dict[str, Any]], invalid: Sequence[InvalidEntry],
                options: SiteOptions) -> Iterator[str]:
    return json_pieces({
        "schema": "threatgate-site/1",
        "title": options.title,
        "generated": options.generated,
        "models": rows,
        "invalid": [{"path": e.path, "id": e.model_id, "problem": e.problem} for e in invalid],
    })


def json_pieces(document: Any) -> Iterator[str]:
    """``document`` as indented JSON with a final newline, in pieces: the text of
    ``json.dumps(document, indent=2, ensure_ascii=False) + "\\n"``."""
    return indented_json_pieces(document)


#: Where a large file goes in pieces: (site path, its bytes, a batch at a time).
Stream = Callable[[str, Iterable[bytes]], None]
#: A file's text in pieces, made again each time it is called.
Pieces = Callable[[], Iterable[str]]
#: The text encoded at a time when a file is streamed.
BATCH = 1 << 16


def _utf8(pieces: Iterable[str]) -> Iterator[bytes]:
    """The pieces as UTF-8, a batch at a time (UnicodeEncodeError if they are not text
    UTF-8 can hold, e.g. a file name that is not UTF-8: see :func:`page_bytes`)."""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= BATCH:
            yield "".join(batch).encode("utf-8")
            batch, size = [], 0
    yield "".join(batch).encode("utf-8")


def write_pieces(write: Callable[[str, bytes], None], stream: Stream | None, name: str,
                 pieces: Pieces) -> None:
    """Write a file given in pieces: streamed when ``stream`` is given, so that a large
    page is never held whole; the bytes are those :func:`page_bytes` gives of the text."""
    if stream is not None:
        try:
            stream(name, _utf8(pieces()))
            return
        except UnicodeEncodeError:
            pass  # the text needs page_bytes's handling, which needs it whole
    write(name, page_bytes("".join(pieces())))


def _risks(models: Sequence[ModelSummary]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    threats: list[dict[str, Any]] = []
    objectives: list[dict[str, Any]] = []
    for model in models:
        for t in model.report.threats:
            if t.state == "open" and t.severity in SEVERE:
                threats.append({"model": model, "threat": t})
        for o in model.report.objectives:
            if o.status == "at_risk":
                objectives.append({"model": model, "objective": o})
    threats.sort(key=lambda r: (SEVERITY_RANK[r["threat"].severity], r["model"].report.model_id,
                                r["threat"].id))
    objectives.sort(key=lambda r: (SEVERITY_RANK[r["objective"].tier],
                                   r["model"].report.model_id, r["objective"].id))
    return threats, objectives


def _groups(models: Sequence[ModelSummary]) -> list[dict[str, Any]]:
    systems: dict[str, list[ModelSummary]] = {}
    for model in models:
        systems.setdefault(model.report.system or "", []).append(model)
    ordered = sorted(systems.items(), key=lambda kv: (kv[0] == "", kv[0].casefold(), kv[0]))
    anchors = unique_anchors([anchor("system", name or "none") for name, _ in ordered])
    return [{"name": name, "anchor": system_anchor,
             "models": sorted(group, key=lambda m: m.report.model_id)}
            for (name, group), system_anchor in zip(ordered, anchors, strict=True)]


def compliance_frameworks(a: ModelAssessment) -> set[str]:
    """The frameworks a model answers to: those it lists and those its controls map (the
    sections of its report's compliance part)."""
    mapped = set()
    for control in a.controls:
        for ref in control.compliance:
            framework, sep, requirement = ref.partition(":")
            if sep and framework and requirement:
                mapped.add(framework)
    return set(a.frameworks) | mapped


def page_summary(model: SiteModel, compact: bool = True) -> ModelSummary:
    """What the index, risks, compliance and history pages need of a model once its own
    page is written (see :mod:`threatgate.output.html.summary`). ``compact`` also cuts
    the compliance rows to their statuses (see :func:`status_rows`)."""
    report = slim_report(model.report)
    if compact:
        report.compliance = status_rows(report.compliance)
    return ModelSummary(report, _summary_row(model), model_badges(model),
                        bool(compliance_frameworks(model.assessment)))


class SiteWriter:
    """Writes the site file by file: each model's page as the model is given, then the
    pages about every model from their :func:`page_summary`.

    ``write(path, bytes)`` receives each file (path relative to the site's root,
    ``/``-separated); a path given twice keeps its last content. ``has_compliance`` (the
    compliance page exists) must be known before the first model's page, which links to it.
    """

    def __init__(self, write: Callable[[str, bytes], None], options: SiteOptions,
                 has_compliance: bool, has_history: bool | None = None,
                 stream: Stream | None = None) -> None:
        self.write, self.options, self.stream = write, options, stream
        self.common: dict[str, Any] = {
            "site_title": options.title, "generated": options.generated, "standalone": False,
            "csp": SITE_CSP, "inline_css": "", "inline_js": "",
            "has_compliance": has_compliance,
            "has_history": options.history is not None if has_history is None else has_history}

    def model_page(self, model: SiteModel) -> None:
        """Write one model's page."""
        report = model.report
        html = environment().get_template("model.html").render(
            report=report, svg=_svg(report), pictures=model_pictures(report), root="../",
            badge_src=f"../badges/{badge_file_stem(report.model_id)}.svg", **self.common)
        self.write(model.page, page_bytes(html))

    def _pieces(self, name: str, pieces: Pieces) -> None:
        write_pieces(self.write, self.stream, name, pieces)

    def finish(self, models: Sequence[ModelSummary], invalid: Sequence[InvalidEntry],
               written_badges: Collection[str] = ()) -> None:
        """Write the assets, the badges (but those of ``written_badges``, stems whose files
        were given already) and the pages about every model."""
        env, common, options = environment(), self.common, self.options
        models = sorted(models, key=lambda m: m.report.model_id)
        invalid = sorted(invalid, key=lambda e: (e.path, e.problem))
        for name in ASSETS:
            self.write(f"assets/{name}", page_bytes(_asset(name)))
        for stem, badge in sorted(_badges(models, invalid).items()):
            if stem not in written_badges:
                for name, content in badge_files(stem, badge).items():
                    self.write(name, content)
        rows = [m.row for m in models]
        compliance = compliance_pages(models)
        self._pieces("index.json", lambda: _index_json(rows, invalid, options))
        pictures = index_pictures(models, compliance)
        self._pieces("index.html", lambda: env.get_template("index.html").generate(
            root="", groups=_groups(models), invalid=invalid, rows={r["id"]: r for r in rows},
            pictures=pictures, **common))
        threats, objectives = _risks(models)
        self._pieces("risks.html", lambda: env.get_template("risks.html").generate(
            root="", threats=threats, objectives=objectives, **common))
        if compliance:
            self._pieces("compliance.html", lambda: env.get_template("compliance.html").generate(
                root="", frameworks=compliance, status_options=STATUS_OPTIONS, **common))
        if options.history is not None:
            from threatgate.output.html.history_page import render_history_page

            self.write("history.html", page_bytes(render_history_page(
                env, options.history, models, common)))
            self.write("assets/history.css", page_bytes(_asset("history.css")))


def build_site(
    models: Sequence[SiteModel],
    invalid: Sequence[InvalidEntry] = (),
    options: SiteOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root (``/``-separated)."""
    files: dict[str, bytes] = {}
    models = sorted(models, key=lambda m: m.report.model_id)
    writer = SiteWriter(files.__setitem__, options or SiteOptions(),
                        has_compliance=any(m.report.compliance for m in models))
    for model in models:
        writer.model_page(model)
        if progress:
            progress(1)
    writer.finish([page_summary(m, compact=False) for m in models], invalid)
    return dict(sorted(files.items()))
