"""What a tutor checks first: doctor checks and the support bundle."""
