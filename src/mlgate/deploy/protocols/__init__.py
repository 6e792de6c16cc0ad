"""Wire formats the server speaks: KServe V2 (``v2.py``) and MLflow scoring (``mlflow.py``)."""
