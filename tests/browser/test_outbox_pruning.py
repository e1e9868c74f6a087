"""A phone used for months does not slow down: entries acknowledged more than a week ago are
dropped from the outbox after a sync (the server has them), pending ones never are, and one
recorded long ago but acknowledged just now is kept (a restore of the server re-sends it)."""

from sqlalchemy import func
from sqlmodel import select

from app.hazards.models import Hazard

ADD_TWO = """async () => {
  const outbox = await import('/js/outbox.js');
  const { tx } = await import('/js/db.js');
  const state = window.patrolApp.store.state;
  const site = state.bootstrap.sites[0].id;
  const user = state.session.user.id;
  const old = await outbox.add(user, 'hazard.report',
    {site_id: site, category: 'fire', description: '八天前的隐患'});
  await outbox.add(user, 'hazard.report',
    {site_id: site, category: 'fire', description: '今天的隐患'});
  const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
  await tx('outbox', 'readwrite', (s) => s.outbox.put({...old, occurred_at: eightDaysAgo}));
}"""

LIST_MINE = """async () => {
  const outbox = await import('/js/outbox.js');
  const entries = await outbox.listMine(window.patrolApp.store.state.session.user.id);
  return entries.map((e) => [e.payload.description, e.state]);
}"""


AGE_ACK = """async () => {
  const outbox = await import('/js/outbox.js');
  const { tx } = await import('/js/db.js');
  const entries = await outbox.listMine(window.patrolApp.store.state.session.user.id);
  const old = entries.find((e) => e.payload.description === '八天前的隐患');
  const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
  await tx('outbox', 'readwrite', (s) => s.outbox.put({...old, synced_at: eightDaysAgo}));
}"""


def test_entries_acknowledged_over_a_week_ago_are_pruned_and_recent_ones_kept(phone, session):
    phone.open()
    page = phone.login("member_a1")
    phone.context.set_offline(True)
    page.evaluate(ADD_TWO)
    # offline, both are pending: nothing is pruned whatever its age
    assert sorted(page.evaluate(LIST_MINE)) == [
        ["今天的隐患", "pending"],
        ["八天前的隐患", "pending"],
    ]
    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    # recorded eight days ago but acknowledged just now: kept
    assert sorted(page.evaluate(LIST_MINE)) == [
        ["今天的隐患", "synced"],
        ["八天前的隐患", "synced"],
    ]
    page.evaluate(AGE_ACK)
    phone.sync()
    phone.wait_synced()
    assert page.evaluate(LIST_MINE) == [["今天的隐患", "synced"]]
    session.rollback()
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 2
