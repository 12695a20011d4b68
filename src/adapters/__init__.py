"""Adapters: the ports of ``chat_domain`` implemented over memory, SQL and the system."""
