"""Referrals: recording, qualification, guards, leaderboard, trees."""
