"""``labkit.show``: pictures and small apps that make Cognito's flows visible.

    mark = sb.calls.last_seq
    ...                                              # the learner's boto3 calls
    labkit.show.flow(sb, since=mark)                 # those calls, as a sequence diagram stepped one at a time
    labkit.show.token(id_token, client_id=CLIENT)    # a JWT's header, claims and signature, and the verdict
    labkit.show.signin_panel(sb, pool_id, client_id) # sign up / confirm / sign in / MFA, with real boto3
    labkit.show.decision(sb)                         # the IAM statements that allowed or denied a call

Each returns an ipywidgets widget that also leaves a readable, deterministic HTML and text snapshot
where no kernel runs (GitHub, nbviewer, a notebook's stored outputs).
"""

from .decision import DecisionExplorer, decision
from .flow import FlowPlayer, flow
from .signin import SignInPanel, signin_panel
from .token import TokenInspector, token

__all__ = ["flow", "token", "signin_panel", "decision", "FlowPlayer", "TokenInspector", "SignInPanel", "DecisionExplorer"]
