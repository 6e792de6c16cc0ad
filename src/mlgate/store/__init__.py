"""Where mlgate keeps its state: the metadata database and the artifact store.

``open_stores(settings)`` gives both for a project; every other room reads and
writes through them and never touches files under ``.mlgate/`` directly.
"""
