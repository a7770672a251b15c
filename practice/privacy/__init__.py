"""Client rights: a client downloads what the practice holds about them, and has it erased."""
