"""Scale-out on Ray (the optional `molmara[ray]` extra): a scoring executor and sweeps of runs."""

from molmara.distributed.executor import RayExecutor, init_ray, require_ray

__all__ = ["RayExecutor", "init_ray", "require_ray"]
