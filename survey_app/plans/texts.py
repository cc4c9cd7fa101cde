"""The few words the public pages' links carry in the survey's own languages.

The thank-you page and the QR poster speak the survey's languages, not the visitor's
interface language, so these live beside the survey texts rather than in the Babel
catalogues. Translations made here need review by native speakers.
"""

from __future__ import annotations

from ..languages.texts import translate

TEXTS = {
    "heard_link": {
        "en": "What we heard, what we are doing",
        "fr": "Ce que nous avons entendu, ce que nous faisons",
        "ar": "ما سمعناه، وما نفعله",
        "sw": "Tulichosikia, tunachofanya",
    },
    "heard_poster": {
        "en": "See what the community said and what the city is doing about it:",
        "fr": "Voyez ce que la communauté a dit et ce que la ville fait en réponse :",
        "ar": "اطّلع على ما قاله المجتمع وما تفعله المدينة حياله:",
        "sw": "Ona jamii ilisema nini na jiji linafanya nini kuhusu hilo:",
    },
}


def heard_text(key: str, language: str) -> str:
    return translate(TEXTS[key], language)
