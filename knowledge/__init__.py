"""Knowledge base: FAQ answers, stations and policies from files admins edit."""
