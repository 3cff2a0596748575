"""schemathesis against ``/api/v1/openapi.json`` on a live server (issue 9, point 9).

Every operation, with generated valid and invalid bodies, is sent once with the network's
real member token and once with an unknown one: no 5xx, every response matches the
documented status codes, content types and schemas, invalid data is refused, and every
201 adds exactly one stored report (nothing else adds one). Bounded: a fixed number of
examples per mode, no shrinking, no database of past failures, well under a minute.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from tests.test_api_strict import stored

EXAMPLES = 40  # per operation, token and generation mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
TALLY: dict[str, int] = {}
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def _operations(url: str):
    api = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    operations = []
    for result in api.get_all_operations():
        assert isinstance(result, Ok), result  # an unreadable operation fails the test
        operations.append(result.ok())
    assert {(op.method.upper(), op.path) for op in operations} == {("POST", "/api/v1/reports")}
    return operations


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("token_kind", ["valid", "unknown"])
def test_api_conforms_to_its_schema_and_201_means_stored(
    mode, token_kind, network, settings, live_server
):
    _, token = network
    secret = token if token_kind == "valid" else "A" * 22
    checks = [*CHECKS, negative_data_rejection] if mode == GenerationMode.NEGATIVE else CHECKS
    calls = [0]
    for operation in _operations(live_server.url):

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded in time
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            live_server.app.state.limits.reset()
            if mode == GenerationMode.POSITIVE and isinstance(case.body, dict):
                # Random dates and place names are almost never accepted; make every other
                # valid case a report the API must store, so that 201s are tested too.
                calls[0] += 1
                if calls[0] % 2:
                    case.body.update(occurred_on=YESTERDAY, place="E8")
                    for name in ("lat", "lng", "note", "place_choice"):
                        case.body.pop(name, None)
            before = stored(settings)
            response = case.call(
                base_url=live_server.url, headers={"Authorization": f"Bearer {secret}"}
            )
            after = stored(settings)
            key = f"{token_kind} token, {mode.value}, {response.status_code}"
            TALLY[key] = TALLY.get(key, 0) + 1
            case.validate_response(response, checks=checks)
            if response.status_code == 201:
                assert after == before + 1 and response.json()["status"] == "stored"
            else:
                assert after == before, (response.status_code, response.text)
            if token_kind == "unknown":
                assert response.status_code in (401, 403, 413, 415), response.status_code

        run()


def test_schemathesis_tally(capsys):
    """Prints what the runs above saw (the figures for the issue's closing note)."""
    if TALLY:
        with capsys.disabled():
            cases = ", ".join(f"{k}: {v}" for k, v in sorted(TALLY.items()))
            print(f"\n[figures] schemathesis {sum(TALLY.values())} cases: {cases}")
