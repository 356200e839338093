"""Prompt domain: versions, labels, tags, references and their pure rules."""
