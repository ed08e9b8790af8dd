"""Deferred-document acceptance (容缺受理): the board of outstanding materials, supply, termination."""
