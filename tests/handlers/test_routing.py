"""Routing: category → owner roles; building scope wins; coordinators as fallback."""

from bot.config import DEFAULT_ROUTES
from handlers.domain import Member, RoleAssignment
from handlers.routing import route_ticket

WANG = Member(1, "w", "物业小王")
ZHOU = Member(2, "z", "周楼长")
QIAN = Member(3, "q", "钱楼长")
CHEN = Member(4, "c", "保安老陈")
GRID = Member(5, "g", "张网格长")
LI = Member(6, "l", "李警官")

ROLES = [
    RoleAssignment(WANG, "property"),
    RoleAssignment(ZHOU, "building_head", frozenset({"5", "6"})),
    RoleAssignment(QIAN, "building_head"),
    RoleAssignment(CHEN, "property_security"),
]


def names(members):
    return [m.name for m in members]


def test_category_goes_to_its_default_role():
    assert names(route_ticket("elevator", "3", ROLES, DEFAULT_ROUTES, [GRID])) == ["物业小王"]


def test_building_scoped_holder_wins_in_its_building():
    owners = route_ticket("sanitation", "5", ROLES, DEFAULT_ROUTES, [GRID])
    assert names(owners) == ["物业小王", "周楼长"]


def test_unscoped_holder_serves_other_buildings():
    owners = route_ticket("sanitation", "9", ROLES, DEFAULT_ROUTES, [GRID])
    assert names(owners) == ["物业小王", "钱楼长"]


def test_no_building_uses_unscoped_holders_only():
    owners = route_ticket("noise_dispute", None, ROLES, DEFAULT_ROUTES, [GRID])
    assert names(owners) == ["钱楼长"]


def test_nobody_holds_the_role_goes_to_coordinators():
    assert names(route_ticket("public_security", None, ROLES, DEFAULT_ROUTES, [GRID])) == ["张网格长"]


def test_group_override_reroutes_a_category():
    routes = {**DEFAULT_ROUTES, "parking_traffic": ["police"]}
    roles = ROLES + [RoleAssignment(LI, "police")]
    assert names(route_ticket("parking_traffic", None, roles, routes, [GRID])) == ["李警官"]


def test_unknown_category_falls_back_to_other():
    roles = ROLES + [RoleAssignment(GRID, "grid_head")]
    assert names(route_ticket(None, None, roles, DEFAULT_ROUTES, [])) == ["张网格长"]


def test_a_member_with_two_roles_is_mentioned_once():
    roles = [RoleAssignment(CHEN, "property_security"), RoleAssignment(CHEN, "grid_head")]
    assert names(route_ticket("fire_safety", None, roles, DEFAULT_ROUTES, [GRID])) == ["保安老陈"]
