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
SPECIMEN_STATES = ("live", "dead")
SPECIMEN_SEXES = ("male", "female", "mixed", "unknown")
DOCUMENT_TYPES = ("passport", "national_id", "residence_permit", "other")
# Why the specimens were seized, and what became of them once confiscated: the two columns of the CITES annual illegal
# trade report that a record did not hold (seed/README.md says where each list comes from).
SEIZURE_REASONS = ("no_permit", "invalid_permit", "exceeds_permit", "not_matching_permit", "undeclared",
                   "illegal_possession", "other")
DISPOSALS = ("returned_to_export", "rescue_centre", "released_to_wild", "held_as_evidence", "stored", "destroyed",
             "scientific_use", "sold", "died_or_euthanised", "other")

# Seizure-level sheet columns (must agree across a seizure's rows) and item-level ones.
SEIZURE_FIELDS = ("seizure_date", "location", "latitude", "longitude", "location_type", "detection_method",
                  "transport_mode", "agency", "origin_country", "export_country", "destination_country",
                  "transit_countries", "concealment", "suspects_arrested", "suspect_nationalities", "case_status",
                  "notes")
ITEM_FIELDS = ("taxon", "term", "quantity", "unit", "estimated_value", "currency")
# The case file for the Ecomessage, in the form's order: the form and the API take them, and the sheet as optional
# columns where an empty cell keeps what the record holds (so a sheet made before them never wipes them). The nominal
# ones (models/seizures.py SEIZURE_NOMINAL) are never sheet columns.
CASE_FIELDS = ("offence_description", "code_name", "legislation", "legal_reference", "penalties", "reference_point",
               "discovery_city", "seizure_time", "carrier", "transport_number", "transport_document", "origin_town",
               "customs_origin_country", "origin_at_sea", "real_destination_country", "documents_used",
               "documents_fraudulent", "agency_name", "agency_address", "agency_telecoms", "companies_involved",
               "modus_operandi", "packaging")
# The same for an item: the precise description of its specimens.
SPECIMEN_FIELDS = ("specimen_state", "specimen_sex", "specimen_age", "specimen_description")
# The annual illegal trade report's two fields: the form and the API take them, and the sheet as optional columns
# where an empty cell keeps what the record holds (the disposal often comes months after the seizure).
REPORT_FIELDS = ("seizure_reason", "disposal")
# What a person and a company are recorded with beside their nominal fields (models/seizures.py).
SUSPECT_FIELDS = ("nationality", "sex", "role", "arrest_date", "document_type", "profession", "company_function")
COMPANY_FIELDS = ("company_type", "name", "activities")
