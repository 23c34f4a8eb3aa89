"""`opsbook generate OUT_DIR`: the whole source of the handbook site, for any generator.

OUT_DIR gets a site project that needs neither opsbook nor its MkDocs adapter to build:

- `OUT_DIR/mkdocs.yml`: the handbook's mkdocs.yml with its tags kept as written (`!ENV`,
  `!!python/name:`), `docs_dir: docs`, no `hooks:`, no `macros` or `opsbook` plugin, the
  documents' old addresses in the `redirects` plugin's redirect_maps (when it is listed), and
  opsbook's stylesheet and scripts in extra_css and extra_javascript. Zensical and MkDocs both
  read it: `cd OUT_DIR && zensical build` (or `mkdocs build`).
- `OUT_DIR/docs/`: the hand-written pages of the handbook's docs_dir, the pages opsbook
  generates (opsbook.pages), every runbook and postmortem opened by its metadata box or error
  banner as finished HTML (so its id, symptoms and alerts are text of the page that any
  engine's search indexes), action-items.json/.csv/.ics, insights.json, the redirect or chooser
  page at alerts/<name>/index.html of every alert a runbook names, and assets/.
- A hand-written page that uses opsbook's macros (`render_macros: true`, or every page when
  the macros plugin renders by default) is written with them expanded into plain HTML, so an
  engine with no macros at all shows it the same.

Links in the generated HTML (boxes, tables, trees) are written from each page's source file to
the target's, `.md` included (`../../services/api.md#runbooks`): Zensical rebases every relative
link of a page's HTML as a path from its source file, turns `.md` into the page's URL (directory
URLs or not) and reports one that leads nowhere, so its link check covers them. MkDocs leaves
links in raw HTML as written (it rewrites and checks Markdown links only): for it, and for
engines like it, `--url-links` writes the site's URLs instead (`../severity/`, or
`../severity/index.html` with `--no-directory-urls`, which also writes `use_directory_urls:
false`). Script data (a decision tree's runbook links) holds site URLs either way, as no engine
rewrites it, and so do the alert pages, copied as they are. Links in the Markdown of pages and
documents are left as written: the tree under docs/ is the one the adapter builds (runbooks/
and postmortems/ beside the hand-written pages), so each relative `.md` link resolves as it
does there, and each engine checks and rewrites it itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsbook import (
    actions,
    checks,
    dialects,
    fsutil,
    lint,
    load,
    macros,
    mkdocsconfig,
    oldpaths,
    report,
    sanitize,
)
from opsbook.console import (
    EXIT_OK,
    EXIT_PROBLEMS,
    display_path,
    fail,
    open_handbook,
)
from opsbook.pages import ASSETS, SCRIPTS, STYLESHEETS, Context, generated_pages
from opsbook.pages import alerts as alerts_page
from opsbook.pages import document as document_page
from opsbook.pages import insights as insights_page

CONFIG_FILE = "mkdocs.yml"
DOCS_DIR = "docs"
# Plugins the generated source must not name: opsbook's own (the source is what it would make)
# and macros (expanded by generate, as Zensical and most engines run none).
DROPPED_PLUGINS = frozenset({"opsbook", "macros"})


@dataclass
class Written:
    """The files write_pages wrote, and those it could not write with the reason."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    # Things done that a reader should know of (a page replaced, a setting left out).
    notes: list[str] = field(default_factory=list)

    def put(self, path: Path, data: str | bytes) -> None:
        """Write one file atomically; a failure is recorded and the other files go on."""
        try:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise fsutil.WriteError(path, fsutil.reason(exc)) from None
            fsutil.atomic_write(path, data)
        except fsutil.WriteError as exc:
            self.failed.append((path, exc.reason))
        else:
            self.written.append(path)


def write_pages(ctx: Context, out_dir: Path, calendar_domain: str = "opsbook") -> Written:
    """Render every generated page, the assets and the action item files into out_dir.

    calendar_domain makes the calendar's UIDs this handbook's (actions.calendar_domain).
    Each file is replaced atomically, so a page is never left half written; one that cannot be
    written is in the result's failed list and the others are still written.
    """
    out = Written()
    for spec in generated_pages(ctx):
        out.put(out_dir / spec.src_uri, spec.render(ctx))
    for uri, source in ASSETS.items():
        out.put(out_dir / uri, source.read_bytes())
    items = ctx.open_items
    data = {
        "action-items.json": actions.to_json(items, ctx.today),
        "action-items.csv": actions.to_csv(items, ctx.today),
        "action-items.ics": actions.to_ics(items, ctx.today, calendar_domain),
        insights_page.JSON_FILE: insights_page.json_text(ctx),
    }
    for name, text in data.items():
        out.put(out_dir / name, text)
    # The stable alert URLs, as finished HTML: another generator copies them as they are, so
    # their links are the site's URLs whatever the pages' links are.
    site_links = dataclasses.replace(ctx, source_hrefs=False) if ctx.source_hrefs else ctx
    for rel, text in alerts_page.alert_files(site_links).items():
        out.put(out_dir / rel, text)
    return out


# ---- documents -------------------------------------------------------------------------------


def document_markdown(ctx: Context, rel: str) -> str:
    """A runbook's or postmortem's page as Markdown: box or banner after its title, then its body.

    The box is HTML, a block of its own, which every engine passes through as it is: its id,
    symptoms and alerts are text of the page, for search. A document that could not be read
    (broken YAML) gets its banner only: what of it opsbook could not parse is not published.
    """
    doc = ctx.document(rel)
    source = doc.source if doc is not None else None
    body = source.body if source is not None else ""
    if "{{" in body:
        # Hugo's {{< ref "x.md" >}} links of adopted runbooks, as relative paths (as the site).
        body = dialects.hugo_ref_links(body)
    if sanitize.enabled(ctx.handbook.policy) and any(
        p.rule == "html-unsafe" for p in ctx.problems_by_path.get(rel, ())
    ):
        # The adapter passes a body's HTML through the sanitiser; no other engine does. A body
        # with HTML the sanitiser would remove (a script, an event handler) is shown as text,
        # under the banner that names each construct, rather than run in every reader's page.
        body = _as_text(body)
    page = document_page.decorate(ctx, rel, body)
    # A leading blank line stops MkDocs from reading the first lines as MultiMarkdown metadata.
    return "\n" + page.lstrip("\n")


def _as_text(body: str) -> str:
    """A body as one fenced code block: shown as written, never read as Markdown or HTML."""
    longest = max((len(m.group()) for m in re.finditer("`{3,}|~{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body.strip(chr(10))}\n{fence}\n"


# ---- hand-written pages and their macros ------------------------------------------------------


@dataclass(frozen=True)
class MacroSettings:
    """What the handbook's mkdocs.yml says of mkdocs-macros: listed, and rendering by default."""

    listed: bool = False
    render_by_default: bool = True


def macro_settings(config: dict[str, Any]) -> MacroSettings:
    for name, options in _plugins(config.get("plugins")):
        if name == "macros":
            default = options.get("render_by_default", True) if isinstance(options, dict) else True
            return MacroSettings(listed=True, render_by_default=default is not False)
    return MacroSettings()


class MacroError(Exception):
    """A page's macros cannot be expanded: the message names the file and how to fix it."""


def expand_macros(ctx: Context, uri: str, text: str, rel: str) -> str:
    """The Jinja of one page rendered with opsbook's macros only, as mkdocs-macros would.

    Anything else the page uses (another module's macro, a variable) fails with MacroError:
    an engine without macros would show the page's template text instead.
    """
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.globals.update(macros.functions(lambda: (ctx, uri)))
    try:
        return env.from_string(text).render()
    except jinja2.TemplateSyntaxError as exc:
        raise MacroError(f"{rel}:{exc.lineno}:1: {exc.message}: fix the template") from None
    except jinja2.UndefinedError as exc:
        names = ", ".join(f"{n}()" for n in macros.NAMES)
        raise MacroError(
            f"{rel}: {exc.message}: opsbook generate expands opsbook's macros only ({names}); "
            "render the page another way or set `render_macros: false` in its frontmatter"
        ) from None
    except (ValueError, TypeError) as exc:
        raise MacroError(f"{rel}: {exc}") from None


def _page_with_macros(
    ctx: Context, path: Path, uri: str, rel: str, settings: MacroSettings
) -> str | None:
    """The page with its macros expanded, or None when it renders none (copied as it is)."""
    if not settings.listed or not uri.endswith(".md"):
        return None
    source, _problems = load.read_source(path, rel)
    if source is None:  # no frontmatter (or unreadable): rendered only by default
        if not settings.render_by_default:
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return expand_macros(ctx, uri, text, rel)
    wanted = source.data.get("render_macros", settings.render_by_default)
    if wanted is not True and not (wanted is None and settings.render_by_default):
        return None
    body = expand_macros(ctx, uri, source.body, rel)
    return f"---\n{source.yaml}\n---\n{body}"


def _docs_files(docs: Path, root: Path) -> list[tuple[Path, str]]:
    """Every file under docs (path, path relative to docs), as MkDocs would take them.

    Dot-files and dot-folders are left out (MkDocs' default), and so is a symbolic link that
    leads out of the handbook: generate must not publish what the handbook does not hold.
    """
    real_root = root.resolve()
    found: list[tuple[Path, str]] = []
    for folder, dirs, files in os.walk(docs):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            try:
                inside = path.resolve().is_relative_to(real_root)
            except (OSError, RuntimeError):
                inside = False
            if inside and path.is_file():
                found.append((path, path.relative_to(docs).as_posix()))
    return found


# ---- the configuration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tagged:
    """A YAML value with a tag opsbook does not interpret (`!ENV`, `!!python/name:`), kept."""

    tag: str
    value: Any


class _KeepLoader(yaml.SafeLoader):
    """mkdocs.yml as data with every custom tag kept as a Tagged value: nothing is run."""


def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Tagged:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return Tagged(node.tag, value)


_KeepLoader.add_multi_constructor("!", _tagged)
_KeepLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


class _KeepDumper(yaml.SafeDumper):
    """Writes Tagged values back with their tags."""


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_KeepDumper.add_representer(Tagged, _represent_tagged)


def read_config(root: Path) -> tuple[dict[str, Any], str | None]:
    """The handbook's mkdocs.yml with its tags kept, and why it could not be read, if so."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}, None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_KeepLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        why = type(exc).__name__
        return {}, f"{CONFIG_FILE} cannot be read ({why}): the generated site uses defaults"
    return (data if isinstance(data, dict) else {}), None


def _plugins(value: Any) -> list[tuple[str, Any]]:
    """mkdocs.yml's plugins (a list of names or one-key mappings, or a mapping) as pairs."""
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    pairs: list[tuple[str, Any]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            pairs.append((item, None))
        elif isinstance(item, dict) and len(item) == 1:
            ((name, options),) = item.items()
            pairs.append((str(name), options))
    return pairs


def _plugin_name(name: str) -> str:
    # Material's plugins may be named material/search, material/tags.
    return name.removeprefix("material/")


def site_config(
    config: dict[str, Any], ctx: Context, root: Path, out_dir: Path, redirects: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The generated source's configuration, from the handbook's, and notes on what changed."""
    notes: list[str] = []
    site = dict(config)
    # The hooks (opsbook's adapter) made what the source now holds.
    site.pop("hooks", None)
    site.pop("INHERIT", None)
    site.pop("site_dir", None)
    site.setdefault("site_name", root.name)
    site["docs_dir"] = DOCS_DIR
    site["use_directory_urls"] = ctx.directory_urls
    theme = site.get("theme")
    if theme is None:
        site["theme"] = {"name": "material", "font": False}
    elif isinstance(theme, dict) and isinstance(theme.get("custom_dir"), str):
        # Relative to the configuration file, which is now in out_dir.
        custom = (root / theme["custom_dir"]).resolve()
        site["theme"] = {**theme, "custom_dir": os.path.relpath(custom, out_dir.resolve())}
    plugins: list[Any] = []
    for name, options in _plugins(config.get("plugins")):
        if _plugin_name(name) in DROPPED_PLUGINS:
            continue
        if _plugin_name(name) == "redirects" and redirects:
            options = dict(options) if isinstance(options, dict) else {}
            maps = dict(options.get("redirect_maps") or {})
            for key, target in redirects.items():
                maps.setdefault(key, target)
            options["redirect_maps"] = maps
        plugins.append(name if options is None else {name: options})
    if "plugins" in config or plugins:
        site["plugins"] = plugins or ["search"]
    for key, wanted in (("extra_css", STYLESHEETS), ("extra_javascript", SCRIPTS)):
        listed = site.get(key)
        listed = list(listed) if isinstance(listed, list) else []
        present = {str(item) for item in listed}
        site[key] = listed + [uri for uri in wanted if uri not in present]
    return site, notes


def config_text(site: dict[str, Any]) -> str:
    head = (
        "# Written by `opsbook generate`: the handbook site's whole source, for an engine that\n"
        "# runs no opsbook (`zensical build`). Edit the handbook, not this.\n"
    )
    body = yaml.dump(site, Dumper=_KeepDumper, sort_keys=False, allow_unicode=True, width=100)
    return head + body


# ---- the whole source ------------------------------------------------------------------------


def write_source(
    ctx: Context, root: Path, out_dir: Path, calendar_domain: str = "opsbook"
) -> Written:
    """Write the handbook site's whole source into out_dir: config, docs/ (see the module)."""
    docs_out = out_dir / DOCS_DIR
    config, unreadable = read_config(root)
    settings = macro_settings(config)
    docs_src = mkdocsconfig.docs_dir(root)
    generated = {spec.src_uri for spec in generated_pages(ctx)}
    documents = [rb.rel for rb in ctx.handbook.runbooks]
    documents += [pm.rel for pm in ctx.handbook.postmortems]
    documents += [rel for rel in ctx.handbook.broken if rel not in documents]
    documents = [rel for rel in documents if rel.endswith(".md") and rel not in generated]
    taken = generated | set(documents)
    out = Written()
    if unreadable:
        out.notes.append(unreadable)
    for path, uri in _docs_files(docs_src, root) if docs_src.is_dir() else []:
        rel = load.rel_path(path, root)
        if uri in taken:
            what = "the page opsbook generates" if uri in generated else "the handbook document"
            out.notes.append(f"{rel} is replaced by {what} at {uri}: move one of them")
            continue
        try:
            expanded = _page_with_macros(ctx, path, uri, rel, settings)
        except MacroError as exc:
            out.failed.append((docs_out / uri, str(exc)))
            continue
        if expanded is not None:
            out.put(docs_out / uri, expanded)
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.failed.append((docs_out / uri, fsutil.reason(exc)))
            continue
        out.put(docs_out / uri, data)
    for rel in documents:
        out.put(docs_out / rel, document_markdown(ctx, rel))
    pages = write_pages(ctx, docs_out, calendar_domain)
    out.written += pages.written
    out.failed += pages.failed
    redirects = oldpaths.redirect_maps(ctx.handbook, ctx.directory_urls)
    site, notes = site_config(config, ctx, root, out_dir, redirects)
    out.notes += notes
    out.put(out_dir / CONFIG_FILE, config_text(site))
    return out


def inside(path: Path, folder: Path) -> bool:
    """Whether path is folder or lies under it (both resolved)."""
    return path.resolve().is_relative_to(folder.resolve())


def run_command(args: argparse.Namespace) -> int:
    # The pages show staleness and overdue items themselves, not as problems.
    opened = open_handbook(
        args, lambda root, today: lint.run(root, checks.Options(today=today, state=False))
    )
    if isinstance(opened, int):
        return opened
    root, today, result = opened
    problems = sorted(result.problems, key=report.sort_key)
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        return fail(f"{out_dir} exists and is not a directory")
    docs_src = mkdocsconfig.docs_dir(root)
    # The source would copy itself into itself, a level deeper at every run.
    clashes: list[tuple[Path, str]] = [(docs_src, "docs_dir")]
    clashes += [(root / name, name) for name in (load.RUNBOOK_DIR, load.POSTMORTEM_DIR)]
    for folder, what in clashes:
        if folder.is_dir() and inside(out_dir, folder):
            return fail(f"{out_dir} is inside the handbook's {what} ({folder}): choose another")
    ctx = Context(
        handbook=result.handbook,
        today=today,
        problems=problems,
        site_url=args.site_url or "",
        directory_urls=args.directory_urls,
        source_hrefs=not args.url_links,
    )
    out = write_source(ctx, root, out_dir, actions.handbook_calendar_domain(root, args.site_url))
    for note in out.notes:
        print(f"opsbook: note: {report.visible(note)}", file=sys.stderr)
    for path, why in out.failed:
        print(
            f"opsbook: error: cannot write {display_path(path)}: {report.visible(why)}",
            file=sys.stderr,
        )
    print(
        f"wrote {len(out.written)} files to {out_dir}"
        + (f", {len(out.failed)} could not be written" if out.failed else "")
        + f": build it with `cd {display_path(out_dir)} && zensical build`",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if out.failed else EXIT_OK
