"""engine/'s use of neuron/: the advice shown on a customer's page and in the account manager's chat."""

from __future__ import annotations

import os

from engine_standin.advice import Advice


def client():
    if os.environ.get("ENGINE_BUILD", "robust") == "naive":
        from engine_standin.naive import NeuronClient
    else:
        from engine_standin.robust import NeuronClient
    return NeuronClient.from_env()


def advice_for_customer(customer_id: str) -> Advice:
    return client().suggest_next_action(customer_id)


def chat_answer(message: str, live: bool = False) -> Advice:
    neuron = client()
    return neuron.chat_live(message) if live else neuron.chat(message)
