"""One-to-one matching in the platform: people ask for a peer supporter,
volunteers say what they offer, coordinators run matching rounds with the pure
engine (``peercircle.matching``) and accept, change or reject its proposals,
and either side of a pairing can ask to end or change it.

See docs/matching.md, "In the platform".
"""
