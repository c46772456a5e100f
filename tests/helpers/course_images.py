"""The test bed's course images as a student runs them, built the ways institutions
build them, and the catalogue entry of each (one course per image)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

JUPYTER = 8888
WEB_UI = 8080  # the second service of the images that have one


@dataclass(frozen=True)
class Image:
    recipe: str
    workspace: str
    uid: int  # who the image writes the folder as
    databases: bool = False
    under: str = ""  # where the workspace is in Jupyter's tree (the stacks serve the home)
    home_is_workspace: bool = False  # the server keeps its own state in the folder
    web_ui: str = ""  # the name of a web UI on WEB_UI, beside Jupyter

    @property
    def course(self) -> str:
        return f"c-{self.recipe}"


IMAGES = (
    Image("jupyter", "/home/ou/TM351-24J", 1000),
    Image("multi", "/home/ou/TM351-24J", 1000, web_ui="Database UI"),
    Image("db", "/home/ou/TM351-24J", 1000, databases=True),  # root starts, runuser to ou
    Image("rootfirst", "/home/learner/work", 1234, databases=True),  # no USER, setpriv
    Image("stacks", "/home/jovyan/work", 1000, under="work/"),  # USER 1000, jovyan, gid 100
    Image("ou", "/home/ou/TM351-25J", 1000, home_is_workspace=True),  # ou-container-builder
)
# A web UI that closes each connection itself (Adminer on PHP's built-in server).
ADMINER = Image("adminer", "/home/ou/TM351-24J", 1000, web_ui="Adminer")

POSTGRES = """
[[course.volumes]]
name = "postgres"
path = "/var/lib/postgresql"
[[course.backups]]
name = "postgres"
user = "postgres"
dump = ["pg_dumpall", "--clean", "--if-exists"]
restore = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", "postgres", "-f", "-"]
"""


def catalogue(testbed: TestbedState, image: Image) -> str:
    web_ui = f"""
[[course.services]]
name = "{image.web_ui}"
port = {WEB_UI}
path = "/"
auth = "none"
"""
    return f"""
schema = 1
[[course]]
id = "{image.course}"
code = "T{image.recipe.upper()}"
presentation = "25J"
title = "{image.recipe} image"
image = "{testbed.images[image.recipe]}"
workspace = "{image.workspace}"
preferred_port = {free_port()}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = {JUPYTER}
path = "/"
ready = "/api/status"
auth = "token"
{web_ui if image.web_ui else ""}{POSTGRES if image.databases else ""}"""
