"""The real Docker engine and registry the tests run against.

``python -m tests.testbed up`` installs what is missing (as root on Debian),
starts a private ``dockerd`` and ``docker-registry`` on loopback, builds the
course images from Debian packages and pushes them to the registry; ``down``
stops both. Images are cached in the registry's storage, keyed by the hash of
their recipe, so a warm run builds nothing.
"""
