"""The GitHub Pages workflow: valid against GitHub's workflow schema, and it publishes the same
build as `make book-fresh`. (It cannot run here; this validates what it would do.)
"""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def load():
    # PyYAML reads the key `on` as True (YAML 1.1); keep it as the string GitHub sees.
    return yaml.load(WORKFLOW.read_text().replace("\non:", '\n"on":'), Loader=yaml.SafeLoader)


def steps(job):
    return load()["jobs"][job]["steps"]


def test_workflow_matches_githubs_workflow_schema():
    run = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_publishes_on_push_to_the_course_branch():
    branch = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["branch"]
    assert load()["on"]["push"]["branches"] == [branch]


def test_builds_the_book_as_the_makefile_does():
    commands = [step["run"] for step in steps("build") if "run" in step]
    assert any(re.fullmatch(r"make book-fresh", command.strip()) for command in commands), commands
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^book-fresh:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "jupyter-book build . -W -n --keep-going" in recipe
    image = load()["jobs"]["build"]["container"]
    assert re.fullmatch(r"python:3\.11-[\w.-]*bookworm", image), image


def test_uploads_the_built_site_and_deploys_it():
    upload = [
        step
        for step in steps("build")
        if step.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert upload and upload[0]["with"]["path"] == "_build/site"
    deploy = load()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(step.get("uses", "").startswith("actions/deploy-pages@") for step in deploy["steps"])


def test_actions_are_pinned_to_releases_not_branches():
    for job in load()["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+(\.\d+)*", step["uses"]), step["uses"]


def test_publishes_the_class_edition_unless_the_instructor_chooses_the_open_one():
    edition = load()["on"]["workflow_dispatch"]["inputs"]["edition"]
    assert edition["default"] == "class" and edition["options"] == ["class", "open"]
    build = steps("build")
    public = next(step for step in build if step.get("run", "").strip() == "make public")
    assert public["if"] == "${{ (inputs.edition || 'class') == 'class' }}"
    assert public["env"]["RNN_COURSE_SECRET"] == "${{ secrets.RNN_COURSE_SECRET }}"
    chosen = next(step for step in build if "_build/site" in step.get("run", ""))
    assert (
        "_build/public/site _build/site" in chosen["run"]
        and "_build/html _build/site" in chosen["run"]
    )
    assert chosen["env"]["EDITION"] == "${{ inputs.edition || 'class' }}"
