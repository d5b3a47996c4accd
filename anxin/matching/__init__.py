"""matching: intake → a ranked list of verified counsellors, with the reason for every point."""
