"""Analysis fanned out over a Ray cluster: a laptop's local cluster or a farm's ``ray://head:10001``.

Each media file is one Ray task that runs the same per-file job a local run does
(`engine.analysis.analysis_job` unless told otherwise); progress streams back through a small
actor, results come back as the same plain data, and what the job cached on the worker is
written into the caller's analysis cache under the same fingerprints. Ray is an optional
extra (``pip install -e '.[cluster]'``); nothing here imports it until a cluster is used.

- `address`: what ``--ray`` and Settings ▸ Cluster accept, and the path mapping;
- `session`: connecting to (or starting) a cluster, and describing it in one line;
- `worker`: what runs on a cluster worker;
- `run`: the caller's job that sends files out and collects them;
- `remote`: one file at a time for the app's analysis queue, with a local fallback;
- `commands`: ``moviola-cli analyze --ray``.
"""
