"""PMO Community Bot: role FAQs, daily learning prompts, mentor matching and 70-20-10 check-ins on Discord."""

__version__ = "0.1.0"
