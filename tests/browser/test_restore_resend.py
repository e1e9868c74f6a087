"""A server restored to an older backup: the phone's next sync is answered cursor_reset, it
re-sends what it keeps as acknowledged, and nothing it recorded is lost or doubled."""

from sqlmodel import select

from app.cli import main as patrol
from app.hazards.models import Hazard

ADD = """async (text) => {
  const outbox = await import('/js/outbox.js');
  const state = window.patrolApp.store.state;
  await outbox.add(state.session.user.id, 'hazard.report',
    {site_id: state.bootstrap.sites[0].id, category: 'fire', description: text});
}"""


def _server_hazards(session) -> list[str]:
    session.rollback()
    return sorted(session.exec(select(Hazard.description)).all())


def test_after_a_restore_the_phone_re_sends_what_the_backup_lacks(phone, session, tmp_path):
    phone.open()
    page = phone.login("member_a1")
    page.evaluate(ADD, "备份前的隐患")
    phone.sync()
    phone.wait_synced()
    patrol(["backup", "--to", str(tmp_path / "bk")])
    page.evaluate(ADD, "备份后的隐患")
    phone.sync()
    phone.wait_synced()
    patrol(["restore", str(tmp_path / "bk"), "--yes"])
    assert _server_hazards(session) == ["备份前的隐患"]

    phone.sync()
    phone.wait_synced()
    assert _server_hazards(session) == ["备份前的隐患", "备份后的隐患"]
    pulled = page.evaluate(
        """async () => (await (await import('/js/records-store.js')).ofEntity('hazard'))
             .map((r) => r.description).sort()"""
    )
    assert pulled == ["备份前的隐患", "备份后的隐患"]
