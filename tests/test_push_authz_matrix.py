"""Every mutation type (and hazard action) x every kind of caller x every kind of object, pushed
for real, against the rule table (docs/sync.md, "Who may push what").

The mutation types come from the registry: a type without a rule-table entry (`who=`) or
without cells here fails `test_every_mutation_type_has_a_rule_and_cells`. The oracle is the
rule table itself (each Permission's `decide`), fed with relations this test works out on its
own from the town it built: who recorded or is listed on the object, its group, its site, the
groups that patrol it, the caller's roles, groups, home school and account.

The town: group A (leader_a, member_a1..a4) patrols school a (and kindergarten a2), group B
(leader_b, member_b1..) school b, and group C, built here (leader_c, member_c1), patrols
school a too and its own school c. gate_a keeps school a's gate, gate_b school b's.

The town dimension: a second town of the county (build_second_town) with its own school x,
group X (x.leader, x.member1, x.member2), admin and supervisor; every caller also acts on an
object there ("other_town"), and that town's admin and a county supervisor (whose account
lives in the second town) are callers too. Names of the second town are prefixed "x.": the
same usernames exist in both towns, so its phones log in as name@xishan.
"""

import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

import app.record_types  # noqa: F401  (fills the registry)
from app.records.authz import Permission, Relation, permission
from app.records.errors import Rule
from app.records.registry import MUTATION_TYPES
from app.sync.models import Mutation
from app.towns.models import Department
from tests.factories import (
    add_county_supervisor,
    add_group,
    add_site,
    add_user,
    build_second_town,
)
from tests.hardening_world import bearer, login_tokens, png_bytes, sha
from tests.sync_helpers import SHANGHAI, in_days, mut, push

# caller kind -> the account it pushes as
CALLERS = {
    "member_on": "member_a3",  # member of the group, on the shift
    "member_off": "member_a2",  # member of the group, not on the shift
    "member_other": "member_b2",  # member of another group (another school)
    "leader": "leader_a",  # leader of the group, not on the shift
    "leader_on": "leader_a",  # leader of the group, on the shift (listed, or she recorded it)
    "leader_other": "leader_c",  # leader of another group that also patrols school a
    "gate": "gate_a",  # gate staff of school a
    "gate_other": "gate_b",  # gate staff of another school
    "staff": "staff_a",  # school staff (宿管) of school a
    "staff_other": "staff_b",  # school staff of another school
    "cadre": "cadre_1",  # 村干部 of village v1 of the first town
    "supervisor": "supervisor",
    "admin": "admin",
    "disabled": "member_a4",  # a member of group A, disabled after her phone logged in
    "admin_other_town": "x.admin",  # the second town's admin
    "county_supervisor": "county",  # 县督查: reaches both towns
    "police": "police_a",  # an officer of the police station (派出所), in the first town
    "traffic": "traffic_a",  # an officer of the traffic police (交警中队)
}
OBJECTS = ("own", "same_group", "other_group", "other_school", "other_town")
# the accounts that set up objects, besides the callers
ACTORS = ("member_a1", "member_b1", "member_c1", "x.member1", "x.supervisor")
PATROLS = {"a": {"A", "C"}, "a2": {"A"}, "b": {"B"}, "c": {"C"}, "x": {"X"}}  # site -> groups
GROUP_PEOPLE = {
    "A": {"leader_a", "member_a1", "member_a2", "member_a3", "member_a4"},
    "B": {"leader_b", "member_b1", "member_b2", "member_b3", "member_b4"},
    "C": {"leader_c", "member_c1"},
    "X": {"x.leader", "x.member1", "x.member2"},
}
SECOND = {  # the second town's accounts: key -> (username there)
    "x.admin": "admin",
    "x.supervisor": "supervisor",
    "x.leader": "leader_a",
    "x.member1": "member_a1",
    "x.member2": "member_a2",
}
COUNTY_WIDE = {"county"}


def town_of(name: str) -> str:
    """ "x" for the second town's people and site, "1" for the first town's."""
    return "x" if name.startswith("x") or name in COUNTY_WIDE else "1"


def login_name(user: str) -> str:
    return f"{SECOND[user]}@xishan" if user in SECOND else user


LEADS = {"leader_a": "A", "leader_b": "B", "leader_c": "C"}
HOME = {"gate_a": "a", "gate_b": "b"}
STAFF_HOME = {"staff_a": "a", "staff_b": "b"}  # role school_staff, home_site_id
VILLAGE_HOME = {"cadre_1": "v1"}  # role village, village_id
VILLAGE_TOWN = {"v1": "1", "v2": "1", "vx": "x"}  # v1, v2 of the first town, vx of the second
FIELD = {"member", "leader"}
DISABLED = {"member_a4"}
DEPARTMENT = {"police_a": "police_station", "traffic_a": "traffic_police"}  # role department


def roles_of(user: str) -> set[str]:
    if user in LEADS or user == "x.leader":
        return {"leader", "member"}
    if user in HOME:
        return {"gate"}
    if user in STAFF_HOME:
        return {"school_staff"}
    if user in VILLAGE_HOME:
        return {"village"}
    if user in DEPARTMENT:
        return {"department"}
    if user in ("supervisor", "admin", "x.supervisor", "x.admin"):
        return {user.removeprefix("x.")}
    if user in COUNTY_WIDE:
        return {"supervisor"}
    return {"member"}


def groups_of(user: str) -> set[str]:
    return {g for g, people in GROUP_PEOPLE.items() if user in people}


def sees(user: str, site: str) -> bool:
    if user in COUNTY_WIDE:
        return True
    if town_of(user) != town_of(site):  # nothing of another town, whatever the role
        return False
    if roles_of(user) & {"supervisor", "admin"}:
        return True
    home = HOME.get(user) or STAFF_HOME.get(user)
    return home == site or bool(groups_of(user) & PATROLS[site])


def own_site(user: str) -> str:
    """Where the caller works: her gate, else her group's school."""
    if user in HOME:
        return HOME[user]
    if user in STAFF_HOME:
        return STAFF_HOME[user]
    if town_of(user) == "x" and user not in COUNTY_WIDE:
        return "x"
    return {"B": "b", "C": "c"}.get(min(groups_of(user) or {"A"}), "a")


def site_relations(user: str, site: str) -> set[Relation]:
    roles, found = roles_of(user), set()
    if not sees(user, site):  # a supervisor's or admin's role counts in their towns only
        roles -= {"supervisor", "admin"}
    if "supervisor" in roles:
        found.add(Relation.supervisor)
    if "admin" in roles:
        found.add(Relation.admin)
    if roles & FIELD and groups_of(user) & PATROLS[site]:
        found.add(Relation.site_patrol)
    if LEADS.get(user) in PATROLS[site]:
        found.add(Relation.site_leader)
    if HOME.get(user) == site:
        found.add(Relation.site_gate)
    if STAFF_HOME.get(user) == site:
        found.add(Relation.site_staff)
    return found


@dataclass
class Subject:
    """The object of one cell, as this test built it."""

    site: str
    group: str | None = None  # a shift's group
    recorder: str | None = None
    listed: set[str] = field(default_factory=set)
    rectifier: str | None = None
    named_group: str | None = None  # shift.start: the group_id the phone names
    village: str | None = None  # village.form: the village it is of


@dataclass
class Cell:
    type: str
    action: str | None
    caller: str
    obj: str
    subject: Subject
    setup: list[tuple[str, dict]] = field(default_factory=list)  # (actor, mutation), in order
    mutation: dict | None = None


class Town:
    """Ids of the town, filled by the fixture."""

    users: dict
    sites: dict
    groups: dict
    checkpoints: dict
    windows: dict
    fix_photo: str  # a photo on the server, for the fixes
    boarding: dict  # site -> (dormitory id, pupil ids to hand out)
    villages: dict  # v1, v2, vx -> village id
    defences: dict  # site -> a camera's id (technical defences)


def expected(cell: Cell) -> Rule | None:
    """The rule table's answer for one cell: None is applied."""
    user, s = CALLERS[cell.caller], cell.subject
    who = permission(MUTATION_TYPES[cell.type].who, cell.action)
    roles, active = roles_of(user), user not in DISABLED
    if cell.type == "village.form":  # of a village, no site: its cadre, or an admin of its town
        village, found = s.village or "", set()
        if VILLAGE_HOME.get(user) == village:
            found.add(Relation.village_cadre)
        if "admin" in roles and town_of(user) == VILLAGE_TOWN[village]:
            found.add(Relation.admin)
        return who.decide(roles=roles, active=active, relations=found)
    creates_at_site = cell.type in (
        "shift.start",
        "gate.check",
        "visitor.enter",
        "hazard.report",
        "boarding.roll_call",  # at the dorm's site, which the handler reads first
        "boarding.leave_out",
        "drill.record",  # at the site named, which the handler reads first
        "defence.check",  # at the device's site
        "police.presence",
        "duty.check_in",
    )
    if not creates_at_site and not sees(user, s.site):  # a record at a site she does not see
        return Rule.not_your_site
    relations = site_relations(user, s.site)
    if cell.type in ("shift.end", "shift.scan", "shift.review"):  # the shift's own people
        relations &= {Relation.supervisor, Relation.admin}
        if s.recorder == user:
            relations.add(Relation.recorder)
        if user in s.listed:
            relations.add(Relation.listed)
            if user in GROUP_PEOPLE[s.group] and user not in DISABLED:
                relations.add(Relation.on_shift)
        if LEADS.get(user) == s.group and active:
            relations.add(Relation.group_leader)
    if cell.action == "close" and s.rectifier == user:
        relations.add(Relation.rectifier)
    # every site has a police-station post; an officer of it, of the site's town, stands to it
    officer = DEPARTMENT.get(user) == "police_station" and town_of(s.site) == "1"
    if cell.type == "police.presence" and officer:
        relations.add(Relation.post_officer)
    # each day of each site is planned for its DUTY_CADRE
    if cell.type == "duty.check_in" and DUTY_CADRE[s.site] == user:
        relations.add(Relation.duty_cadre)
    rule = who.decide(roles=roles, active=active, relations=relations)
    if rule is None and cell.type == "shift.start":
        mine = groups_of(user) & PATROLS[s.site]
        if s.named_group is not None and s.named_group not in mine:
            return Rule.not_your_group
    return rule


# --- building the cells ------------------------------------------------------------------


def _site_id(town: Town, site: str) -> int:
    return town.sites[site].id


def _start(town: Town, site: str, listed: set[str], group: str | None = None) -> dict:
    payload = {"site_id": _site_id(town, site), "member_ids": [town.users[u].id for u in listed]}
    if group is not None:
        payload["group_id"] = town.groups[group].id
    return mut("shift.start", payload, at=datetime.now(SHANGHAI) - timedelta(hours=2))


def _shift_subject(caller: str, obj: str) -> Subject:
    user = CALLERS[caller]
    if obj == "own":
        if user in (
            "gate_a",
            "gate_b",
            "staff_a",
            "staff_b",
            "cadre_1",
            "supervisor",
            "admin",
            *DEPARTMENT,
        ):
            # listed on a member's shift
            return Subject("a", "A", "member_a1", {"member_a1", user})
        if user == "x.admin":  # on a shift of his town's member
            return Subject("x", "X", "x.member1", {"x.member1", user})
        if user in COUNTY_WIDE:  # a shift she may read, as a town's supervisor would
            return Subject("a", "A", "member_a1", {"member_a1"})
        site = own_site(user)
        group = {"a": "A", "b": "B", "c": "C", "x": "X"}[site]
        return Subject(site, group, user, {user})
    if obj == "same_group":
        listed = {"member_a1", "member_a3"} | ({user} if caller.endswith("_on") else set())
        return Subject("a", "A", "member_a1", listed)
    if obj == "other_group":
        return Subject("a", "C", "member_c1", {"member_c1"})
    if obj == "other_town":
        return Subject("x", "X", "x.member1", {"x.member1"})
    return Subject("b", "B", "member_b1", {"member_b1"})


def _shift_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    s = _shift_subject(caller, obj)
    cell = Cell(type_, None, caller, obj, s)
    start = _start(town, s.site, s.listed - {s.recorder}, s.group)
    cell.setup.append((s.recorder, start))
    if type_ == "shift.review":
        cell.setup.append((s.recorder, mut("shift.end", {"shift_id": start["id"]})))
        payload = {"shift_id": start["id"], "decision": "confirm"}
    elif type_ == "shift.scan":
        code = town.checkpoints[s.site][0].code
        payload = {"shift_id": start["id"], "checkpoint_code": code}
    else:
        payload = {"shift_id": start["id"]}
    cell.mutation = mut(type_, payload)
    return cell


def _start_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    user = CALLERS[caller]
    site, named = {
        "own": (own_site(user), None),
        "same_group": ("a", "A"),
        "other_group": ("a", "C"),  # C patrols school a too: "changing group_id on the way"
        "other_school": ("b", None),
        "other_town": ("x", None),
    }[obj]
    cell = Cell(type_, None, caller, obj, Subject(site, named_group=named))
    cell.mutation = _start(town, site, set(), named)
    return cell


def _site_for(user: str, obj: str) -> str:
    return {
        "own": own_site(user),
        "same_group": "a",
        "other_group": "c",
        "other_school": "b",
        "other_town": "x",
    }[obj]


def _site_payload(town: Town, type_: str, site: str) -> dict:
    site_id = _site_id(town, site)
    if type_ == "gate.check":
        return {
            "site_id": site_id,
            "window_id": town.windows[site][0].id,
            "local_date": datetime.now(SHANGHAI).date().isoformat(),
            "direction": "in",
        }
    if type_ == "visitor.enter":
        return {"site_id": site_id, "name": "刘师傅", "visiting": "食堂", "host_approved": True}
    return {"site_id": site_id, "category": "fire", "description": "电线老化"}


def _site_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    site = _site_for(CALLERS[caller], obj)
    cell = Cell(type_, None, caller, obj, Subject(site))
    cell.mutation = mut(type_, _site_payload(town, type_, site))
    return cell


DEFAULT_ACTOR = {"a": "member_a1", "b": "member_b1", "c": "member_c1", "x": "x.member1"}
SUPERVISOR_OF = {"1": "supervisor", "x": "x.supervisor"}  # who assigns a town's hazards


def _visitor_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    user = CALLERS[caller]
    site = _site_for(user, obj)
    actor = DEFAULT_ACTOR[site] if obj != "own" else user
    if roles_of(actor) & {"supervisor", "admin", "school_staff", "village", "department"}:
        actor = "gate_a" if site == "a" else DEFAULT_ACTOR[site]
    cell = Cell(type_, None, caller, obj, Subject(site, recorder=actor))
    entry = _site_payload(town, "visitor.enter", site)
    if type_ == "visitor.decide":  # a visitor waiting at the gate for the host's answer
        entry = {**entry, "approval": "asked"}
        payload = {"decision": "approved", "approved_by_name": "食堂 李师傅"}
    else:
        payload = {}
    enter = mut("visitor.enter", entry)
    cell.setup.append((actor, enter))
    cell.mutation = mut(type_, {"visitor_id": enter["id"], **payload})
    return cell


def _hazard_cell(town: Town, type_: str, action: str, caller: str, obj: str) -> Cell:
    user = CALLERS[caller]
    site = _site_for(user, obj)
    reporter = rectifier = DEFAULT_ACTOR[site]
    # school staff, village cadres and the departments' officers neither report nor fix
    if obj == "own" and user not in {**STAFF_HOME, **VILLAGE_HOME, **DEPARTMENT}:
        reporter = {"admin": "member_a1", "x.admin": "x.member1"}.get(user, user)
        rectifier = user  # the caller reported the fix of her own hazard
    cell = Cell(type_, action, caller, obj, Subject(site, recorder=reporter))
    report = mut("hazard.report", _site_payload(town, "hazard.report", site))
    cell.setup.append((reporter, report))
    hazard_id = report["id"]
    assign = {
        "hazard_id": hazard_id,
        "action": "assign",
        "department": "education_office",
        "due_date": in_days(14),
    }
    if action != "assign":
        cell.setup.append((SUPERVISOR_OF[town_of(site)], mut("hazard.transition", assign)))
    if action in ("close", "reopen"):
        # the fix photo is on the server: 验收 waits for it (app.hazards.rules)
        fix = {"hazard_id": hazard_id, "action": "rectify", "photos": [town.fix_photo]}
        cell.setup.append((rectifier, mut("hazard.transition", fix)))
        cell.subject.rectifier = rectifier
    payload = {"hazard_id": hazard_id, "action": action}
    if action == "assign":
        payload = assign
    elif action == "rectify":
        payload |= {"photos": ["cd" * 32]}
    cell.mutation = mut(type_, payload)
    return cell


# Who keeps each site's boarding records in the setup: its staff, else the town's admin.
BOARDING_KEEPER = {"a": "staff_a", "b": "staff_b", "c": "admin", "x": "x.admin"}
_nights = iter(range(100_000))


def _boarding_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    """Each cell its own pupil (a leave is one at a time) and night (one roll call a night)."""
    site = _site_for(CALLERS[caller], obj)
    dorm, pupils = town.boarding[site]
    pupil = pupils.pop()
    cell = Cell(type_, None, caller, obj, Subject(site))
    if type_ == "boarding.roll_call":
        night = (datetime(2026, 1, 1) + timedelta(days=next(_nights))).date().isoformat()
        payload = {"dormitory_id": dorm, "night": night, "absent": []}
    else:
        back = (datetime.now(SHANGHAI) + timedelta(hours=30)).isoformat()
        leave = {"pupil_id": pupil, "approved_by_name": "班主任 王老师", "expected_back_at": back}
        if type_ == "boarding.leave_out":
            payload = leave
        else:
            out = mut("boarding.leave_out", leave)
            cell.setup.append((BOARDING_KEEPER[site], out))
            payload = {"leave_id": out["id"]}
    cell.mutation = mut(type_, payload)
    return cell


_months = iter(range(100_000))


def _village_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    """Each cell its own month (a form per village and month; a later one would replace it)."""
    user = CALLERS[caller]
    village = {
        "own": VILLAGE_HOME.get(user, "vx" if town_of(user) == "x" else "v1"),
        "same_group": "v1",
        "other_group": "v2",
        "other_school": "v2",
        "other_town": "vx",
    }[obj]
    n = next(_months)
    month = f"{2000 + n // 12:04d}-{n % 12 + 1:02d}"
    payload = {"village_id": town.villages[village], "month": month, "petitions": 1}
    cell = Cell(type_, None, caller, obj, Subject("a", village=village))
    cell.mutation = mut(type_, payload)
    return cell


def _drill_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    site = _site_for(CALLERS[caller], obj)
    cell = Cell(type_, None, caller, obj, Subject(site))
    payload = {
        "site_id": _site_id(town, site),
        "kind": "drill",
        "held_on": datetime.now(SHANGHAI).date().isoformat(),
        "topic": "消防疏散演练",
        "participants": 300,
    }
    cell.mutation = mut(type_, payload)
    return cell


def _defence_check(town: Town, site: str, result: str = "ok") -> dict:
    payload = {"defence_device_id": town.defences[site], "result": result}
    return mut("defence.check", {**payload, "description": "画面黑屏" if result == "fault" else ""})


def _defence_check_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    site = _site_for(CALLERS[caller], obj)
    cell = Cell(type_, None, caller, obj, Subject(site))
    cell.mutation = _defence_check(town, site)
    return cell


def _fault_cell(town: Town, type_: str, action: str, caller: str, obj: str) -> Cell:
    """A fault of the site's camera, found by its keeper; fixed by her before 验收 or reopen."""
    from app.defences.rules import fault_id_of

    site = _site_for(CALLERS[caller], obj)
    cell = Cell(type_, action, caller, obj, Subject(site))
    found = _defence_check(town, site, "fault")
    fault = fault_id_of(found["id"])
    cell.setup.append((BOARDING_KEEPER[site], found))
    if action != "fix":
        fix = {"fault_id": fault, "action": "fix", "comment": "更换电源"}
        cell.setup.append((BOARDING_KEEPER[site], mut(type_, fix)))
    cell.mutation = mut(type_, {"fault_id": fault, "action": action, "comment": "复查"})
    return cell


# police at the gate and leadership duty: every site has a police-station post, and every
# day of the cells is planned at every site for its cadre (the school's staff, else an admin)
DUTY_CADRE = {"a": "staff_a", "a2": "admin", "b": "staff_b", "c": "admin", "x": "x.admin"}
DUTY_DAYS = 120
_duty_days = itertools.count()  # taken modulo DUTY_DAYS: each run's 85 cells, distinct days


def _police_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    site = _site_for(CALLERS[caller], obj)
    cell = Cell(type_, None, caller, obj, Subject(site))
    payload = {
        "site_id": _site_id(town, site),
        "department": "police_station",
        "window_id": town.windows[site][0].id,
        "local_date": datetime.now(SHANGHAI).date().isoformat(),
        "officers": 1,
        "officer_names": ["民警 刘洋"],
    }
    cell.mutation = mut(type_, payload)
    return cell


def _duty_cell(town: Town, type_: str, caller: str, obj: str) -> Cell:
    """Each cell its own day (one duty record a school and day)."""
    site = _site_for(CALLERS[caller], obj)
    cell = Cell(type_, None, caller, obj, Subject(site))
    day = (datetime(2026, 1, 1) + timedelta(days=next(_duty_days) % DUTY_DAYS)).date().isoformat()
    cell.mutation = mut(type_, {"site_id": _site_id(town, site), "day": day})
    return cell


Builder = Callable[[Town, str, str, str], Cell]
BUILDERS: dict[str, Builder] = {
    "shift.start": _start_cell,
    "shift.end": _shift_cell,
    "shift.scan": _shift_cell,
    "shift.review": _shift_cell,
    "gate.check": _site_cell,
    "visitor.enter": _site_cell,
    "visitor.leave": _visitor_cell,
    "visitor.decide": _visitor_cell,
    "hazard.report": _site_cell,
    "hazard.transition": None,  # per action, below
    "boarding.roll_call": _boarding_cell,
    "boarding.leave_out": _boarding_cell,
    "boarding.leave_back": _boarding_cell,
    "village.form": _village_cell,
    "drill.record": _drill_cell,
    "defence.check": _defence_check_cell,
    "defence.fault_transition": None,  # per action, below
    "police.presence": _police_cell,
    "duty.check_in": _duty_cell,
}
ACTION_BUILDERS = {"hazard.transition": _hazard_cell, "defence.fault_transition": _fault_cell}


def rows() -> list[tuple[str, str | None]]:
    """(type, action) of every rule-table entry, from the registry."""
    found = []
    for name, kind in sorted(MUTATION_TYPES.items()):
        if isinstance(kind.who, Permission) or kind.who is None:
            found.append((name, None))
        else:
            found += [(name, str(action)) for action in kind.who]
    return found


def build_cells(town: Town) -> list[Cell]:
    cells = []
    for type_, action in rows():
        for caller in CALLERS:
            for obj in OBJECTS:
                if action is not None:
                    cells.append(ACTION_BUILDERS[type_](town, type_, action, caller, obj))
                else:
                    cells.append(BUILDERS[type_](town, type_, caller, obj))
    return cells


def test_every_mutation_type_has_a_rule_and_cells():
    without_rule = sorted(n for n, kind in MUTATION_TYPES.items() if kind.who is None)
    assert not without_rule, f"mutation types nobody decided who may send: {without_rule}"
    without_cells = sorted(set(MUTATION_TYPES) - BUILDERS.keys())
    assert not without_cells, f"mutation types the push matrix does not build: {without_cells}"


# --- the town and the phones -------------------------------------------------------------


@pytest.fixture
def matrix_town(client, session, town):
    add_site(session, town, "c", "新华小学")
    for key in ("a", "b"):
        add_user(
            session,
            town,
            f"staff_{key}",
            f"宿管{key}",
            ["school_staff"],
            home_site_id=town.sites[key].id,
        )
    villages = {}
    for key in ("v1", "v2"):
        villages[key] = _village(session, town.sites["a"].town_id, key)
    add_user(session, town, "cadre_1", "村干部 王强", ["village"], village_id=villages["v1"])
    for name, department in DEPARTMENT.items():
        add_user(
            session, town, name, f"民警{name}", ["department"], department=Department(department)
        )
    leader_c = add_user(session, town, "leader_c", "组长 孙丽", ["leader", "member"])
    member_c1 = add_user(session, town, "member_c1", "队员C1", ["member"])
    add_group(
        session,
        town,
        "c",
        "新华片区巡逻组",
        leader_c,
        [leader_c, member_c1],
        [town.sites["a"], town.sites["c"]],
    )
    session.commit()
    phones = {}
    for name in {*CALLERS.values(), *ACTORS} - {"county"} - SECOND.keys():
        tokens = login_tokens(client, login_name(name), f"phone-{name}")
        phones[name] = bearer(tokens["access_token"])
    second = build_second_town(session)  # after the bare-name logins: it reuses the names
    add_county_supervisor(session, second, "county")
    ids = Town()
    ids.users = town.users | {key: second.users[name] for key, name in SECOND.items()}
    ids.users["county"] = second.users["county"]
    ids.sites = town.sites | {"x": second.sites["a"]}
    ids.checkpoints = town.checkpoints | {"x": second.checkpoints["a"]}
    ids.windows = town.windows | {"x": second.windows["a"]}
    ids.groups = {"A": town.groups["a"], "B": town.groups["b"], "C": town.groups["c"]}
    ids.groups["X"] = second.groups["a"]
    for name in [*SECOND, "county"]:
        tokens = login_tokens(client, login_name(name), f"phone-{name}")
        phones[name] = bearer(tokens["access_token"])
    ids.boarding = {key: _dorm_with_pupils(session, site.id) for key, site in ids.sites.items()}
    ids.villages = villages | {"vx": _village(session, second.sites["a"].town_id, "vx")}
    ids.defences = {key: _camera(session, site.id) for key, site in ids.sites.items()}
    _posts_and_plans(session, ids)
    session.commit()
    photo = png_bytes(colour=7)
    res = client.put(f"/api/photos/{sha(photo)}", content=photo, headers=phones["member_a1"])
    assert res.status_code in (200, 201), res.text
    ids.fix_photo = sha(photo)
    res = client.patch(
        f"/api/users/{town.users['member_a4'].id}",
        json={"active": False},
        headers=phones["admin"],
    )
    assert res.status_code == 200, res.text
    return ids, phones


def _village(session, town_id: int, code: str) -> int:
    from app.towns.models import Village

    village = Village(town_id=town_id, code=code, name=f"{code}村")
    session.add(village)
    session.flush()
    return village.id


def _posts_and_plans(session, ids: Town) -> None:
    from app.duty.models import DutyPlanDay
    from app.police.models import PolicePost

    for key, site in ids.sites.items():
        session.add(PolicePost(town_id=site.town_id, site_id=site.id, department="police_station"))
        cadre = ids.users[DUTY_CADRE[key]]
        session.add_all(
            DutyPlanDay(
                town_id=site.town_id,
                site_id=site.id,
                day=(datetime(2026, 1, 1) + timedelta(days=i)).date(),
                cadre_id=cadre.id,
                planned_by=cadre.id,
            )
            for i in range(DUTY_DAYS)
        )
    session.flush()


def _dorm_with_pupils(session, site_id: int) -> tuple[int, list[int]]:
    from app.boarding.models import BoardingPupil, Dormitory

    dorm = Dormitory(site_id=site_id, name="男生宿舍1")
    session.add(dorm)
    session.flush()
    pupils = [
        BoardingPupil(site_id=site_id, dormitory_id=dorm.id, name=f"住宿生{i}") for i in range(150)
    ]
    session.add_all(pupils)
    session.flush()
    return dorm.id, [p.id for p in pupils]


def _camera(session, site_id: int) -> int:
    from app.defences.models import DefenceDevice

    camera = DefenceDevice(site_id=site_id, kind="camera", name="校门口摄像头1")
    session.add(camera)
    session.flush()
    return camera.id


def _push_by_actor(client, phones, steps: list[tuple[str, dict]]) -> dict[str, dict]:
    """Pushes each actor's mutations in one batch (in order); result by mutation id."""
    by_actor = defaultdict(list)
    for actor, m in steps:
        by_actor[actor].append(m)
    results = {}
    for actor, batch in by_actor.items():
        for m, r in zip(batch, push(client, phones[actor], batch), strict=True):
            results[m["id"]] = r
    return results


def test_every_mutation_type_answers_every_caller_on_every_object_as_the_rule_table_says(
    client, session, matrix_town, capsys
):
    town, phones = matrix_town
    cells = build_cells(town)
    # set up in stages: the n-th step of every cell together, each actor's steps in one push
    depth = max(len(c.setup) for c in cells)
    for stage in range(depth):
        steps = [c.setup[stage] for c in cells if len(c.setup) > stage]
        results = _push_by_actor(client, phones, steps)
        refused = [
            (a, m["type"], r) for a, m in steps if (r := results[m["id"]])["status"] != "applied"
        ]
        assert not refused, refused[:5]
    answers = _push_by_actor(client, phones, [(CALLERS[c.caller], c.mutation) for c in cells])
    mismatches = []
    for c in cells:
        got, want = answers[c.mutation["id"]], expected(c)
        label = f"{c.type}{'/' + c.action if c.action else ''} by {c.caller} on {c.obj}"
        if want is None and got["status"] != "applied":
            mismatches.append(f"{label}: {got['status']} {got.get('rule')} {got.get('message')}")
        elif want is not None and (got["status"], got.get("rule")) != ("rejected", want):
            mismatches.append(f"{label}: {got['status']} {got.get('rule')} (want {want})")
        elif want is not None:
            zh, en = got["message_zh"], got["message"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), got
            assert en and not any("\u4e00" <= ch <= "\u9fff" for ch in en), got
    # logged like every other outcome
    session.rollback()
    logged = dict(
        (m.id, (m.status, m.rule))
        for m in session.exec(
            select(Mutation).where(Mutation.id.in_([c.mutation["id"] for c in cells]))
        )
    )
    for c in cells:
        got = answers[c.mutation["id"]]
        assert logged[c.mutation["id"]] == (got["status"], got.get("rule")), c
    entries = len(rows())
    with capsys.disabled():
        print(
            f"\npush authz matrix: {entries} mutation types and hazard actions x "
            f"{len(CALLERS)} callers x {len(OBJECTS)} objects = {len(cells)} cells "
            f"({sum(1 for c in cells if expected(c) is None)} allowed)"
        )
    assert not mismatches, "\n".join(mismatches)
    assert len(cells) == entries * len(CALLERS) * len(OBJECTS)


# --- the holes the matrix closed, and attacks from inside the town, by hand ---------------


def _ok(results) -> None:
    assert [r["status"] for r in results] == ["applied"] * len(results), results


def _refused(result, rule: Rule) -> None:
    assert (result["status"], result["rule"]) == ("rejected", rule), result


def _ended_shift(client, town, login, recorder="member_a1", listed=("member_a2",)) -> str:
    start = _start(town, "a", set(listed))
    _ok(push(client, login(recorder), [start, mut("shift.end", {"shift_id": start["id"]})]))
    return start["id"]


def test_the_three_reported_holes_are_closed(client, session, town, login):
    from app.shifts.models import CheckpointScan, PatrolShift

    # a leader confirms a shift she recorded herself
    own = _ended_shift(client, town, login, recorder="leader_a")
    leader = login("leader_a")
    [r] = push(client, leader, [mut("shift.review", {"shift_id": own, "decision": "confirm"})])
    _refused(r, Rule.own_shift_review)
    assert "组长或督查" in r["message_zh"] and "supervisor must review" in r["message"]
    [r] = push(
        client,
        login("supervisor"),
        [mut("shift.review", {"shift_id": own, "decision": "confirm"})],
    )
    assert r["status"] == "applied"  # a supervisor signs it off instead
    # a gate user, in no patrol group, ends a member's open shift
    start = _start(town, "a", {"member_a2"})
    _ok(push(client, login("member_a1"), [start]))
    gate_end = mut("shift.end", {"shift_id": start["id"]})
    [r] = push(client, login("gate_a"), [gate_end])
    _refused(r, Rule.role_may_not)
    # the supervisor, who only reads, scans into a member's shift
    scan = mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": "A-CP1"})
    [r] = push(client, login("supervisor"), [scan])
    _refused(r, Rule.role_may_not)
    session.rollback()
    assert session.get(PatrolShift, start["id"]).status == "open"
    assert (
        session.exec(select(CheckpointScan).where(CheckpointScan.shift_id == start["id"])).all()
        == []
    )
    logged = {m.id: (m.status, m.rule) for m in session.exec(select(Mutation))}
    assert logged[gate_end["id"]] == ("rejected", "role_may_not")
    assert logged[scan["id"]] == ("rejected", "role_may_not")


def test_a_leader_may_end_a_forgotten_shift_and_it_shows(client, session, town, login):
    from app.shifts.models import PatrolShift

    start = _start(town, "a", {"member_a2"})
    _ok(push(client, login("member_a1"), [start]))
    _ok(push(client, login("leader_a"), [mut("shift.end", {"shift_id": start["id"]})]))
    session.rollback()
    shift = session.get(PatrolShift, start["id"])
    assert shift.status == "ended"
    assert shift.recorded_by == town.users["member_a1"].id
    assert shift.ended_by == town.users["leader_a"].id
    detail = client.get(f"/api/shifts/{start['id']}", headers=login("supervisor")).json()
    assert detail["shift"]["ended_by"] == town.users["leader_a"].id


def test_listed_people_outside_the_group_are_kept_and_not_counted(client, session, town, login):
    from app.groups.models import Roster, RosterShift, RosterShiftMember
    from app.reports.rosters import rosters
    from app.reports.sweep import shift_intervals

    admin = login("admin")
    res = client.patch(
        f"/api/users/{town.users['member_a4'].id}", json={"active": False}, headers=admin
    )
    assert res.status_code == 200, res.text
    outsiders = ["admin", "supervisor", "gate_a", "member_b1", "member_a4"]
    now = datetime.now(SHANGHAI)
    start = _start(town, "a", {"member_a2", *outsiders})
    _ok(push(client, login("member_a1"), [start]))
    ids = {u: town.users[u].id for u in ["member_a1", "member_a2", *outsiders]}
    detail = client.get(f"/api/shifts/{start['id']}", headers=login("supervisor")).json()
    assert detail["shift"]["member_ids"] == sorted(ids.values())
    assert detail["shift"]["uncounted_ids"] == sorted(ids[u] for u in outsiders)
    changes = client.get("/api/sync/pull", headers=login("member_a1")).json()["changes"]
    [shift] = [c["data"] for c in changes if c["id"] == start["id"]]
    assert shift["uncounted_ids"] == sorted(ids[u] for u in outsiders)
    # coverage counts the two of the group
    session.rollback()
    lo, hi = int((now - timedelta(hours=3)).timestamp()), int(now.timestamp())
    intervals = shift_intervals(session, site_ids=[town.sites["a"].id], lo=lo, hi=hi, now=now)
    assert [n for _, _, n in intervals[town.sites["a"].id]] == [2]
    # roster attendance: the disabled member planned on this duty is not present
    group = town.groups["a"]
    roster = Roster(group_id=group.id, period_start=now.date(), period_end=now.date())
    with Session(session.get_bind()) as writer:
        writer.add(roster)
        writer.flush()
        planned = RosterShift(
            roster_id=roster.id,
            site_id=town.sites["a"].id,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )
        writer.add(planned)
        writer.flush()
        writer.add_all(
            RosterShiftMember(roster_shift_id=planned.id, user_id=ids[u])
            for u in ("member_a1", "member_a2", "member_a4")
        )
        writer.commit()
    session.rollback()  # see the writer's commit
    report = rosters(
        session, group_ids=[group.id], date_from=now.date(), date_to=now.date(), now=now
    )
    [check] = report.groups
    assert (check.planned_person_shifts, check.present_person_shifts) == (3, 2)
    assert check.absences[0].absent_ids == [ids["member_a4"]]


def test_a_push_is_its_tokens_user_and_device(client, session, town, login):
    """Logging in with another member's phone id gives a device of one's own: her token goes
    on working, and what the new user pushes is his, from his device, whatever the payload
    says."""
    import jwt

    from app.shifts.models import PatrolShift

    victim = login("member_a1", "phone-of-a1")
    thief = login("member_a2", "phone-of-a1")
    token = thief["Authorization"].split()[1]
    thief_device = jwt.decode(token, options={"verify_signature": False})["dev"]
    assert thief_device != "phone-of-a1"
    start = mut(
        "shift.start",
        {
            "site_id": town.sites["a"].id,
            "recorded_by": town.users["member_a1"].id,
            "device_id": "another-phone",
        },
    )
    _ok(push(client, thief, [start]))
    res = client.post(
        "/api/sync/push",
        json={"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": []},
        headers=victim,
    )
    assert res.status_code == 200
    session.rollback()
    shift = session.get(PatrolShift, start["id"])
    assert (shift.recorded_by, shift.device_id) == (town.users["member_a2"].id, thief_device)


def test_group_id_cannot_be_changed_on_the_way(client, town, login):
    member = login("member_a1")
    for group in ("b", "a"):  # B does not patrol school a; A is hers
        payload = {"site_id": town.sites["a"].id, "group_id": town.groups[group].id}
        [r] = push(client, member, [mut("shift.start", payload)])
        if group == "b":
            _refused(r, Rule.not_your_group)
        else:
            assert r["status"] == "applied"


def test_reviewing_twice_through_two_phones_the_first_review_wins(client, session, town, login):
    from app.shifts.models import PatrolShift, ShiftReview

    shift_id = _ended_shift(client, town, login)
    phone1, phone2 = login("leader_a", "leader-phone-1"), login("leader_a", "leader-phone-2")
    [r1] = push(
        client, phone1, [mut("shift.review", {"shift_id": shift_id, "decision": "confirm"})]
    )
    returned = {"shift_id": shift_id, "decision": "return", "comment": "补打卡"}
    [r2] = push(client, phone2, [mut("shift.review", returned)])
    assert r1["status"] == "applied"
    assert (r2["status"], r2["rule"]) == ("conflict", "first_review_wins")
    session.rollback()
    assert session.get(PatrolShift, shift_id).status == "confirmed"
    assert len(session.exec(select(ShiftReview).where(ShiftReview.shift_id == shift_id)).all()) == 1


def test_a_disabled_leaders_old_phone_confirms_nothing(client, session, town, login):
    from app.hazards.models import Hazard
    from app.shifts.models import PatrolShift

    shift_id = _ended_shift(client, town, login)
    leader = login("leader_a", "leader-old-phone")
    res = client.patch(
        f"/api/users/{town.users['leader_a'].id}", json={"active": False}, headers=login("admin")
    )
    assert res.status_code == 200, res.text
    report = mut("hazard.report", _site_payload(town, "hazard.report", "a"))
    review = mut("shift.review", {"shift_id": shift_id, "decision": "confirm"})
    results = push(client, leader, [report, review])
    assert results[0]["status"] == "applied"  # field records still come in, marked
    _refused(results[1], Rule.account_disabled)
    session.rollback()
    assert session.get(PatrolShift, shift_id).status == "ended"
    assert session.get(Hazard, report["id"]).author_disabled is True
