"""Wire shapes of the read API: domain rows turned into Langfuse's JSON (camelCase).

One module per resource (``traces``, ``observations``, ``scores``, ``sessions``) and
``wire`` for what they share: JSON-text decoding, offset-page ``meta``, keyset cursors
and the timestamps every row carries.

Stored values are text: ``input``/``output`` hold the raw string the SDK sent or JSON
text, and each metadata value likewise. The v1 shapes decode what parses as JSON and
keep the rest as strings (as Langfuse does); ``/v2/observations`` returns the stored text.
"""
