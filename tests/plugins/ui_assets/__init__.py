"""Static files of the test UI contribution (a page module and nothing else)."""
