"""What the Factory's end-to-end scenario shares with the suite's fixtures: the token the pack
and the factory host both know (test equipment, not a secret)."""

FACTORY_TOKEN = "e2e-factory-token-not-secret"
FACTORY_NAME = "AlphaOmega · Factory"
FACTORY_ID = "alphaomega_factory"
