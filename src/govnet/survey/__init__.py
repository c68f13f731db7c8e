"""The survey step: every host of the inventory read over SSH (:mod:`.collect`) or from saved
files (:mod:`.offline`), parsed by its platform's specs into facts, and streamed into the
store as a run of a campaign (:mod:`.run`); Nornir runs the hosts (:mod:`.nornir`)."""

from govnet.survey.nornir import get_nornir, inventory_to_nornir
from govnet.survey.run import (
    SurveyError,
    SurveyOptions,
    SurveySummary,
    get_campaign_name,
    get_driver,
    get_shard,
    run_offline_survey,
    run_survey,
    to_snapshot,
)

__all__ = [
    "SurveyError",
    "SurveyOptions",
    "SurveySummary",
    "get_campaign_name",
    "get_driver",
    "get_nornir",
    "get_shard",
    "inventory_to_nornir",
    "run_offline_survey",
    "run_survey",
    "to_snapshot",
]
