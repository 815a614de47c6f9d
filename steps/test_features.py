"""Collects every Gherkin scenario of the installed `segur_harness.features` folder (or SEGUR_FEATURES_DIR).

Run by the runner as
`pytest <this file> -p segur_harness.steps.plugin` with SEGUR_SUT_URL and SEGUR_MOCKS set.
"""

from __future__ import annotations

from pytest_bdd import scenarios

from segur_harness.config import FEATURES_DIR
from segur_harness.steps.cda_document_steps import *  # noqa: F403 - step definitions are fixtures
from segur_harness.steps.cda_inbox_steps import *  # noqa: F403
from segur_harness.steps.dmp_dossier_steps import *  # noqa: F403
from segur_harness.steps.dmp_psc_steps import *  # noqa: F403
from segur_harness.steps.dmp_steps import *  # noqa: F403
from segur_harness.steps.dmp_views_steps import *  # noqa: F403
from segur_harness.steps.dmp_wire_steps import *  # noqa: F403
from segur_harness.steps.ins_identity_steps import *  # noqa: F403
from segur_harness.steps.ins_search_steps import *  # noqa: F403
from segur_harness.steps.ins_wire_steps import *  # noqa: F403
from segur_harness.steps.mss_reception_steps import *  # noqa: F403
from segur_harness.steps.mss_steps import *  # noqa: F403
from segur_harness.steps.psc_steps import *  # noqa: F403

scenarios(str(FEATURES_DIR))
