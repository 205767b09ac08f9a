"""Every state × action: allowed ones move to the expected state, the rest are refused
with a reason that names the ticket."""

import pytest

from handlers.lifecycle import STATES, Refused, transition

# expected[state][action] = new state, or None for refused
EXPECTED = {
    "open": {"assign": "assigned", "acknowledge": "open", "urge": "open", "resolve": "resolved",
             "reopen": None, "rate": None, "reject": "rejected", "duplicate": "duplicate",
             "close": None, "comment": "open"},
    "assigned": {"assign": "assigned", "acknowledge": "assigned", "urge": "assigned",
                 "resolve": "resolved", "reopen": None, "rate": None, "reject": "rejected",
                 "duplicate": "duplicate", "close": None, "comment": "assigned"},
    "reopened": {"assign": "assigned", "acknowledge": "reopened", "urge": "reopened",
                 "resolve": "resolved", "reopen": None, "rate": None, "reject": "rejected",
                 "duplicate": "duplicate", "close": None, "comment": "reopened"},
    "resolved": {"assign": None, "acknowledge": None, "urge": None, "resolve": None,
                 "reopen": "reopened", "rate": "closed", "reject": None, "duplicate": None,
                 "close": "closed", "comment": "resolved"},
    "closed": {"assign": None, "acknowledge": None, "urge": None, "resolve": None,
               "reopen": "reopened", "rate": "closed", "reject": None, "duplicate": None,
               "close": None, "comment": "closed"},
    "rejected": {"assign": None, "acknowledge": None, "urge": None, "resolve": None,
                 "reopen": "reopened", "rate": None, "reject": None, "duplicate": None,
                 "close": None, "comment": "rejected"},
    "duplicate": {"assign": None, "acknowledge": None, "urge": None, "resolve": None,
                  "reopen": None, "rate": None, "reject": None, "duplicate": None,
                  "close": None, "comment": "duplicate"},
}

CASES = [(s, a, t) for s, row in EXPECTED.items() for a, t in row.items()]


def test_table_covers_every_state():
    assert set(EXPECTED) == set(STATES)


@pytest.mark.parametrize("state,action,target", [c for c in CASES if c[2] is not None])
def test_allowed_transition(state, action, target):
    assert transition(state, action, 12) == target


@pytest.mark.parametrize("state,action", [(s, a) for s, a, t in CASES if t is None])
def test_refused_transition_says_why(state, action):
    with pytest.raises(Refused) as e:
        transition(state, action, 12)
    assert "#12" in e.value.reason
    assert e.value.reason.endswith("。")


def test_urging_a_resolved_ticket_points_to_reopen():
    with pytest.raises(Refused) as e:
        transition("resolved", "urge", 7)
    assert "/重开 7" in e.value.reason
