"""generate_social_post (Craig): social posts about the shop's products, checked and stored as drafts, never published."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from scheduler.marketing.compliance import jurisdiction
from scheduler.marketing.copy import CopyMade, write_checked
from scheduler.marketing.writer import TextRequest
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

LIMITS = {"instagram": 2200, "facebook": 2000, "x": 280, "any": 500}
TAGS = {"instagram": " #shoplocal #dispensary", "facebook": "", "x": " #shoplocal", "any": ""}
# Templates by post number; {topic} and {p1}..{p3} are our own product names and the topic in words.
TEMPLATES = (
    "{Topic}: {p1} and {p2} are on the shelf now. Come see what's new.",
    "Staff pick this week: {p1}. Ask our budtenders about it on your next visit.",
    "Your weekend plans, sorted: {p1}, {p2} and {p3}. In store now.",
    "Fresh on the menu: {p1}. Stop by and say hi.",
    "Quality you can count on: {p2}, {p3} and more, ready for pickup.",
)
CATEGORY_WORDS = {"flower": "Flower", "bud": "Flower", "pre-roll": "Pre-Rolls", "preroll": "Pre-Rolls", "joint": "Pre-Rolls",
                  "edible": "Edibles", "gumm": "Edibles", "chocolate": "Edibles", "vape": "Vapes", "cart": "Vapes",
                  "concentrate": "Concentrates", "wax": "Concentrates", "tincture": "Tinctures", "topical": "Topicals"}


class SocialParams(StepParams):
    count: int = Field(1, ge=1, le=10)
    topic: str | None = Field(None, max_length=200)
    platform: Literal["instagram", "facebook", "x", "any"] = "instagram"
    jurisdiction: str = "default"

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return jurisdiction(value).code


class SocialOutput(StepOutput):
    posts: list[CopyMade]
    count: int
    flagged_count: int
    content: str  # the posts, separated by blank lines
    products: list[str]  # the products the posts feature
    tokens: int = 0
    cost_usd: float = 0.0


async def featured(ctx: StepContext, topic: str | None, n: int = 6) -> list[str]:
    """Products to feature: in stock, of the category the topic names, else the week's best sellers."""
    stocked = [p for p in await ctx.store.products.list(ctx.org_id) if p.quantity > 0]
    low = (topic or "").lower()
    category = next((c for word, c in CATEGORY_WORDS.items() if word in low), None)
    if category:
        return [p.name for p in stocked if p.category == category][:n]
    now = ctx.clock.now()
    top = await ctx.store.sales.totals(ctx.org_id, now - timedelta(days=7), now, n * 2)
    names = {p.name for p in stocked}
    best = [t.name for t in top.top_products if t.name in names]
    return (best + [p.name for p in stocked if p.name not in best])[:n]


class GenerateSocialPost(Step):
    """Write `count` social posts about `topic`, featuring our in-stock products; each checked and stored as a draft.

    A post that fails the compliance check is stored flagged with its findings. Nothing is published.
    """

    name = "generate_social_post"
    Params = SocialParams
    Output = SocialOutput
    example: ClassVar[dict[str, Any]] = {"count": 3, "topic": "weekend specials"}

    async def run(self, params: SocialParams, ctx: StepContext) -> SocialOutput:
        products = await featured(ctx, params.topic) or ["our house favourites"]
        topic = params.topic or "New this week"
        posts, tokens, cost = [], 0, 0.0
        for i in range(params.count):
            names = {f"p{k + 1}": products[(i + k) % len(products)] for k in range(3)}
            template = TEMPLATES[i % len(TEMPLATES)].format(Topic=topic[:1].upper() + topic[1:], **names)
            request = TextRequest(
                kind="social_post", persona="craig", template=template + TAGS[params.platform],
                max_chars=LIMITS[params.platform], facts={"topic": topic, "products": products, "platform": params.platform},
                instructions=f"Write social post {i + 1} of {params.count} for a cannabis dispensary's {params.platform} "
                             f"about {topic}, featuring: {', '.join(products[:3])}.")
            copy = await write_checked(ctx.writer, request, params.jurisdiction)
            title = f"{params.platform.capitalize()} post {i + 1}: {topic}"[:120]
            draft_id = ctx.store.drafts.stage(ctx.unit, ctx.org_id, "social_post", title, copy.text,
                                              copy.draft_data(platform=params.platform, topic=topic), ctx.execution_id)
            posts.append(CopyMade(draft_id=draft_id, title=title, text=copy.text, flagged=copy.flagged,
                                  findings=copy.compliance.findings))
            tokens, cost = tokens + copy.tokens, cost + copy.cost_usd
        flagged = sum(1 for p in posts if p.flagged)
        summary = (f"{len(posts)} {params.platform} post{'s' if len(posts) != 1 else ''} drafted about {topic}"
                   + (f"; {flagged} flagged by the compliance check" if flagged else "; all pass the compliance check")
                   + ". Nothing is published.")
        return SocialOutput(posts=posts, count=len(posts), flagged_count=flagged,
                            content="\n\n".join(p.text for p in posts), products=products[:6], tokens=tokens,
                            cost_usd=cost, summary=summary)
