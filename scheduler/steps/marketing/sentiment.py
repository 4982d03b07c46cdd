"""review_sentiment (Craig): reviews classed positive, negative or neutral by a word list; the complaints counted."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from scheduler.steps.base import Step, StepContext, StepError, StepOutput, StepParams
from scheduler.steps.marketing.review import NEGATIVE, POSITIVE

Sentiment = Literal["positive", "neutral", "negative"]
# A negation among the two words before a mood word turns it over: "not friendly" is a complaint.
NEGATION = re.compile(r"\b(?:not|no|never|n't|hardly|wasn't|isn't|didn't|don't|won't|aren't|weren't)\s+(?:\w+\s+)?$")


class ReviewIn(BaseModel):
    text: str = Field(max_length=5000)
    rating: int | None = Field(None, ge=1, le=5)
    author: str | None = Field(None, max_length=100)


class ReviewSentimentParams(StepParams):
    # None: the review(s) of the event that started the run (data.reviews, or data.text with data.rating, data.author).
    reviews: list[ReviewIn] | None = Field(None, max_length=500)


class ReviewMood(BaseModel):
    author: str | None
    rating: int | None
    sentiment: Sentiment
    positive_words: list[str]
    negative_words: list[str]


class ReviewSentimentOutput(StepOutput):
    reviews: list[ReviewMood]
    positive: int
    negative: int
    neutral: int
    net_score: float | None  # (positive - negative) / reviews x 100; None with no reviews
    complaints: dict[str, int]  # negative words (negated praise as "not <word>") -> how many reviews said it
    rating_disagrees: int  # reviews whose stars say the opposite of their words (4-5 stars read negative, 1-2 positive)


def words_of(text: str) -> tuple[list[str], list[str]]:
    """The praise and complaint words of a text; a negated word counts on the other side ("not clean" is a complaint)."""
    low = " ".join(text.lower().replace("\u2019", "'").split())  # a typographic apostrophe reads as a plain one
    good: list[str] = []
    bad: list[str] = []
    for pattern, same, other in ((POSITIVE, good, bad), (NEGATIVE, bad, good)):
        for match in pattern.finditer(low):
            word = match.group(0)
            if NEGATION.search(low[:match.start()]):
                other.append(f"not {word}")
            else:
                same.append(word)
    return good, bad


def classify(text: str) -> tuple[Sentiment, list[str], list[str]]:
    """A review's mood by its words: more praise than complaint is positive, and the other way round; a tie is neutral."""
    good, bad = words_of(text)
    mood: Sentiment = "positive" if len(good) > len(bad) else "negative" if len(bad) > len(good) else "neutral"
    return mood, good, bad


def _from_event(ctx: StepContext) -> list[ReviewIn]:
    event = ctx.values.get("event")
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return []
    try:
        if isinstance(data.get("reviews"), list):
            return [ReviewIn.model_validate(r) for r in data["reviews"]]
        text = data.get("text") or data.get("review")
        return [ReviewIn(text=str(text), rating=data.get("rating"), author=data.get("author"))] if text else []
    except ValueError as exc:
        raise StepError(f"the event's reviews do not fit: {exc}") from None


class ReviewSentiment(Step):
    """Read the mood of reviews by their words: counts, a net score, and the complaints that keep coming up."""

    name = "review_sentiment"
    Params = ReviewSentimentParams
    Output = ReviewSentimentOutput
    example: ClassVar[dict[str, Any]] = {"reviews": [
        {"text": "Friendly staff, great prices", "rating": 5, "author": "Sam"},
        {"text": "The wait was long and the staff was not helpful", "rating": 2},
        {"text": "Picked up my order", "rating": 4},
    ]}

    async def run(self, params: ReviewSentimentParams, ctx: StepContext) -> ReviewSentimentOutput:
        reviews = params.reviews if params.reviews is not None else _from_event(ctx)
        moods = []
        for review in reviews:
            mood, good, bad = classify(review.text)
            moods.append(ReviewMood(author=review.author, rating=review.rating, sentiment=mood, positive_words=good,
                                    negative_words=bad))
        counts = Counter(m.sentiment for m in moods)
        complaints = Counter(w for m in moods for w in set(m.negative_words))
        disagree = sum(1 for m in moods if m.rating is not None and ((m.rating >= 4 and m.sentiment == "negative")
                                                                     or (m.rating <= 2 and m.sentiment == "positive")))
        net = round((counts["positive"] - counts["negative"]) / len(moods) * 100, 1) if moods else None
        if not moods:
            summary = "No reviews to read."
        else:
            summary = (f"{len(moods)} review{'s' if len(moods) != 1 else ''}: {counts['positive']} positive, "
                       f"{counts['negative']} negative, {counts['neutral']} neutral (net {net:+g}).")
            if complaints:
                summary += " Complaints: " + ", ".join(f"{w} ({n})" for w, n in complaints.most_common(8)) + "."
        return ReviewSentimentOutput(reviews=moods, positive=counts["positive"], negative=counts["negative"],
                                     neutral=counts["neutral"], net_score=net, complaints=dict(complaints.most_common()),
                                     rating_disagrees=disagree, summary=summary)
