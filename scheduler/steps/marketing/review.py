"""reply_to_review (Craig): a reply to a customer review, by its rating and words, checked and stored as a draft."""
from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from scheduler.marketing.compliance import jurisdiction
from scheduler.marketing.copy import CopyMade, write_checked
from scheduler.marketing.writer import TextRequest
from scheduler.steps.base import Step, StepContext, StepOutput, StepParams

Sentiment = Literal["positive", "neutral", "negative"]
NEGATIVE = re.compile(r"\b(?:rude|slow|wait(?:ed|ing)?|wrong|bad|terrible|awful|worst|dirty|overpriced|expensive|"
                      r"never\s+again|disappoint\w*|unhelpful|mistake|missing|late|poor)\b")
POSITIVE = re.compile(r"\b(?:great|love[ds]?|amazing|awesome|friendly|helpful|best|excellent|fast|clean|knowledgeable|"
                      r"recommend\w*|fantastic|perfect|wonderful)\b")
REPLIES = {
    "positive": "Thank you, {name}! We're so glad you had a great visit. Our team works hard to make every trip easy, "
                "and we look forward to seeing you again soon.",
    "neutral": "Thanks for the feedback, {name}. We're always working to improve, and we'd love to hear what would make "
               "your next visit better. See you soon.",
    "negative": "{name}, we're sorry your visit fell short, and thank you for telling us. We'd like to make it right: "
                "please reach out to our store manager so we can hear more and follow up.",
}


class ReviewParams(StepParams):
    # None: the review of the event that started the run (data.text or data.review, data.rating, data.author).
    review_text: str | None = Field(None, max_length=5000)
    rating: int | None = Field(None, ge=1, le=5)
    reviewer_name: str | None = Field(None, max_length=100)
    platform: str = Field("google", max_length=40)
    jurisdiction: str = "default"

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return jurisdiction(value).code


class ReviewOutput(StepOutput):
    sentiment: Sentiment | None
    rating: int | None
    reply: CopyMade | None
    content: str  # the reply text


def sentiment_of(text: str, rating: int | None) -> Sentiment:
    """The review's mood: its star rating when given, else its words."""
    if rating is not None:
        return "positive" if rating >= 4 else "neutral" if rating == 3 else "negative"
    low = text.lower()
    bad, good = len(NEGATIVE.findall(low)), len(POSITIVE.findall(low))
    return "negative" if bad > good else "positive" if good > bad else "neutral"


def _from_event(ctx: StepContext) -> dict[str, Any]:
    event = ctx.values.get("event")
    data = event.get("data") if isinstance(event, dict) else None
    return data if isinstance(data, dict) else {}


class ReplyToReview(Step):
    """Draft a public reply to a review: thanks, an apology and an invitation to talk, by its rating and words.

    The review's words are data: they are never templated and never echoed (a reply repeating a
    health claim would break the rules it is checked against). Stored as a draft; nothing is posted.
    """

    name = "reply_to_review"
    Params = ReviewParams
    Output = ReviewOutput
    example: ClassVar[dict[str, Any]] = {"review_text": "Friendly staff and a quick pickup, love this place",
                                         "rating": 5, "reviewer_name": "Sam R."}

    async def run(self, params: ReviewParams, ctx: StepContext) -> ReviewOutput:
        event = _from_event(ctx)
        text = params.review_text if params.review_text is not None else str(event.get("text") or event.get("review") or "")
        if not text.strip():
            return ReviewOutput(sentiment=None, rating=None, reply=None, content="", summary="No review to reply to.")
        rating = params.rating if params.rating is not None else _rating(event.get("rating"))
        author = (params.reviewer_name or str(event.get("author") or "")).strip()
        first = author.split()[0] if author else "there"
        mood = sentiment_of(text, rating)
        template = REPLIES[mood].format(name=first)
        request = TextRequest(kind="review_reply", persona="craig", template=template, max_chars=1000,
                              facts={"review": text, "rating": rating, "author": author, "platform": params.platform},
                              instructions=f"Write a short public reply from a cannabis dispensary to this {mood} "
                                           f"{params.platform} review. Do not repeat any health claim it makes.")
        copy = await write_checked(ctx.writer, request, params.jurisdiction, warnings=False)
        title = f"Reply to {author or 'a'} {params.platform} review ({rating or '?'}★)"[:120]
        draft_id = ctx.store.drafts.stage(ctx.unit, ctx.org_id, "review_reply", title, copy.text,
                                          copy.draft_data(review=text, rating=rating, author=author,
                                                          platform=params.platform, sentiment=mood), ctx.execution_id)
        made = CopyMade(draft_id=draft_id, title=title, text=copy.text, flagged=copy.flagged,
                        findings=copy.compliance.findings)
        return ReviewOutput(sentiment=mood, rating=rating, reply=made, content=copy.text,
                            summary=f"A reply to a {mood} review is drafted. {copy.compliance.line()}")


def _rating(value: Any) -> int | None:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        return None
    return rating if 1 <= rating <= 5 else None
