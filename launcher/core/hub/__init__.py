"""The same courses on an institution's JupyterHub: settings for its spawner, exported."""
