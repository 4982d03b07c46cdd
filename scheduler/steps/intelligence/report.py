"""generate_competitor_report: a readable report (text and HTML) of prices, gaps, changes and promotions.

Written from a fixed template: there is no model to write it yet (the offline model only chats), and
a template keeps page text as data: every value is inserted literally (HTML-escaped in the HTML).
"""
from __future__ import annotations

import html
from typing import Any, ClassVar

from pydantic import BaseModel

from scheduler.marketing.writer import TextRequest
from scheduler.pricing import OurProduct
from scheduler.steps.base import Step, StepContext, StepOutput
from scheduler.steps.intelligence.changes import CompareParams, change_line, menu_changes, price_changes
from scheduler.steps.intelligence.promotions import promotion_line, promotions
from scheduler.steps.intelligence.sources import current_menus, money, snapshot_pairs, this_runs_scan
from scheduler.steps.pricing.analyze import compare, undercut_line

SHOWN = 15  # lines per section; the rest are counted


class Section(BaseModel):
    title: str
    lines: list[str]


class ReportOutput(StepOutput):
    report: str
    html: str
    sections: list[Section]
    written_by: str = "template"  # `template`, or the model that wrote the report's text
    tokens: int = 0
    cost_usd: float = 0.0


def _capped(lines: list[str], what: str) -> list[str]:
    return lines[:SHOWN] + ([f"... and {len(lines) - SHOWN} more {what}."] if len(lines) > SHOWN else [])


def render_text(title: str, sections: list[Section]) -> str:
    """The report as plain text: a title, then each section with its lines indented."""
    parts = [title]
    for section in sections:
        parts.append("")
        parts.append(section.title)
        parts += [f"  - {line}" for line in section.lines]
    return "\n".join(parts)


def render_html(title: str, sections: list[Section]) -> str:
    """The report as a small HTML document; every value escaped."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        body.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in section.lines) + "</ul>")
    return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html.escape(title) + "</title></head><body>" + \
        "".join(body) + "</body></html>"


class GenerateCompetitorReport(Step):
    """Write a report of the competitors' prices, the gaps to ours, their price changes and promotions."""

    name = "generate_competitor_report"
    Params = CompareParams
    Output = ReportOutput
    example: ClassVar[dict[str, Any]] = {}

    async def run(self, params: CompareParams, ctx: StepContext) -> ReportOutput:
        menus = await current_menus(ctx, params.competitors)
        pairs = await snapshot_pairs(ctx, params.competitors)
        ours = [OurProduct(id=p.id, name=p.name, price=p.price, category=p.category)
                for p in await ctx.store.products.list(ctx.org_id) if p.price > 0]
        date = ctx.clock.now().date().isoformat()
        title = f"Competitor report, {date}"
        if not menus:
            text = f"{title}\n\nNo competitor menu has been read yet: add competitors and run scan_competitors first."
            return ReportOutput(report=text, html=render_html(title, [Section(title="No data yet", lines=[text.split("\n")[-1]])]),
                                sections=[], summary=text)
        scan = this_runs_scan(ctx) or {}
        unchanged = {e.get("id") for e in scan.get("competitors", []) if e.get("unchanged")}
        read = [f"{m.name}: {len(m.products)} products, {_price_range(m.products)}"
                + (" (page unchanged since the last scan)" if m.competitor_id in unchanged else "") for m in menus]
        failed = [f"{e['name']}: {e['error']}" for e in scan.get("competitors", []) if e.get("error")]
        comparisons = compare(ours, menus)
        undercuts = [c for c in comparisons if c.gap > 0]
        dearer = [c for c in comparisons if c.gap < 0]
        changes = price_changes(pairs)
        new, removed = menu_changes(pairs)
        promos, banners = promotions(pairs)
        sections = [Section(title="Competitors", lines=read + [f"Could not read {f}" for f in failed])]
        sections.append(Section(title="Where they are cheaper than you", lines=_capped([undercut_line(c) for c in undercuts], "undercuts")
                                or ["Nobody is cheaper than you on the products that match."]))
        if dearer:
            sections.append(Section(title="Where you are cheaper", lines=_capped(
                [f"{c.competitor} charges {money(c.competitor_price)} for {c.product} (you: {money(c.our_price)})" for c in
                 sorted(dearer, key=lambda c: c.gap)], "products")))
        sections.append(Section(title="Price changes since the last scan", lines=_capped([change_line(c) for c in changes], "changes")
                                or ["None."]))
        menu_lines = [f"New at {p.competitor}: {p.product} ({money(p.price)})" for p in new]
        menu_lines += [f"Gone from {p.competitor}: {p.product}" for p in removed]
        sections.append(Section(title="New and removed products", lines=_capped(menu_lines, "menu changes") or ["None."]))
        promo_lines = [promotion_line(p) for p in promos] + [f"{b.competitor} announces: \"{b.text}\"" for b in banners]
        sections.append(Section(title="Promotions", lines=_capped(promo_lines, "promotions") or ["None found."]))
        facts = {"title": title, "sections": [section.model_dump() for section in sections]}
        # Ezal writes it through the model when the app gives one; the sections' own text otherwise. The HTML
        # stays the sections, escaped: a model's words are never markup.
        written = await ctx.writer.write(TextRequest(
            kind="competitor_report", persona="ezal", template=render_text(title, sections), facts=facts, max_chars=8000,
            instructions="A short competitor report for a dispensary owner: the biggest undercuts first, then changes "
                         "and promotions. Use only the facts given; keep every price and percentage exactly."))
        return ReportOutput(report=written.text, html=render_html(title, sections), sections=sections, summary=written.text,
                            written_by=written.source, tokens=written.tokens, cost_usd=written.cost_usd)


def _price_range(products: list[Any]) -> str:
    prices = [p.price for p in products]
    return f"{money(min(prices))} to {money(max(prices))}" if prices else "no prices"
