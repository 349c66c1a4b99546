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
    "universal": "Universal (equal per adult)",
    "proportionate_universalism": "Proportionate universalism",
    "proportional": "Proportional to need (no floor)",
    "targeted_power_lsoa": "Targeted: least powerful fifth of neighbourhoods",
    "targeted_imd_lsoa": "Targeted: most deprived fifth of neighbourhoods",
    "targeted_power_council": "Targeted: least powerful fifth of councils",
}

SCHEME_LABELS = {
    "timebank": "time-bank",
    "befriending": "befriending",
    "navigator": "community navigator",
    "mix": "scheme-mix",
}

SENSITIVITY_OUTPUT_LABELS = {
    "cost_to_close_pu_gbp": "Annual cost of closing the gap (proportionate universalism)",
    "net_benefit_pu_gbp": "Net benefit at the fixed budget (proportionate universalism)",
}

# The capacity gap's choices (config/costs.yaml participation constructions and levelling, and
# the three references of coprod.analysis.participation).
CONSTRUCTION_LABELS = {
    "imd2019_linear": "Linear in IMD 2019 rank",
    "imd2025_linear": "Linear in IMD 2025 rank",
    "logistic_level4plus": "Logistic in degree-level share",
    "logistic_nssec_l1_l3": "Logistic in professional share",
    "logistic_power": "Logistic in power",
}

REFERENCE_LABELS = {
    "national_mean": "National mean",
    "top_power_fifth": "Most powerful fifth",
    "least_deprived_fifth": "Least deprived fifth",
}

LEVELLING_LABELS = {
    "proportional": "proportional",
    "additive": "additive",
    "constant_odds": "constant odds",
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

# Cost inputs as a phrase inside a sentence ("most sensitive to ...") and as an axis label
# (every drawn input of config/costs.yaml and the modelling choices).
PARAMETER_TEXT = {
    "cyp_sw_hourly_cost_gbp": (
        "the hourly cost of children's social workers",
        "Hourly cost, children's social workers",
    ),
    "asc_staff_hourly_cost_gbp": (
        "the hourly cost of adult social care staff",
        "Hourly cost, adult social care staff",
    ),
    "other_staff_hourly_cost_gbp": (
        "the hourly cost of other staff and facilitators",
        "Hourly cost, other staff",
    ),
    "training_hours_per_staff": (
        "the training hours each member of staff needs",
        "Initial training hours per staff member",
    ),
    "refresher_hours_per_staff_year": (
        "the yearly refresher hours",
        "Refresher hours per staff member a year",
    ),
    "course_cost_per_trainee_gbp": ("the course cost per trainee", "Course cost per trainee"),
    "backfill_share": (
        "the share of training time with paid cover",
        "Share of training time with paid cover",
    ),
    "asc_staff_per_1000": (
        "the number of adult social care staff per resident",
        "Adult social care staff per resident",
    ),
    "other_staff_per_1000": (
        "the number of other front-line staff per resident",
        "Other front-line staff per resident",
    ),
    "other_staff_turnover_rate": ("staff turnover", "Turnover of adult and other staff"),
    "timebank_cost_per_member_gbp": ("the cost of a time-bank member", "Time-bank cost per member"),
    "befriending_cost_per_member_gbp": ("the cost of befriending", "Befriending cost per person"),
    "navigator_cost_per_member_gbp": (
        "the cost of a community navigator",
        "Community navigator cost per person",
    ),
    "timebank_saving_per_member_gbp": (
        "the saving per time-bank member",
        "Time-bank saving per member",
    ),
    "befriending_saving_per_member_gbp": (
        "the saving per befriended person",
        "Befriending saving per person",
    ),
    "navigator_saving_per_member_gbp": (
        "the saving per navigator client",
        "Community navigator saving per person",
    ),
    "facilitation_hours_per_participant_year": (
        "the staff facilitation hours per participant",
        "Facilitation hours per participant a year",
    ),
    "relative_price_uplift": (
        "the rise of scheme costs above general inflation",
        "Scheme costs above the deflator",
    ),
    "additionality_lambda": (
        "how far people who do not yet take part join (lambda)",
        "Joining odds of non-participants (lambda)",
    ),
    "newly_participating_theta": (
        "the chance that a new member comes to take part (theta)",
        "New members who come to take part (theta)",
    ),
    "displacement_share": (
        "displacement from other civic activity",
        "Displacement from other civic activity",
    ),
    "unit_cost_premium_kappa": (
        "the unit-cost premium where gaps are large",
        "Unit-cost premium where gaps are large",
    ),
    "recruitment_cap_share_per_year": (
        "the most new members one neighbourhood's scheme can recruit a year",
        "Recruitment cap per neighbourhood a year",
    ),
    "ramp_up_years": (
        "the years a new scheme takes to reach full recruitment",
        "Years for a scheme to reach full recruitment",
    ),
    "optimism_bias_costs": ("the optimism-bias uplift on costs", "Optimism bias on costs"),
    "benefit_shortfall": (
        "the shortfall of transferred savings",
        "Shortfall of transferred savings",
    ),
    "participant_hours_per_year": ("participants' own hours", "Participants' hours a year"),
    "value_of_time_gbp_per_hour": (
        "the value of participants' time",
        "Value of participants' time an hour",
    ),
    "participation_most_deprived": (
        "the participation rate of the most deprived fifth",
        "Participation, most deprived fifth (2016-17)",
    ),
    "participation_least_deprived": (
        "the participation rate of the least deprived fifth",
        "Participation, least deprived fifth (2016-17)",
    ),
    "england_participation_survey_year": (
        "England participation in the survey year",
        "England participation, 2016-17",
    ),
    "england_participation_latest": (
        "England participation in the latest year",
        "England participation, 2024-25",
    ),
    "construction": ("how expected participation is constructed", "Participation construction"),
    "levelling": (
        "how participation is brought to the latest year",
        "Levelling to the latest year",
    ),
}
PARAMETER_PHRASES = {k: v[0] for k, v in PARAMETER_TEXT.items()}
PARAMETER_LABELS = {k: v[1] for k, v in PARAMETER_TEXT.items()}


def label(labels: Mapping[str, str], code) -> str:
    """The reader's name for `code`, or the code itself with spaces for underscores."""
    code = str(code)
    return labels.get(code, code.replace("_", " "))


def order(labels: Mapping[str, str], codes) -> list[str]:
    """`codes` (unique, in first-seen order) sorted as `labels` lists them, unknown codes last."""
    rank = {code: i for i, code in enumerate(labels)}
    unique = list(dict.fromkeys(map(str, codes)))
    return sorted(unique, key=lambda c: rank.get(c, len(rank)))
