from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI explores more; a developer's run stays quick. Both are deterministic
# enough to reproduce: Hypothesis prints the failing example and its seed.
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
