"""A small engine/ stand-in: the part of a backend that asks neuron/ for advice and shows it to a user.

Two builds of the same client: ``robust`` (the default) handles every failure neuron/ can have;
``naive`` does not. ``ENGINE_BUILD=naive`` selects the second one.
"""
