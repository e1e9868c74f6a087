"""The supervisor's 通报 in the console: drafted from a past week's roster figures, reviewed
(one line dropped with its reason, a remark), issued under the town's number, printed as the
notice sheet alone, and shown in the year-end assessment, where a veto case recorded against
the group with the notice as evidence vetoes it."""

from sqlmodel import select

from app.audit.models import AuditEvent
from app.notices.models import Notice, VetoCase

WEEK = ("2024-11-25", "2024-12-01")  # past whatever day the test runs: no roster that week


def test_a_supervisor_drafts_issues_and_prints_a_notice_and_the_assessment_shows_it(
    phone, session, town
):
    group_a, group_b = town.groups["a"], town.groups["b"]
    page = phone.open()
    phone.login("supervisor")
    page.goto(f"{phone.base}/#/console-notices")
    page.wait_for_selector("[data-notice-area] option[value=rosters]", state="attached")
    page.select_option("[data-notice-area]", "rosters")
    page.fill("form[data-form=console-notices] [name=from]", WEEK[0])
    page.fill("form[data-form=console-notices] [name=to]", WEEK[1])
    page.click("[data-action=draft-notice]")
    sheet = page.locator("[data-notice-sheet]")
    sheet.locator("[data-kept-lines] li").first.wait_for()
    assert page.text_content("[data-notice-status]") == "草稿"
    assert group_a.name in sheet.text_content() and group_b.name in sheet.text_content()

    # review: drop B's line with a reason, write a remark
    b_line = sheet.locator("[data-kept-lines] li", has_text=group_b.name)
    b_line.locator("[data-action=drop-line]").click()
    b_line.locator("[name=reason]").fill("该组当周已另行报备")
    b_line.locator("[data-action=confirm-drop]").click()
    page.wait_for_selector("[data-notice-line][data-dropped=true]")
    page.fill("[name=remark]", "请东风片区巡逻组于三日内补报值班表。")
    page.click("[data-action=save-remark]")
    page.wait_for_selector("[data-remark]")

    # issue: numbered, the review tools gone
    page.click("[data-action=issue-notice]")
    page.wait_for_selector("[data-notice-status=issued]")
    session.rollback()
    [notice] = session.exec(select(Notice)).all()
    assert notice.number == f"{town.row.name}〔{notice.year}〕1号"
    assert page.text_content("[data-notice-number]") == notice.number
    assert page.locator("[data-action=drop-line]").count() == 0
    assert page.locator("[data-action=issue-notice]").count() == 0

    # print: the page's own print, and in print media only the sheet's kept lines show
    page.evaluate(
        "() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }"
    )
    page.click("[data-action=print-notice]")
    assert page.evaluate("() => window.__printed") == 1
    page.evaluate("() => { document.body.dataset.printOnly = 'notice'; }")
    page.emulate_media(media="print")
    assert page.is_visible("[data-notice-sheet]")
    assert not page.is_visible("[data-console-nav]")
    assert not page.is_visible("[data-action=print-notice]")
    kept = sheet.locator("[data-kept-lines]").inner_text()
    assert group_a.name in kept and group_b.name not in kept
    page.emulate_media(media="screen")
    page.evaluate("() => { delete document.body.dataset.printOnly; }")

    # the assessment of 2024: group A's card lists the notice, unscored
    page.goto(f"{phone.base}/#/console-assessment")
    page.wait_for_selector("body[data-view=console-assessment]")
    form = page.locator("form[data-form=console-assessment]")
    form.locator("[name=from]").fill("2024-01-01")
    form.locator("[name=to]").fill("2024-12-31")
    form.locator("[data-action=load]").click()
    card = page.locator(f"[data-subject='group:{group_a.id}']")
    card.locator("[data-criterion=notices]").wait_for()
    assert notice.number in card.locator("[data-criterion=notices]").text_content()
    assert card.get_attribute("data-veto") == "false"
    assert (
        page.locator(f"[data-subject='group:{group_b.id}'] [data-criterion=notices]").count() == 0
    )

    # a veto case against group A, the notice as its evidence: A is vetoed and comes first
    veto = page.locator("form[data-form=veto-case]")
    veto.locator("[name=subject]").select_option(f"group:{group_a.id}")
    veto.locator("[name=occurred_on]").fill("2024-11-30")
    veto.locator("[name=reason]").fill("经通报后仍未报送值班表")
    veto.locator("[name=evidence_kind]").select_option("notice")
    veto.locator("[name=evidence_ref]").fill(str(notice.id))
    veto.locator("[data-action=record-veto]").click()
    page.wait_for_selector(f"[data-subject='group:{group_a.id}'][data-veto=true]")
    first = page.locator("[data-subject]").first
    assert first.get_attribute("data-subject") == f"group:{group_a.id}"
    assert notice.number in page.text_content("[data-veto-case]")
    session.rollback()
    [case] = session.exec(select(VetoCase)).all()
    assert case.evidence_label == notice.number and case.withdrawn_at is None
    actions = set(session.exec(select(AuditEvent.action)).all())
    assert {"notice.draft", "notice.line_drop", "notice.update", "notice.issue"} <= actions
    assert "veto_case.create" in actions
