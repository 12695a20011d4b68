"""The chat domain: entities, rules, ports and use cases, free of any framework."""
