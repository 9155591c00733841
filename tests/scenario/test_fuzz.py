"""Bad input never escapes as a traceback: whatever the document, loading either
gives a Scenario or raises ScenarioError (hypothesis)."""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from schedsim.errors import ScenarioError
from schedsim.model import simulate
from schedsim.scenario import loads

BAOZI = (Path(__file__).resolve().parents[2] / "scenarios" / "baozi-threads.yaml").read_text()
BASE = json.loads(json.dumps(__import__("yaml").safe_load(BAOZI)))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=8), st.sampled_from(["1ms", "c1", "q-c1", "{n}", "main"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


ALL_PATHS = [p for p in paths(BASE) if p]


def replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(ALL_PATHS), values)
def test_any_replaced_field_loads_or_raises_a_scenario_error(path, value):
    text = json.dumps(replaced(BASE, path, value), ensure_ascii=False)
    try:
        scenario = loads(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.file == "fuzz.yaml" and exc.message
        return
    try:
        simulate(scenario)
    except ScenarioError:
        pass


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_any_text_loads_or_raises_a_scenario_error(text):
    try:
        loads(text, "t.yaml")
    except ScenarioError:
        pass
