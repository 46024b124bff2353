"""The local cluster's dask settings are defaults: an operator's own dask configuration (a ``DASK_*``
variable, a YAML file, ``dask.config.set``) wins over them, as dask documents for its configuration."""
from __future__ import annotations

import pytest

dask = pytest.importorskip("dask")
pytest.importorskip("distributed")

from xinyong.batch.executor import LOCAL_CLUSTER, local_config  # noqa: E402

STEALING, TICK = "distributed.scheduler.work-stealing", "distributed.admin.tick.interval"


def test_nothing_set_by_the_operator_every_local_setting_applies(monkeypatch):
    for k in list(__import__("os").environ):
        if k.startswith("DASK_"):
            monkeypatch.delenv(k)
    assert local_config() == LOCAL_CLUSTER


def test_a_dask_environment_variable_is_respected(monkeypatch):
    monkeypatch.setenv("DASK_DISTRIBUTED__SCHEDULER__WORK_STEALING", "True")
    monkeypatch.setenv("DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL", "50ms")
    mine = local_config()
    assert STEALING not in mine and TICK not in mine
    assert mine["distributed.scheduler.allowed-failures"] == LOCAL_CLUSTER["distributed.scheduler.allowed-failures"]


def test_a_value_set_in_the_process_is_respected():
    with dask.config.set({STEALING: True, "distributed.worker.memory.target": 0.5}):
        mine = local_config()
    assert "distributed.worker.memory.target" not in mine
    # set to dask's own default in the process: indistinguishable from unset, ours applies
    assert mine[STEALING] is False


@pytest.mark.slow
def test_the_cluster_runs_with_the_operators_value(monkeypatch):
    """End to end: the local cluster's scheduler and workers see the operator's ``DASK_*`` value where
    they have one, ours elsewhere."""
    from xinyong.batch.executor import Executor

    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "True")
    monkeypatch.setenv("DASK_DISTRIBUTED__SCHEDULER__WORK_STEALING", "True")
    dask.config.refresh()
    ex = Executor(jobs=1)
    try:
        client = ex.client
        seen = client.run(lambda: (dask.config.get("distributed.worker.profile.enabled"),
                                   dask.config.get("distributed.worker.memory.target")))
        assert list(seen.values()) == [(True, False)]
        assert client.run_on_scheduler(lambda dask_scheduler: "stealing" in dask_scheduler.extensions)
    finally:
        ex.close()
        monkeypatch.undo()
        dask.config.refresh()
