"""Supervision reviews: a trainee submits a session, the supervisor comments, rates the relationship
strategies and returns or signs off.

The doors are the web's (``jalin.practice.access.get_review_for_user``: the reviewing supervisor while the
supervision grant lasts, or the trainee who submitted it; ``jalin.cases.access`` for the session); the
writes are the web's (``jalin.practice.services``: ``submit_for_review``, ``add_comment``,
``rate_session``, ``decide_review``), so the rules and audit events are identical. As on the web, what
only the supervisor may do is a 404 for the trainee.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema

from jalin.audit.services import record
from jalin.cases import access as case_access
from jalin.practice import access, services
from jalin.practice.forms import CommentForm, DecisionForm, RatingForm, SubmitReviewForm
from jalin.practice.models import Review, ReviewComment

from ._res_common import (
    MAX_ID,
    StrictSchema,
    created,
    page_of,
    read_scope,
    refuse_unknown_query,
    web_form,
    write_scope,
)

router = Router(tags=["reviews"])

ReviewStatus = Literal["submitted", "returned", "signed_off"]
StrategyCode = Literal["preparation", "attending", "understanding", "responding", "reflection", "openness",
                       "acceptance"]


class CommentOut(Schema):
    id: int
    utterance: int | None = Field(..., description="1-based utterance number; null: on the whole session.")
    text: str
    author_id: int
    created_at: datetime


class RatingOut(Schema):
    strategy: StrategyCode
    score: int = Field(..., ge=1, le=5)
    note: str
    rated_at: datetime


class ReviewOut(Schema):
    id: int
    session_id: int
    case_id: int
    trainee_id: int
    supervisor_id: int
    status: ReviewStatus
    submitted_at: datetime
    decided_at: datetime | None
    minutes: int


class ReviewDetailOut(ReviewOut):
    trainee_note: str
    decision_note: str
    comments: list[CommentOut]
    ratings: list[RatingOut]


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None = None


class ReviewFilters(StrictSchema):
    role: Literal["supervisor", "trainee"] | None = Field(
        None, description="`supervisor`: reviews submitted to me; `trainee`: reviews I submitted; empty: both.")
    status: ReviewStatus | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class SubmitIn(StrictSchema):
    supervisor_id: int = Field(..., ge=1, le=MAX_ID, description="One of the supervisors assigned to you.")
    note: str = Field("", max_length=2000)


class CommentIn(StrictSchema):
    text: str = Field(..., min_length=1, max_length=4000)
    utterance: int | None = Field(None, ge=1, description="1-based utterance number; empty: the whole session.")


class RatingIn(StrictSchema):
    score: int | None = Field(..., ge=1, le=5, description="1–5; null leaves the strategy unrated.")
    note: str = Field("", max_length=1000)


class RatingsIn(StrictSchema):
    ratings: dict[StrategyCode, RatingIn]


class DecisionIn(StrictSchema):
    decision: Literal["returned", "signed_off"]
    minutes: int = Field(..., ge=0, le=600, description="Supervision time spent, in minutes.")
    note: str = Field("", max_length=4000)


def _out(review: Review) -> dict:
    return {"id": review.pk, "session_id": review.session_id, "case_id": review.session.case_id,
            "trainee_id": review.trainee_id, "supervisor_id": review.supervisor_id, "status": review.status,
            "submitted_at": review.submitted_at, "decided_at": review.decided_at, "minutes": review.minutes}


def _detail(review: Review) -> dict:
    return {**_out(review), "trainee_note": review.trainee_note, "decision_note": review.decision_note,
            "comments": [{"id": c.pk, "utterance": c.utterance, "text": c.text, "author_id": c.author_id,
                          "created_at": c.created_at} for c in review.comments.all()],
            "ratings": [{"strategy": r.strategy, "score": r.score, "note": r.note, "rated_at": r.rated_at}
                        for r in review.ratings.order_by("strategy")]}


def _for_supervisor(request, review_id: int) -> Review:
    """What only the reviewing supervisor may do: the trainee gets the same 404 as a stranger (as on the web)."""
    review = access.get_review_for_user(request.user, review_id)
    if review.supervisor_id != request.user.pk:
        raise Http404
    return review


def _viewed(request, review: Review) -> None:
    session = review.session
    record("review.view", actor=request.user, obj=review, case_id=session.case_id,
           counselee_id=session.case.counselee_id, request=request)


@router.get("/reviews", response=ReviewPage, auth=read_scope, summary="List reviews")
def list_reviews(request, filters: Query[ReviewFilters]):
    """Reviews submitted to me (while the supervision grant lasts) and reviews I submitted, newest first."""
    refuse_unknown_query(request, ReviewFilters)
    user = request.user
    if user.is_org_admin:
        qs = Review.objects.none()
    else:
        mine = Review.objects.filter(trainee=user, session__case__counselor=user)
        to_me = access.active_reviews_for_supervisor(user)
        qs = {"supervisor": to_me, "trainee": mine}.get(filters.role or "", None)
        if qs is None:
            qs = Review.objects.filter(pk__in=to_me.values("pk")) | Review.objects.filter(pk__in=mine.values("pk"))
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.select_related("session").order_by()
    items, next_cursor = page_of(qs, order=("-submitted_at", "-id"), cursor=filters.cursor, limit=filters.limit)
    record("review.list", actor=user, request=request, count=len(items))
    return {"items": [_out(r) for r in items], "next_cursor": next_cursor}


@router.get("/reviews/{review_id}", response=ReviewDetailOut, auth=read_scope,
            summary="A review with its comments and ratings")
def get_review(request, review_id: int):
    refuse_unknown_query(request)
    review = access.get_review_for_user(request.user, review_id)
    if review.supervisor_id == request.user.pk:  # the session itself through the cases' door (the grant)
        case_access.get_session_for_user(request.user, review.session_id)
    _viewed(request, review)
    return _detail(review)


@router.post("/sessions/{session_id}/reviews", response={201: ReviewDetailOut}, auth=write_scope,
             summary="Submit a session for review")
def submit_review(request, response: HttpResponse, session_id: int, data: SubmitIn):
    """The handling counselor submits the session to one of their supervisors, who gets read-only access to
    the case for 30 days (as on the web)."""
    session = case_access.get_session_for_user(request.user, session_id, write=True)
    if session.case.counselor_id != request.user.pk:
        raise Http404
    supervisors = get_user_model().objects.filter(
        pk__in=services.supervisors_of(request.user).values("supervisor_id"))
    form = web_form(SubmitReviewForm, {"supervisor": data.supervisor_id, "note": data.note},
                    rename={"supervisor": "supervisor_id"}, supervisors=supervisors)
    review = services.submit_for_review(session, actor=request.user, supervisor=form.cleaned_data["supervisor"],
                                        note=form.cleaned_data["note"], request=request)
    return created(request, response, _detail(review), f"reviews/{review.pk}")


@router.post("/reviews/{review_id}/comments", response={201: CommentOut}, auth=write_scope,
             summary="Comment on the session or one utterance (the reviewing supervisor)")
def add_comment(request, response: HttpResponse, review_id: int, data: CommentIn):
    review = _for_supervisor(request, review_id)
    cleaned = web_form(CommentForm, data.model_dump()).cleaned_data
    comment: ReviewComment = services.add_comment(review, actor=request.user, text=cleaned["text"],
                                                  utterance=cleaned["utterance"], request=request)
    return created(request, response, {"id": comment.pk, "utterance": comment.utterance, "text": comment.text,
                             "author_id": comment.author_id, "created_at": comment.created_at},
                   f"reviews/{review.pk}")


@router.put("/reviews/{review_id}/ratings", response=ReviewDetailOut, auth=write_scope,
            summary="Rate the relationship strategies 1–5 (the reviewing supervisor)")
def rate(request, review_id: int, data: RatingsIn):
    review = _for_supervisor(request, review_id)
    fields, rename = {}, {}
    for strategy, rating in data.ratings.items():
        fields[f"score_{strategy}"], fields[f"note_{strategy}"] = rating.score, rating.note
        rename[f"score_{strategy}"] = f"ratings.{strategy}.score"
        rename[f"note_{strategy}"] = f"ratings.{strategy}.note"
    form = web_form(RatingForm, fields, rename=rename)
    services.rate_session(review, actor=request.user, ratings=form.ratings(), request=request)
    return _detail(review)


@router.post("/reviews/{review_id}/decision", response=ReviewDetailOut, auth=write_scope,
             summary="Return to the trainee or sign off (the reviewing supervisor)")
def decide(request, review_id: int, data: DecisionIn):
    review = _for_supervisor(request, review_id)
    cleaned = web_form(DecisionForm, data.model_dump()).cleaned_data
    services.decide_review(review, actor=request.user, decision=cleaned["decision"], minutes=cleaned["minutes"],
                           note=cleaned["note"], request=request)
    return _detail(review)


__all__ = ["router"]
