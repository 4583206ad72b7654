"""The guides: the configuration reference matches the settings, and every picture they show exists."""

from __future__ import annotations

import re
from pathlib import Path

from opsplatform.background.schedule import JOBS
from opsplatform.settings import describe

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROOT = DOCS.parent


def test_the_configuration_reference_in_the_admin_guide_is_complete_and_current():
    guide = (DOCS / "admin-guide.md").read_text()
    block = re.search(r"<!-- settings:start.*?-->\n(.*?)<!-- settings:end -->", guide, re.S)
    assert block, "docs/admin-guide.md has lost its configuration reference markers"
    documented = {m[0]: (m[1], m[2]) for m in re.findall(r"^\| `(\w+)` \| (.*?) \| (.*) \|$", block.group(1), re.M)}
    missing = [variable for variable, _default, _doc in describe() if variable not in documented]
    assert not missing, f"settings missing from the admin guide (run `make docs`): {missing}"
    stale = [v for v in documented if v not in {variable for variable, _d, _doc in describe()}]
    assert not stale, f"the admin guide documents settings that no longer exist (run `make docs`): {stale}"
    for variable, default, doc in describe():
        shown_default, shown_doc = documented[variable]
        assert shown_default == (f"`{default}`" if default else "(empty)"), f"{variable}: default is stale"
        assert shown_doc == doc.replace("|", "\\|"), f"{variable}: description is stale (run `make docs`)"


def test_the_admin_guide_lists_every_scheduled_job_as_it_is():
    guide = (DOCS / "admin-guide.md").read_text()
    block = re.search(r"<!-- jobs:start.*?-->\n(.*?)<!-- jobs:end -->", guide, re.S)
    assert block, "docs/admin-guide.md has lost its jobs markers"
    listed = re.findall(r"^\| `(\w+)` \| (.*) \|$", block.group(1), re.M)
    assert listed == [(job.name, job.schedule) for job in JOBS], \
        "the jobs in the admin guide are stale (run `make docs`)"


def test_every_picture_and_guide_linked_from_the_docs_exists():
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+\.(?:png|md))\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text()
    for guide in ("coordinator-guide", "focal-point-guide", "press-officer-guide", "admin-guide"):
        assert f"docs/{guide}.md" in readme, guide
