"""Cases after the operation: links between countries' records, follow-up to prosecution, suspect matches,
operation messages, and the Ecomessage and annual illegal trade report built from the records."""
