"""The catalogue of the testbed's three course images, as tests write it to a file."""

from __future__ import annotations

from tests.testbed.testbed import TestbedState


def catalogue_text(testbed: TestbedState, jupyter_port: int, multi_port: int) -> str:
    return f"""
schema = 1

[[course]]
id = "test-jupyter"
code = "TEST1"
presentation = "24J"
title = "Jupyter test course"
image = "{testbed.images["jupyter"]}"
workspace = "/home/ou/TM351-24J"
preferred_port = {jupyter_port}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"

[[course]]
id = "test-multi"
code = "TEST2"
presentation = "24J"
title = "Two-service test course"
image = "{testbed.images["multi"]}"
workspace = "/home/ou/TM351-24J"
preferred_port = {multi_port}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"
[[course.services]]
name = "Database UI"
port = 8080
path = "/"
auth = "none"
[[course.volumes]]
name = "data"
path = "/srv/data"

[[course]]
id = "test-db"
code = "TEST3"
presentation = "24J"
title = "Database test course"
image = "{testbed.images["db"]}"
workspace = "/home/ou/TM351-24J"
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
[[course.volumes]]
name = "postgres"
path = "/var/lib/postgresql"
[[course.backups]]
name = "postgres"
user = "postgres"
dump = ["pg_dumpall", "--clean", "--if-exists"]
restore = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", "postgres", "-f", "-"]
"""
