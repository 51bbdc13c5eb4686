"""schemathesis hooks for Kefu's API (loaded through SCHEMATHESIS_HOOKS by schemathesis.sh).

The API takes one non-JSON body, a prompt upload (`PUT /api/v1/prompts/{name}`, `audio/wav`);
schemathesis has no serializer for that media type, so it is taught to send the generated
bytes as they are.
"""

import schemathesis
from schemathesis.transport.serialization import serialize_binary


@schemathesis.serializer("audio/wav")
def wav(ctx, value):
    return serialize_binary(value)
