"""The coded values of the public seizure fields (docs/reference.md): one list each, used by the validator, forms,
templates and maps."""

LOCATION_TYPES = ("airport", "seaport", "land_border", "mail_centre", "inland", "market", "online", "other")
DETECTION_METHODS = ("routine_inspection", "xray", "detector_dog", "risk_profiling", "intelligence", "informant",
                     "patrol", "online_monitoring", "other")
TRANSPORT_MODES = ("air_passenger", "air_cargo", "sea_cargo", "sea_passenger", "road", "rail", "postal", "on_foot",
                   "online", "other")
AGENCIES = ("customs", "police", "wildlife", "forestry", "fisheries", "military", "prosecution", "other")
# Stages of a case after the seizure, in order: a case event records one, and the furthest reached is the case_status.
CASE_STAGES = ("investigation", "charges", "prosecution", "conviction", "sentence", "asset_forfeiture")
CASE_STATUSES = ("none", *CASE_STAGES, "unknown")
SEXES = ("male", "female", "unknown")
SUSPECT_ROLES = ("poacher", "courier", "dealer", "trafficker", "buyer", "organiser", "official", "other", "unknown")

# Seizure-level sheet columns (must agree across a seizure's rows) and item-level ones.
SEIZURE_FIELDS = ("seizure_date", "location", "latitude", "longitude", "location_type", "detection_method",
                  "transport_mode", "agency", "origin_country", "export_country", "destination_country",
                  "transit_countries", "concealment", "suspects_arrested", "suspect_nationalities", "case_status",
                  "notes")
ITEM_FIELDS = ("taxon", "term", "quantity", "unit", "estimated_value", "currency")
# The case file for an Ecomessage: form and API only, never sheet columns (a re-imported sheet leaves them as they are).
CASE_FIELDS = ("seizure_time", "companies_involved", "documents_used", "modus_operandi")
