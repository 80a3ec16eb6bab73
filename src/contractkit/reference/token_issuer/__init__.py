"""OAuth2 service tokens: the engine's token issuer (reference) and the verifier resource servers use.

The issuer (``issuer.py``) hands out RS256 JWTs by the client-credentials grant and publishes its
public keys as a JWKS; the verifier (``verifier.py``) checks signature, expiry, audience and scope
the way neuron/ and the MCP servers must.
"""
