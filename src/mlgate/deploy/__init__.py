"""The model server: the deploy end of the loop.

``mlgate serve NAME`` runs :func:`mlgate.deploy.server.create_app` under uvicorn
on 127.0.0.1. The app speaks the Open Inference Protocol (KServe V2 REST, with
the binary tensor extension) and MLflow's scoring protocol, checks every request
against the model's signature, follows the alias (hot swap, in-flight requests
finish on their version), routes a share of traffic to a canary or mirrors it to
a shadow, and logs predictions to Parquet segments for monitoring.

Rooms: ``model.py`` (a loaded, warmed version), ``validation.py`` (requests
against the signature), ``protocols/`` (v2, mlflow), ``swap.py`` (watch the
alias, swap), ``routing.py`` (canary and shadow), ``canary.py`` (promote or
abort a canary), ``predlog.py`` (prediction log), ``metrics.py`` (Prometheus),
``server.py`` (the ASGI app), ``run.py`` (``mlgate serve``: policy, first load,
uvicorn), ``export.py`` (a self-contained bundle).
"""
