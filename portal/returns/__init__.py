"""Returns and exchanges: the buyer starts them alone, the merchant settles each in one click."""
