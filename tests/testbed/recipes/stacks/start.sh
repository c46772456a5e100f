#!/bin/bash
# The stacks' start.sh, cut to what concerns the folder: run as root, it remakes
# jovyan with NB_UID/NB_GID (userdel + useradd, so nothing is chowned) and drops
# to it; run as anyone else, it runs the command as it is.
set -e
if [ "$(id -u)" = 0 ]; then
    NB_UID=${NB_UID:-1000}
    NB_GID=${NB_GID:-100}
    if [ "$NB_UID" != "$(id -u jovyan)" ] || [ "$NB_GID" != "$(id -g jovyan)" ]; then
        echo "start.sh: updating jovyan's UID:GID to $NB_UID:$NB_GID"
        if [ "$NB_GID" != "$(id -g jovyan)" ]; then
            groupadd --force --gid "$NB_GID" --non-unique "${NB_GROUP:-jovyan}"
        fi
        userdel jovyan
        useradd --no-log-init --home /home/jovyan --shell /bin/bash \
            --uid "$NB_UID" --gid "$NB_GID" --groups 100 --non-unique jovyan
    fi
    exec setpriv --reuid="$NB_UID" --regid="$NB_GID" --init-groups \
        env HOME=/home/jovyan "$@"
fi
exec "$@"
