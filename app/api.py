"""The app's named API endpoints, for programs (``gradio_client``), with JSON results.

    from gradio_client import Client
    c = Client("http://127.0.0.1:7860/")
    c.predict("甘草6g，甘遂3g", "华法林", False, False, "", api_name="/check")   # CheckResult as a dict
    c.predict("麻黄汤的组成是什么？", "", False, False, api_name="/ask")         # Answer as a dict
    c.predict("失眠多梦，心悸健忘，舌红少苔，脉细数", "", False, api_name="/diagnose")  # Diagnosis as a dict
    c.predict("MATCH (h:Herb) RETURN h.name_zh LIMIT 3", "", api_name="/cypher")
    c.predict(handle_file("rx.csv"), "jsonl", "", "", "", api_name="/analyze")

``/ask`` and ``/check`` are API-only (``gr.api``): one call, one JSON document, no chat history.
``/cypher``, ``/analyze`` and ``/search`` are the explorer's and the batch tab's own events, named in
:func:`app.main.build_app`. ``/diagnose`` is API-only too: the JSON of ``tcm diagnose --json``.
"""

from __future__ import annotations

import gradio as gr

from tcm.errors import TCMError
from tcm.types import PatientFlags

from .services import Services

ENDPOINTS = ("ask", "check", "diagnose", "cypher", "analyze", "search")


def register(services: Services) -> list[str]:
    """Add the API-only endpoints to the Blocks being built; returns their names."""

    def check(herbs: str, drugs: str = "", pregnant: bool = False, breastfeeding: bool = False,
              text: str = "") -> dict:
        """Safety check of a prescription, the patient's Western drugs and state, and free text."""
        try:
            result = services.engine().check(herbs or None, drugs or None,
                                             PatientFlags(pregnant=pregnant, breastfeeding=breastfeeding),
                                             text or None)
        except TCMError as e:  # Unavailable (a backend is down) is one too
            raise gr.Error(str(e)) from None
        return result.model_dump(mode="json")

    def ask(question: str, drugs: str = "", pregnant: bool = False, breastfeeding: bool = False) -> dict:
        """A grounded answer with citations, checked claims and safety findings."""
        try:
            answer = services.assistant().ask(question, drugs or None,
                                              PatientFlags(pregnant=pregnant, breastfeeding=breastfeeding))
        except TCMError as e:  # Unavailable (a backend is down) is one too
            raise gr.Error(str(e)) from None
        return answer.model_dump(mode="json")

    names = []
    for fn, name in ((check, "check"), (ask, "ask")):
        gr.api(fn, api_name=name)
        names.append(name)

    def diagnose(text: str, drugs: str = "", pregnant: bool = False) -> dict:
        """Syndrome differentiation of a case description (`tcm diagnose --json`)."""
        try:
            found, _reply, _facts = services.diagnose(text, drugs or None, PatientFlags(pregnant=pregnant))
        except TCMError as e:  # Unavailable (a backend is down) is one too
            raise gr.Error(str(e)) from None
        return found.model_dump(mode="json")

    gr.api(diagnose, api_name="diagnose")
    names.append("diagnose")
    return names
