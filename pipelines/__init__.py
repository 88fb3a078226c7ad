"""Prefect flows, their deployments and the command line: thin shells over ``endurance``."""
