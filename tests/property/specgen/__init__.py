"""A generator of neuron specs: every dimension docs/extensions.md lets a spec choose, drawn at
random (Hypothesis) and recorded as a ``Shape`` independently of the spec model, then written onto
a template (the second test neuron/'s spec) by one small module per dimension."""
