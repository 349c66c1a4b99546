"""Reader-facing names of the pipeline's codes, in one place for the figures and the tables.

The pipeline speaks tidy codes (`asc1_carer_quality_of_life`, `pca1`, `utla23`); a policy
reader should never see one. Each mapping's order is the order the report shows its items in.
`label` falls back to the code with spaces for underscores, so an unlabelled code stays legible.
"""

from __future__ import annotations

from collections.abc import Mapping

# Outcomes with their units, for tables and panel titles (neighbourhood measures first).
OUTCOME_LABELS = {
    "acute_morbidity": "Emergency admissions (acute morbidity ratio)",
    "illness_disability": "Illness and disability benefit ratio",
    "mental_health": "Mental health indicator (higher = worse)",
    "income_claimants": "Income-deprivation claimants per resident",
    "employment_claimants": "Employment-deprivation claimants per working-age resident",
    "children_in_need": "Children in need per 10,000 children",
    "referrals": "Referrals to children's social care per 10,000 children",
    "child_protection_plans": "Child protection plans per 10,000 children",
    "looked_after_children": "Looked-after children per 10,000 children",
    "child_injury_admissions": "Injury admissions per 10,000 children",
    "asc1_carer_quality_of_life": "Carer quality of life (ASC1, score)",
    "asc2_social_care_quality_of_life": "Social-care-related quality of life (ASC2)",
    "asc3_users_finding_information": "Service users finding information easy (ASC3, %)",
    "asc4_carers_finding_information": "Carers finding information easy (ASC4, %)",
    "asc5_short_term_service_outcome": "Outcome of short-term services (ASC5, %)",
    "asc6_requests_resulting_in_service": "Requests resulting in a service (ASC6)",
    "asc7_workforce_turnover": "Adult social care workforce turnover (ASC7, %)",
}

# The same outcomes in a few words, for legends and the specification-curve grid.
OUTCOME_SHORT = {
    "acute_morbidity": "Emergency admissions",
    "illness_disability": "Illness and disability",
    "mental_health": "Mental health",
    "income_claimants": "Income claimants",
    "employment_claimants": "Employment claimants",
    "children_in_need": "Children in need",
    "referrals": "Children's referrals",
    "child_protection_plans": "Child protection plans",
    "looked_after_children": "Looked-after children",
    "child_injury_admissions": "Child injury admissions",
    "asc1_carer_quality_of_life": "Carer quality of life",
    "asc2_social_care_quality_of_life": "Social care quality of life",
    "asc3_users_finding_information": "Users finding information",
    "asc4_carers_finding_information": "Carers finding information",
    "asc5_short_term_service_outcome": "Short-term service outcome",
    "asc6_requests_resulting_in_service": "Requests resulting in service",
    "asc7_workforce_turnover": "Care workforce turnover",
}

GEOGRAPHY_LABELS = {
    "lsoa21": "Neighbourhood",
    "lad24": "Lower-tier council",
    "utla23": "Upper-tier council",
}

VARIANT_LABELS = {
    "zscore_equal": "Equal-weight z-scores",
    "pca1": "First principal component",
    "demos_0_100": "Demos 0-100 rescaling",
}

FAMILY_LABELS = {
    "mixedlm_slope": "Mixed model, random slopes",
    "mixedlm": "Mixed model, random intercepts",
    "ols": "OLS",
    "ols_spline": "OLS, spline in power",
    "ols_log": "OLS on log outcome",
    "wls": "Weighted least squares",
    "wls_log": "WLS on log outcome",
    "poisson": "Poisson",
    "negbin": "Negative binomial",
}

COVARIATE_LABELS = {
    "none": "None",
    "region": "Region",
    "income_employment": "Income and employment deprivation",
    "imd_no_education": "IMD without Education",
}

# Outcome classes (config/models.yaml, results/models/outcomes.parquet) and families.
KIND_LABELS = {
    "service_use": "Service use",
    "service_quality": "Service quality",
    "deprivation_defined": "Deprivation-defined",
}
DESIRABLE_LABELS = {
    "lower": "Lower is better (use, need)",
    "higher": "Higher is better (quality)",
}
OUTCOME_FAMILY_LABELS = {
    "health_service_use": "Health service use",
    "childrens_social_care": "Children's social care",
    "adult_social_care_use": "Adult social care use",
    "adult_social_care_quality": "Adult social care quality",
    "deprivation_defined": "Deprivation-defined (benefit-based)",
    "all_service": "All service families, equally weighted",
    "all": "All families, equally weighted",
}

# Specification-curve dimensions (column names of the multiverse table) and their values.
DIMENSION_LABELS = {
    "variant": "Index weighting",
    "outcome": "Outcome",
    "geography": "Geography",
    "family": "Model",
    "covariate_set": "Covariates",
}
DIMENSION_VALUES = {
    "variant": VARIANT_LABELS,
    "outcome": OUTCOME_SHORT,
    "geography": GEOGRAPHY_LABELS,
    "family": FAMILY_LABELS,
    "covariate_set": COVARIATE_LABELS,
}

SCENARIO_LABELS = {
    "universal": "Universal",
    "proportionate_universalism": "Proportionate universalism",
    "targeted": "Targeted (least powerful fifth)",
}

VINTAGE_LABELS = {
    "iod2025": "IoD 2025 (2021 neighbourhoods)",
    "iod2019": "IoD 2019 (2011 neighbourhoods)",
}

INDICATOR_LABELS = {
    "share_qual_level4plus": "Level 4+ qualifications",
    "share_qual_none": "No qualifications (reversed)",
    "share_nssec_l1_l3": "Higher managerial/professional (NS-SeC 1-3)",
    "share_nssec_l12_l14": "Routine, never worked (NS-SeC 12-14, reversed)",
    "income_score": "Income deprivation (reversed)",
    "employment_score": "Employment deprivation (reversed)",
    "crime_score": "Crime (reversed)",
    "share_health_good": "Good or very good health",
    "turnout_ge2024_pct": "Turnout, general election 2024",
}

# Cost parameters as a phrase inside a sentence ("most sensitive to ...").
PARAMETER_PHRASES = {
    "participation_share_at_mean_gap": "the share of residents taking part in capacity building",
    "training_hours_per_staff": "the training hours each member of staff needs",
    "refresher_hours_per_staff_year": "the yearly refresher training hours",
    "timebank_cost_per_member_gbp": "the cost of a time-bank member",
    "navigator_cost_per_person_gbp": "the cost of a community navigator per person",
    "asc_staff_per_1000": "the number of adult social care staff per resident",
    "other_staff_per_1000": "the number of other front-line staff per resident",
    "backfill_share": "the share of training time that needs paid cover",
}

# Cost parameters as an axis label (every parameter of config/costs.yaml).
PARAMETER_LABELS = {
    "participation_share_at_mean_gap": "Residents taking part in capacity building",
    "training_hours_per_staff": "Initial training hours per staff member",
    "refresher_hours_per_staff_year": "Refresher hours per staff member a year",
    "course_cost_per_trainee_gbp": "Course cost per trainee",
    "backfill_share": "Share of training time with paid cover",
    "asc_staff_per_1000": "Adult social care staff per resident",
    "other_staff_per_1000": "Other front-line staff per resident",
    "other_staff_turnover_rate": "Turnover of adult and other staff",
    "cyp_sw_hourly_cost_gbp": "Hourly cost, children's social workers",
    "asc_staff_hourly_cost_gbp": "Hourly cost, adult social care staff",
    "other_staff_hourly_cost_gbp": "Hourly cost, other front-line staff",
    "timebank_cost_per_member_gbp": "Time-bank cost per member",
    "befriending_cost_per_person_gbp": "Befriending cost per person",
    "navigator_cost_per_person_gbp": "Community navigator cost per person",
    "lac_cost_per_coordinator_year_gbp": "Local Area Coordinator cost a year",
    "residents_per_coordinator": "Residents per Local Area Coordinator",
    "timebank_saving_per_member_gbp": "Time-bank saving per member",
    "befriending_saving_per_person_gbp": "Befriending saving per person",
    "navigator_saving_per_person_gbp": "Community navigator saving per person",
    "lac_social_value_ratio": "Local Area Coordination social value ratio",
}


def label(labels: Mapping[str, str], code) -> str:
    """The reader's name for `code`, or the code itself with spaces for underscores."""
    code = str(code)
    return labels.get(code, code.replace("_", " "))


def order(labels: Mapping[str, str], codes) -> list[str]:
    """`codes` (unique, in first-seen order) sorted as `labels` lists them, unknown codes last."""
    rank = {code: i for i, code in enumerate(labels)}
    unique = list(dict.fromkeys(map(str, codes)))
    return sorted(unique, key=lambda c: rank.get(c, len(rank)))
