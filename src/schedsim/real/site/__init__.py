"""The directory put on a traced program's PYTHONPATH (holds its ``sitecustomize``)."""
