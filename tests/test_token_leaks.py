"""The token never leaves the transport: an emulator planting it in every kind of server
message (read and mutation GraphQL errors, REST 4xx, 5xx pages, bodies that are not JSON)
and a search of every surface a user sees: exception text, reprs, pickles, attributes,
DEBUG logs, audit files, plan files and CLI output. Expected occurrences: 0.

The token holds characters that JSON escaping and URL quoting change, so the test also
covers the escaped and quoted forms a server may echo.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pandas as pd
import pytest
from helpers import SdkViaClient, scripted_server, small_inputs

from origin_frames import (
    ApplyError,
    Emulator,
    OriginError,
    OriginFrames,
    ServerError,
    Settings,
    TransportError,
)
from origin_frames._apply import apply_plan, send_update
from origin_frames._cli import main
from origin_frames._plan import compile_transforms
from origin_frames._transport import Transport

TOKEN = 'leak-Tok"en/+&=%\\secret-4711'
FORMS = {TOKEN, json.dumps(TOKEN)[1:-1], quote(TOKEN, safe=""), quote_plus(TOKEN), quote(TOKEN)}


def leaks(*texts: Any) -> list[str]:
    """The token forms found in any of the texts (str, bytes, or anything with a repr)."""
    found = []
    for text in texts:
        if isinstance(text, bytes):
            blob = text.decode("utf-8", "replace")
        elif isinstance(text, str):
            blob = text
        else:
            blob = repr(text)
        found += [form for form in FORMS if form in blob]
    return found


def surfaces(exc: BaseException) -> list[Any]:
    """Everything a caller can see of an exception: text, repr, pickle and attributes."""
    out: list[Any] = [str(exc), repr(exc), pickle.dumps(exc)]
    out += [repr(v) for v in vars(exc).values()]
    result = getattr(exc, "result", None)
    if result is not None:
        out += [repr(result), result.calls.to_json(), pickle.dumps(result)]
    return out


@pytest.fixture
def world(caplog: pytest.LogCaptureFixture) -> Iterator[dict[str, Any]]:
    caplog.set_level(logging.DEBUG)
    with Emulator(echo_token=True, tokens={TOKEN}) as emu, OriginFrames(
        TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False
    ) as client:  # fmt: skip
        yield {"emu": emu, "client": client}
    client_logs = [
        r.getMessage() + repr(r.args) for r in caplog.get_records("call")
        if not r.name.startswith("origin_frames.emulator")  # the server may log its own input
    ]  # fmt: skip
    assert client_logs, "DEBUG logging captured nothing"
    assert leaks(*client_logs) == []


def test_read_errors_never_carry_the_token(world):
    client = world["client"]
    with pytest.raises(OriginError) as info:
        client.get_technology_names("no-such-scenario")
    assert "[echo" in str(info.value)  # the planted message did reach the client
    assert leaks(*surfaces(info.value), repr(client)) == []


def test_rest_4xx_and_5xx_bodies_never_carry_the_token(world):
    emu, client = world["emu"], world["client"]
    seen: list[Any] = []
    for url in (emu.scenario_base_url + "/v1/nothing-here",  # 404
                emu.inputs_base_url + "/v1/graphql"):  # GET on GraphQL: 405 with a body
        with pytest.raises(OriginError) as info:
            client.transport.get(url)
        seen += surfaces(info.value)
    assert any("echo" in s for s in seen if isinstance(s, str))
    with Emulator(echo_token=True, fail_rate=0.99, seed=1) as flaky, OriginFrames(
        TOKEN, flaky.scenario_base_url, flaky.inputs_base_url, max_retries=1,
        backoff_base=0.001,
    ) as failing:  # fmt: skip
        with pytest.raises(TransportError) as info:
            failing.get_aurora_scenarios("gbr")
        seen += surfaces(info.value)
    assert leaks(*seen) == []


@pytest.mark.parametrize(
    "status,body",
    [
        (500, json.dumps({"message": f"boom {TOKEN} {json.dumps(TOKEN)}"}).encode()),
        (200, f"<html>not json {TOKEN} {quote(TOKEN, safe='')}</html>".encode()),
        (400, f"<p>{json.dumps(json.dumps(TOKEN))}</p>".encode()),
    ],
    ids=["500-json", "200-not-json", "400-escaped-twice"],
)
def test_any_status_with_the_token_in_its_body_is_redacted(status, body):
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nX-Echo: {TOKEN}\r\n\r\n"
    with scripted_server([head.encode() + body]) as url:
        settings = Settings.resolve(token=TOKEN, scenario_base_url=url + "/s",
                                    inputs_base_url=url + "/i", max_retries=0)  # fmt: skip
        transport = Transport(settings)
        with pytest.raises(OriginError) as info:
            transport.graphql("inputs", "{ __typename }")
    assert isinstance(info.value, (ServerError, OriginError))
    assert leaks(*surfaces(info.value)) == []


def test_mutation_errors_in_apply_never_carry_the_token(world, tmp_path):
    client = world["client"]
    sid = SdkViaClient(client).new_scenario()
    edit = small_inputs(client, sid)
    edit = edit[edit["domain"] == "commodity"].head(4).copy()
    edit["value"] = edit["value"] + 1
    plan = client.plan(sid, edit)
    saved = plan.to_json(tmp_path / "plan.json")
    client.delete_scenario(sid)  # every mutation of the plan is now refused, echoing the token
    audit = tmp_path / "audit.parquet"
    with pytest.raises(ApplyError) as info:
        apply_plan(client, plan, force=True, progress=False, audit=audit)
    assert "[echo" in str(info.value)
    tx = compile_transforms("commodity", sid, region=["gbr"], technology="gas",
                            variable="price", transform=[{"year": 2030, "transform": {
                                "type": "Delta", "value": 1.0}}])  # fmt: skip
    with pytest.raises(OriginError) as single:
        send_update(client, tx, "commodity")
    audit_text = pd.read_parquet(audit).to_json()
    assert leaks(*surfaces(info.value), *surfaces(single.value), audit_text,
                 saved.read_text(), repr(plan)) == []


def test_cli_output_never_carries_the_token(world, tmp_path, capsys, monkeypatch):
    emu, client = world["emu"], world["client"]
    monkeypatch.setenv("AURORA_ORIGIN_SCENARIO_API_BASE_URL", emu.scenario_base_url)
    monkeypatch.setenv("AURORA_ORIGIN_INPUTS_API_BASE_URL", emu.inputs_base_url)
    monkeypatch.setenv("AURORA_API_KEY", TOKEN)
    changes = tmp_path / "changes.csv"
    changes.write_text("domain,region,technology,variable,year,value\n"
                       "commodity,gbr,gas,price,2030,12.5\n")  # fmt: skip
    outputs = []
    assert main(["plan", "no-such-scenario", str(changes)]) == 1
    outputs.append(capsys.readouterr())
    sid = SdkViaClient(client).new_scenario()
    plan_file = tmp_path / "plan.json"
    assert main(["plan", sid, str(changes), "--out", str(plan_file)]) == 0
    outputs.append(capsys.readouterr())
    client.delete_scenario(sid)
    assert main(["apply", str(plan_file), "--force", "--audit", str(tmp_path / "a.parquet")]) == 1
    outputs.append(capsys.readouterr())
    text = "".join(o.out + o.err for o in outputs)
    assert "echo" in text
    assert leaks(text, plan_file.read_text()) == []
