"""The year-end assessment (年终考核): one report per patrol group, school, village and
department over a period, gathered from the figures the other reports already give (each
area's `assessment_lines`), never computed a second way.

The score is plain: for each criterion with something due, the share kept; the subject's
score is the mean of those shares, as a percentage. No weights. A one-vote-veto line
(一票否决) marks the subject vetoed whatever its score."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal, get_args

from sqlmodel import Session, SQLModel

from app.access import Scope
from app.reports import boarding, defences, drills, gate, hazards, notices, rosters
from app.reports import duty as duty_report
from app.reports import police as police_report
from app.reports import villages as village_forms
from app.reports.models import AssessmentLine
from app.reports.periods import check_range

Source = Callable[[Session, Scope, date, date, datetime], list[AssessmentLine]]

# Every area that has figures for the assessment; a new one is one more entry here.
SOURCES: list[Source] = [
    rosters.assessment_lines,
    gate.assessment_lines,
    hazards.assessment_lines,
    boarding.assessment_lines,
    notices.assessment_lines,  # notices issued (informational) and veto cases
    village_forms.assessment_lines,  # per village: forms on time (矛盾纠纷排查表)
    drills.assessment_lines,  # lessons and drills held when due
    defences.assessment_lines,  # devices checked on time, faults accepted
    # police at the gate and leadership duty (issue 19)
    police_report.assessment_lines,
    duty_report.assessment_lines,
]

SubjectKind = Literal["group", "school", "village", "department"]
SUBJECT_KINDS: tuple[str, ...] = get_args(SubjectKind)


class SubjectAssessment(SQLModel):
    subject_kind: str
    subject_id: str
    subject_name: str
    score: float | None  # mean share kept over the criteria with something due, in %
    veto: bool  # a one-vote-veto case (一票否决) stands against it
    lines: list[AssessmentLine]


class AssessmentReport(SQLModel):
    date_from: date
    date_to: date
    subjects: list[SubjectAssessment]  # vetoed first, then by score, lowest first


def score_of(lines: list[AssessmentLine]) -> float | None:
    """The mean of kept/due over the criteria that had something due, in percent."""
    shares = [line.kept / line.due for line in lines if line.due > 0 and not line.veto]
    return round(100 * sum(shares) / len(shares), 1) if shares else None


def assessment(
    session: Session,
    *,
    scope: Scope,
    date_from: date,
    date_to: date,
    now: datetime,
    subject_kind: str | None = None,
    sources: list[Source] | None = None,
) -> AssessmentReport:
    check_range(date_from, date_to)
    by_subject: dict[tuple[str, str], list[AssessmentLine]] = {}
    for source in sources if sources is not None else SOURCES:
        for line in source(session, scope, date_from, date_to, now):
            if subject_kind is None or line.subject_kind == subject_kind:
                by_subject.setdefault((line.subject_kind, line.subject_id), []).append(line)
    subjects = [
        SubjectAssessment(
            subject_kind=kind,
            subject_id=subject_id,
            subject_name=lines[0].subject_name,
            score=score_of(lines),
            veto=any(line.veto for line in lines),
            lines=lines,
        )
        for (kind, subject_id), lines in by_subject.items()
    ]
    subjects.sort(
        key=lambda s: (
            not s.veto,
            SUBJECT_KINDS.index(s.subject_kind),
            s.score if s.score is not None else 101,
            s.subject_name,
        )
    )
    return AssessmentReport(date_from=date_from, date_to=date_to, subjects=subjects)
