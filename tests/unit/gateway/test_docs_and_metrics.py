"""/openapi.json, /docs, /metrics, /health and the explorer's page."""

from __future__ import annotations

import json
import re

from jadechain import api as wire
from jadechain import codec
from jadechain.api import Health
from jadechain.gateway.harness import Harness, run
from jadechain.gateway.negotiation import response_format
from jadechain.ledger import model as m
from jadechain.testing import LocalChain

ROUTE_LINE = re.compile(r"^- (GET|POST) +(/\S+)", re.MULTILINE)
SAMPLE = re.compile(r'[a-z_]+\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\} [0-9.e-]+')


def documented_routes() -> set[tuple[str, str]]:
    """(method, template) of every route listed in `jadechain.api`'s docstring."""
    assert wire.__doc__ is not None
    routes = set()
    for method, path in ROUTE_LINE.findall(wire.__doc__):
        template = re.sub(r"\[.*?\]|\?.*$", "", path).replace("{L}", "{ledger}")
        routes.add((method.lower(), wire.API_PREFIX + template))
    return routes


def test_openapi_lists_every_route_of_the_api_with_resolvable_schemas(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        response = await api.client.get("/openapi.json")
        assert response.status_code == 200
        document = json.loads(response.content)
        assert document["openapi"] == "3.1.0"
        built = {
            (method, path)
            for path, operations in document["paths"].items()
            for method in operations
        }
        expected = documented_routes()
        assert len(expected) == 24  # api.py route list, incl. blocks/stream, events/stream, network
        assert expected <= built
        schemas = document["components"]["schemas"]
        for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', response.text):
            assert ref in schemas
        entry = document["paths"]["/api/v1/ledgers/{ledger}/accounts/{address}/entries"]["get"]
        limit = next(p for p in entry["parameters"] if p["name"] == "limit")
        assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
        submit = document["paths"]["/api/v1/ledgers/{ledger}/txs"]["post"]
        body = submit["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/SignedTransaction"}
        assert set(submit["responses"]) >= {"200", "400", "413", "415", "503"}
        assert (await api.client.get("/api/v1/openapi.json")).json() == document

    run(chain, scenario)


def test_docs_page_lists_routes_without_external_assets(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        response = await api.client.get("/docs")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        for _, path in documented_routes():
            assert path in page
        assert "LedgerInfo" in page
        assert "SubmitResult" in page
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
        assert "<script" not in page

    run(chain, scenario)


def test_metrics_count_requests_by_template_and_submissions(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        before = (await api.client.get("/metrics")).text
        assert f'jadechain_ledger_height{{ledger="{api.ledger}"}} 0' in before
        assert f'jadechain_mempool_transactions{{ledger="{api.ledger}"}} 0' in before
        assert f'jadechain_transactions_submitted_total{{ledger="{api.ledger}"}} 0' in before
        await api.submit([m.RegisterDataAccount(chain.key().public)])
        await api.get("/blocks/1")
        await api.get("/blocks/2")
        await api.client.get("/no/such/route/123")
        response = await api.client.get("/api/v1/metrics")
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        after = response.text
        assert f'jadechain_ledger_height{{ledger="{api.ledger}"}} 1' in after
        assert f'jadechain_transactions_submitted_total{{ledger="{api.ledger}"}} 1' in after
        assert f'jadechain_transactions_committed_total{{ledger="{api.ledger}"}} 1' in after
        route = "/api/v1/ledgers/{ledger}/blocks/{height}"
        assert (
            f'jadechain_http_requests_total{{method="GET",route="{route}",status="200"}} 1' in after
        )
        assert f'{{method="GET",route="{route}",status="404"}} 1' in after
        assert 'route="unmatched",status="404"} 1' in after
        labels = " ".join(line.split(" ")[0] for line in after.splitlines() if "{" in line)
        assert "/no/such" not in labels  # raw paths never become labels (values may hold digits)
        assert api.ledger + "/blocks" not in after
        for line in after.splitlines():
            assert line.startswith("# ") or SAMPLE.fullmatch(line)

    run(chain, scenario)


def test_health_is_ok_with_a_summary_of_each_ledger(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        for path in ("/health", "/api/v1/health"):
            response = await api.client.get(path)
            assert response.status_code == 200
            health = codec.from_json(response.content, Health)
            assert health.status == "ok"
            [summary] = health.ledgers
            assert (summary.id, summary.name, summary.height) == (chain.ledger.id, "test ledger", 0)

    run(chain, scenario)


def test_the_explorer_is_served_at_the_root(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        page = await api.client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert (await api.client.get("/explorer.js")).status_code == 200

    run(chain, scenario)


def test_accept_negotiation() -> None:
    assert response_format(None) == "json"
    assert response_format("application/msgpack") == "msgpack"
    assert response_format("application/x-msgpack;q=0.9, application/json;q=0.5") == "msgpack"
    assert response_format("application/json, application/msgpack") == "json"
    assert response_format("application/msgpack, */*;q=0.1") == "msgpack"
    assert response_format("text/html, */*;q=0.8") == "json"
    assert response_format("application/msgpack;q=0") == "json"
    assert response_format("application/msgpack;q=oops") == "json"
