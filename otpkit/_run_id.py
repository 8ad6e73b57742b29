"""The id of a CI run, the same on every machine of it: the scope of a shared budget.

``OTPKIT_RUN_ID`` wins; otherwise the id the CI system gives every job of one pipeline run, so
that a matrix of runners shares one budget without being told anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["ci_run_id"]

#: Per CI system, the variables that together name one run of a whole pipeline (all its jobs);
#: the first system whose variables are all set wins.
_CI_RUNS = (
    ("github", ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT")),  # a re-run is a new attempt
    ("gitlab", ("CI_PIPELINE_ID",)),
    ("buildkite", ("BUILDKITE_BUILD_ID",)),
    ("circleci", ("CIRCLE_WORKFLOW_ID",)),
    ("azure", ("BUILD_BUILDID",)),
    ("bitbucket", ("BITBUCKET_REPO_UUID", "BITBUCKET_BUILD_NUMBER")),
    ("jenkins", ("BUILD_TAG",)),  # "jenkins-<job>-<number>"
    ("travis", ("TRAVIS_BUILD_ID",)),
)


def ci_run_id(environ: Mapping[str, str] | None = None) -> str | None:
    """``OTPKIT_RUN_ID``, else the CI system's pipeline run id, else None."""
    env = os.environ if environ is None else environ
    if env.get("OTPKIT_RUN_ID"):
        return env["OTPKIT_RUN_ID"]
    for system, names in _CI_RUNS:
        values = [env.get(name, "") for name in names]
        if all(values):
            return "-".join((system, *values))
    return None
