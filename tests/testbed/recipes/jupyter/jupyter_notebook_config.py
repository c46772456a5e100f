# The token comes from JUPYTER_TOKEN; the launcher publishes the port on 127.0.0.1
# of the host, so the server inside the container listens on all its interfaces.
c = get_config()  # noqa: F821
c.NotebookApp.open_browser = False
c.NotebookApp.allow_remote_access = True
