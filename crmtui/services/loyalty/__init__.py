"""Loyalty: tiers, rewards, redemption, refunds, expiry, overview."""
