"""The Atom feed of record changes (`feed.xml`), so people can follow the team asynchronously.

Entries come from git (`History.feed`, newest first); without git history, from the records'
own dates. Every date in the feed is a commit's or a record's, never the build's, so the same
commit builds the same feed.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from mlreport.history import FeedItem
from mlreport.records import Decision, Record
from mlreport.records.kinds import BY_NAME
from mlreport.render.site import FEED, PageKind, Site, counted, newest_first, record_page

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
NO_DATE = "1970-01-01T00:00:00Z"
"""The feed's `updated` when it has no entry at all (Atom requires one)."""
ACTIONS = {"added": "added", "modified": "updated", "renamed": "moved", "deleted": "deleted"}
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry."""

    title: str
    page: str
    """The site page it links to (source path)."""
    updated: str
    """RFC 3339 date-time."""
    id: str
    author: str
    summary: str
    kind: str


def write(site: Site) -> None:
    """`feed.xml` at the site root."""
    site.out.files[FEED] = feed_xml(site, entries(site))
    site.out.feeds.append((feed_title(site), FEED))


def entries(site: Site) -> list[FeedEntry]:
    """The newest record changes from git; the records' own dates when git has none."""
    if site.history.feed:
        shown: list[FeedEntry] = []
        for items in _imports_grouped(site.history.feed):
            if len(shown) == MAX_ENTRIES:
                break
            shown.append(git_entry(site, items[0]) if len(items) == 1 else import_entry(site, items))
        return shown
    records = site.catalog.records()
    return [record_entry(site, record) for record in newest_first(r for r in records if r.date)[:MAX_ENTRIES]]


def git_entry(site: Site, item: FeedItem) -> FeedEntry:
    """An entry for one commit that touched a record: "Decision 0009 accepted: …", "Experiment added: …"."""
    change = item.change
    record = site.record(item.kind, item.record_id) if item.path else None
    what = ACTIONS.get(change.action, change.action)
    if item.kind == "decision":
        status = next((step.status for step in site.history.provenance(item.path).status_history
                       if step.change.commit == change.commit), "") if item.path else ""
        # A decision added already superseded or deprecated was recorded late, not superseded that day.
        late = change.action == "added" and status in ("superseded", "deprecated")
        headline = f"Decision {item.record_id} recorded as {status}" if late else \
            f"Decision {item.record_id} {status or what}"
    else:
        headline = f"{BY_NAME[item.kind].title} {what}"
    pr = f" (#{change.pr})" if change.pr and f"#{change.pr}" not in change.subject else ""
    return FeedEntry(
        title=f"{headline}: {item.title or item.record_id}",
        page=_page(site, item.kind, record),
        updated=change.date,
        id=tag_uri(site, change.day, f"{change.commit}/{item.path or change.path}"),
        author=change.author,
        summary=f"{change.subject}{pr}",
        kind=item.kind,
    )


def import_entry(site: Site, items: list[FeedItem]) -> FeedEntry:
    """One entry for a commit that brought many records in at once: "8 decisions, 1 experiment recorded"."""
    change = items[0].change
    kinds = counted(item.kind for item in items)
    counts = ", ".join(f"{count} {BY_NAME[kind].label}{'s' if count != 1 else ''}" for kind, count in kinds)
    pr = f" (#{change.pr})" if change.pr and f"#{change.pr}" not in change.subject else ""
    only = kinds[0][0] if len(kinds) == 1 else ""
    return FeedEntry(
        title=f"{counts} recorded",
        page=f"{BY_NAME[only].plural}/index.md" if only and site.has_pages(only) else site.home,
        updated=change.date,
        id=tag_uri(site, change.day, f"{change.commit}/recorded"),
        author=change.author,
        summary=f"{change.subject}{pr}",
        kind=only or "import",
    )


def _imports_grouped(feed: tuple[FeedItem, ...]) -> list[list[FeedItem]]:
    """The feed with the items of each commit that imported many records at once as one group."""
    imports = {item.change.commit for item in feed if item.change.imported}
    groups: list[list[FeedItem]] = []
    for item in feed:
        if item.change.commit in imports and groups and groups[-1][0].change.commit == item.change.commit:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def record_entry(site: Site, record: Record) -> FeedEntry:
    """An entry for a record dated by itself (no git history)."""
    day = record.date.isoformat() if record.date else ""
    if isinstance(record, Decision):
        headline = f"Decision {record.id} {site.catalog.effective_status(record)}"
    else:
        headline = f"{BY_NAME[record.kind].title} recorded"
    people = getattr(record, BY_NAME[record.kind].people)
    return FeedEntry(
        title=f"{headline}: {record.title or record.id}",
        page=_page(site, record.kind, record),
        updated=f"{day}T00:00:00Z",
        id=tag_uri(site, day, f"{record.kind}/{record.id}"),
        author=", ".join(people) or site.options.site_name or "mlreport",
        summary=f"{record.path}, dated {day}",
        kind=record.kind,
    )


def feed_xml(site: Site, items: list[FeedEntry]) -> bytes:
    """The Atom 1.0 document; its `updated` is the newest entry's."""
    # The namespace as an attribute on unqualified tags: `etree.register_namespace` would change a
    # process-wide table that other code serialising XML shares.
    feed = etree.Element("feed", xmlns=ATOM)
    _child(feed, "title", feed_title(site))
    _child(feed, "subtitle", "Experiments, decisions and model cards as they are added and changed.")
    _link(feed, address(site, site.home), "alternate", "text/html")
    if site.options.site_url:
        _link(feed, address(site, FEED), "self", "application/atom+xml")
    # Without a site address, the forge's repository path keeps two teams' feeds apart.
    repository = urlsplit(site.options.repo_url).path.strip("/")
    feed_id = tag_uri(site, "2000", f"{repository}/feed" if repository else "feed")
    _child(feed, "id", address(site, "") if site.options.site_url else feed_id)
    _child(feed, "updated", max((item.updated for item in items), default=NO_DATE, key=_instant))
    _child(feed, "generator", "mlreport")
    for item in items:
        entry = _child(feed, "entry")
        _child(entry, "title", item.title)
        _link(entry, address(site, item.page), "alternate", "text/html")
        _child(entry, "id", item.id)
        _child(entry, "updated", item.updated)
        _child(_child(entry, "author"), "name", item.author or "unknown")
        _child(entry, "category").set("term", item.kind)
        _child(entry, "summary", item.summary)
    etree.indent(feed)
    return etree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def feed_title(site: Site) -> str:
    """"<site name>: record changes"."""
    return f"{site.options.site_name or 'mlreport'}: record changes"


def address(site: Site, page: str) -> str:
    """A page's URL: absolute under `site_url` when configured, else relative to the site root (the feed's folder)."""
    url = site.url(page) if page.endswith(".md") else page
    if site.options.site_url:
        return urljoin(site.options.site_url.rstrip("/") + "/", url)
    return url or "./"


def tag_uri(site: Site, day: str, specific: str) -> str:
    """A stable entry id (RFC 4151): `tag:<site or forge host>,<day>:<what>`."""
    host = urlsplit(site.options.site_url or site.options.repo_url).hostname or "mlreport.invalid"
    return f"tag:{host},{day or '2000'}:{quote(specific, safe='/.-_~')}"


def _page(site: Site, kind: str, record: Record | None) -> str:
    """The record's page; its kind's index once it is gone; the home page for kinds without pages."""
    if record is not None and site.has_pages(kind):
        return record_page(kind, record.id)
    return f"{BY_NAME[kind].plural}/index.md" if site.has_pages(kind) else site.home


def _instant(stamp: str) -> dt.datetime:
    """Dates with different offsets compare as instants."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _child(parent: etree.Element, tag: str, text: str | None = None) -> etree.Element:
    node = etree.SubElement(parent, tag)
    if text is not None:
        node.text = _NOT_XML.sub("", text)
    return node


def _link(parent: etree.Element, href: str, rel: str, media_type: str) -> None:
    _child(parent, "link").attrib.update({"href": _NOT_XML.sub("", href), "rel": rel, "type": media_type})


KIND = PageKind("feed", write)
