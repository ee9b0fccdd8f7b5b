"""The dbt docs site as a user sees it: served over HTTP and rendered by headless Chromium."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from retail_analytics import pipeline

from .conftest import REPO
from .helpers import find_chromium, run_chromium

pytestmark = pytest.mark.slow

SCREENSHOT = REPO / "target" / "docs_site.png"
MODEL_PAGE = "#!/model/model.retail_analytics.fct_customer_rfm"


class _VisibleText(HTMLParser):
    """The text a reader sees: everything outside scripts, styles and code listings."""

    HIDDEN = frozenset({"script", "style", "pre", "template"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """The rendered page's text, one DOM text node per line."""
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


@functools.cache
def _quiet_handler(directory: str):
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, format, *args):
            pass

    return Handler


@pytest.fixture
def http_folder() -> Iterator:
    """A function that serves a folder on 127.0.0.1 and returns its base URL."""
    servers: list[ThreadingHTTPServer] = []

    def serve(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _quiet_handler(str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


# --- the docs site ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


@pytest.fixture(scope="module")
def docs_target(spark, tmp_path_factory) -> Path:
    """`dbt docs generate` on the suite's session, into a target folder of its own."""
    target = tmp_path_factory.mktemp("docs_target")
    pipeline.dbt(["docs", "generate", "--target-path", str(target)])
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (target / name).is_file(), f"dbt docs generate wrote no {name}"
    return target


@pytest.fixture
def site(docs_target, http_folder) -> str:
    return f"{http_folder(docs_target)}/index.html"


def render(chromium: str, url: str, tmp_path: Path) -> str:
    result = run_chromium(chromium, url, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_overview_page_shows_the_project_overview(chromium, site, tmp_path):
    text = visible_text(render(chromium, f"{site}#!/overview", tmp_path))
    assert "Retail analytics on dbt and Apache Spark" in text
    for heading in ("The layers", "Business definitions", "Dashboards"):
        assert heading in text.splitlines()
    assert "jdbc:hive2://localhost:10000/marts" in text
    # the exposures are listed in the navigation
    for exposure in ("customer_segmentation", "country_revenue", "product_performance"):
        assert exposure in text.replace("\n", "")


def test_a_mart_page_lists_its_documented_columns(chromium, site, tmp_path):
    text = visible_text(render(chromium, f"{site}{MODEL_PAGE}", tmp_path))
    lines = text.splitlines()
    assert "fct_customer_rfm" in lines
    # the columns table: its heading, then the header row
    start = next(i for i, line in enumerate(lines) if lines[i : i + 2] == ["Columns", "Column"])
    columns = lines[start:]
    expected = ["customer_id", "recency_days", "frequency", "monetary", "rfm_segment"]
    positions = [columns.index(name) for name in expected]  # ValueError if one is missing
    assert positions == sorted(positions), "columns out of the documented order"
    recency = "Days from the last purchase to the as-of date (1 = bought the day before)."
    assert any(line.startswith(recency) for line in lines)  # its description, rendered
    # the business definition is rendered from its docs block
    assert "Cannot Lose Them" in lines


def test_the_exposure_page_names_its_owner_and_marts(chromium, site, tmp_path):
    url = f"{site}#!/exposure/exposure.retail_analytics.customer_segmentation"
    text = visible_text(render(chromium, url, tmp_path))
    assert "Analytics team" in text
    assert "analytics@example.com" in text
    flat = text.replace("\n", "")
    for model in ("fct_customer_rfm", "fct_customer_rfm_monthly", "dim_customers"):
        assert model in flat


def test_the_lineage_graph_renders(chromium, site, tmp_path):
    import re

    url = f"{site}{MODEL_PAGE}?g_v=1"
    dom = render(chromium, url, tmp_path)
    # the graph panel is open and cytoscape drew its node layer on a canvas with a size
    assert 'class="launcher ng-isolate-scope on"' in dom
    canvas = re.search(r'<canvas[^>]*data-id="layer2-node"[^>]*>', dom)
    assert canvas, "no cytoscape node layer in the page"
    width = int(re.search(r'width="(\d+)"', canvas.group(0)).group(1))
    height = int(re.search(r'height="(\d+)"', canvas.group(0)).group(1))
    assert width > 100 and height > 100, canvas.group(0)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = run_chromium(
        chromium, url, tmp_path, f"--screenshot={SCREENSHOT}", "--window-size=1400,1000"
    )
    assert shot.returncode == 0, shot.stderr[-3000:]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size > 20_000  # a blank page compresses to a few kB
