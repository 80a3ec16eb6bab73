"""The LLM provider double: OpenAI, Anthropic and Ollama wire formats with faults on demand."""

from contractkit.reference.provider_double.app import ProviderDouble
from contractkit.reference.provider_double.faults import FAULT_HEADER, FAULT_MODES

__all__ = ["FAULT_HEADER", "FAULT_MODES", "ProviderDouble"]
