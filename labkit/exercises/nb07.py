"""Exercises of notebook 07 · Enterprise SAML: predict STS's answers, write a trust policy, survive a
certificate rollover, get identity-pool credentials for the role the app asks for.

AWS: STS ``AssumeRoleWithSAML``; IAM User Guide "SAML 2.0 federation", "Troubleshoot SAML federation";
Amazon Cognito Developer Guide "Setting up SAML as an identity pool IdP" (saml-identity-provider.html:
``Logins`` keyed by the SAML provider ARN, ``CustomRoleArn`` when the assertion grants several roles).
"""

from __future__ import annotations

import json

from . import fixtures as fx
from .core import Exercise

NOTEBOOK = "07-enterprise-saml"
SIGNIN = "https://signin.aws.amazon.com/saml"


def console_trust_policy(provider_arn: str) -> dict:
    """The trust policy the IAM console writes for "SAML 2.0 federation" (as in the notebook's Step 3)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": SIGNIN}}}]}


class Company:
    """A directory (AD FS) registered in IAM as a SAML provider, with a role its group is granted."""

    def __init__(self, run, label: str, role_arn: str | None = None):
        self.run = run
        self.iam = fx.client(run, "iam")
        name = run.name(f"ex07{label}")
        self.ad = run.sb.idp("active-directory", directory=name)
        if "alice" not in self.ad.users:
            self.ad.add_user("alice", "Wonderland-2026", groups=["AWS-Developers"])
        self.provider_arn = self.iam.create_saml_provider(Name=name.capitalize(), SAMLMetadataDocument=self.ad.metadata)["SAMLProviderArn"]
        if role_arn is None:
            role_arn = self.iam.create_role(RoleName=f"{name.capitalize()}Developers",
                                            AssumeRolePolicyDocument=json.dumps(console_trust_policy(self.provider_arn)))["Role"]["Arn"]
        self.role_arn = role_arn
        self.ad.grant("AWS-Developers", role_arn, self.provider_arn)

    def assume(self, assertion: str | None = None, role_arn: str | None = None) -> str | None:
        """The STS error code for this assertion (a fresh sign-in of alice by default), or None if accepted."""
        assertion = assertion or self.ad.sign_in("alice", "Wonderland-2026")
        sts = fx.client(self.run, "sts")
        return fx.error_code(lambda: sts.assume_role_with_saml(RoleArn=role_arn or self.role_arn, PrincipalArn=self.provider_arn,
                                                               SAMLAssertion=assertion))

    def old_assertion(self, minutes: float) -> str:
        """An assertion AD FS issued ``minutes`` ago (the sandbox's clock is put back while it signs)."""
        clock = self.run.sb.clock
        clock.offset -= minutes * 60
        try:
            return self.ad.sign_in("alice", "Wonderland-2026")
        finally:
            clock.offset += minutes * 60


# ---------------------------------------------------------------------------------------------- 07.1
SCENARIOS = {
    "unsigned": "Alice's assertion with its signature removed (saml.unsigned)",
    "role not granted": "A valid assertion of Alice, asking for a role her groups do not grant",
    "for another application": "A valid assertion AD FS issued for the wiki, not for AWS",
    "redeemed 6 minutes later": "A valid assertion, used 6 minutes after AD FS issued it",
}


def _check_predictions(predictions, run):
    from labkit import saml

    if not isinstance(predictions, dict):
        run.stop(f"predictions is a {type(predictions).__name__}; it must be a dict from each scenario to an error code.")
    missing = [key for key in SCENARIOS if key not in predictions]
    if missing:
        run.stop(f"predictions lacks {', '.join(repr(m) for m in missing)}.", "Keep the four keys of the starter cell.")
    corp = Company(run, "a")
    admins = fx.client(run, "iam").create_role(RoleName=run.name("Ex07Admins"),
                                               AssumeRolePolicyDocument=json.dumps(console_trust_policy(corp.provider_arn)))["Role"]["Arn"]
    fresh = corp.ad.sign_in("alice", "Wonderland-2026")
    actual = {
        "unsigned": corp.assume(saml.unsigned(fresh)),
        "role not granted": corp.assume(fresh, role_arn=admins),
        "for another application": corp.assume(corp.ad.sign_in("alice", "Wonderland-2026", audience="https://wiki.corp.example.com/saml")),
        "redeemed 6 minutes later": corp.assume(corp.old_assertion(6)),
    }
    for key, description in SCENARIOS.items():
        said = predictions[key]
        said = said.strip() if isinstance(said, str) else said
        if said is Ellipsis or said is None:
            run.failed(f"{description}: no prediction yet.", "Replace its ... with an error code.")
            continue
        run.expect(said == actual[key], f"{description}: STS does not answer {said!r}.",
                   _WHY[key], passed_text=f"{description}: {actual[key]}.")


_WHY = {
    "unsigned": "Without a signature that verifies with the provider's certificate, STS cannot trust anything in the "
                "assertion: the assertion itself is refused.",
    "role not granted": "The assertion is genuine, but the requested role/provider pair is not in its Role attribute: "
                        "STS is not authorized to give that role.",
    "for another application": "The assertion's Audience is the wiki, not AWS: the assertion itself is refused.",
    "redeemed 6 minutes later": "AWS wants an assertion redeemed within 5 minutes of its IssueInstant; this one is too old.",
}


# ---------------------------------------------------------------------------------------------- 07.2
def _check_shared_trust(shared_trust_policy, run):
    if not callable(shared_trust_policy):
        run.stop(f"shared_trust_policy is a {type(shared_trust_policy).__name__}, not a function.",
                 "Define it with def shared_trust_policy(provider_arns): ... returning a policy dict.")
    iam = fx.client(run, "iam")
    corp = Company(run, "corp")
    fabrikam = Company(run, "fabrikam")
    other = Company(run, "other")
    providers = [corp.provider_arn, fabrikam.provider_arn]
    policy = run.call(shared_trust_policy, list(providers), doing="writing the trust policy for two providers")
    policy = fx.as_policy(run, policy, "trust policy")
    try:
        role_arn = iam.create_role(RoleName=run.name("Ex07Shared"), AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    except Exception as exc:
        from .explain import meaning, name

        run.stop(f"IAM refused your trust policy: {name(exc)}.", meaning(exc))
    for company, label in ((corp, "corp.example.com"), (fabrikam, "fabrikam's directory")):
        company.ad.grant("AWS-Developers", role_arn, company.provider_arn)
        code = company.assume(role_arn=role_arn)
        run.expect(code is None, f"Alice of {label} could not assume the shared role: STS answered {code}.",
                   "The trust policy must allow sts:AssumeRoleWithSAML for Federated: <each provider ARN> (a list works), "
                   f"with SAML:aud = {SIGNIN} (the assertion's Recipient, not its Audience).",
                   passed_text=f"Alice of {label} assumes the shared role.")
    other.ad.grant("AWS-Developers", role_arn, other.provider_arn)
    code = other.assume(role_arn=role_arn)
    if not run.expect(code is not None, "A third directory that also grants the role got in: your trust policy trusts too much.",
                      "Name exactly the providers the function was given in Principal.Federated; never \"*\".",
                      passed_text=f"A third directory, not in the policy, is refused ({code})."):
        return
    code = fx.error_code(lambda: fx.client(run, "sts").assume_role(RoleArn=role_arn, RoleSessionName="exercise"))
    run.expect(code is not None, "The account's own IAM principals can assume the shared role with sts:AssumeRole.",
               "The role is for the directories' users: trust the SAML providers, for sts:AssumeRoleWithSAML only.",
               passed_text=f"The account's own principals cannot assume it with sts:AssumeRole ({code}).")
    # A second call, for one other provider: the function must build the policy from its argument.
    policy = fx.as_policy(run, run.call(shared_trust_policy, [other.provider_arn], doing="writing the trust policy for one provider"),
                          "trust policy")
    try:
        solo_arn = iam.create_role(RoleName=run.name("Ex07Solo"), AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    except Exception as exc:
        from .explain import meaning, name

        run.stop(f"For a list of one provider, IAM refused your trust policy: {name(exc)}.", meaning(exc))
    other.ad.grant("AWS-Developers", solo_arn, other.provider_arn)
    corp.ad.grant("AWS-Developers", solo_arn, corp.provider_arn)
    code_other, code_corp = other.assume(role_arn=solo_arn), corp.assume(role_arn=solo_arn)
    run.expect(code_other is None and code_corp is not None,
               "Called with another list of providers, your function's policy does not trust exactly that list.",
               "Build Principal.Federated from the provider_arns argument, whatever it holds.",
               passed_text="Called for one other provider, the policy trusts that provider and no other.")


# ---------------------------------------------------------------------------------------------- 07.3
def _check_rollover(trust_new_certificate, run):
    if not callable(trust_new_certificate):
        run.stop(f"trust_new_certificate is a {type(trust_new_certificate).__name__}, not a function.",
                 "Define it with def trust_new_certificate(ad, provider_arn): ...")
    corp = Company(run, "roll")
    before = corp.assume()
    corp.ad.rotate_certificate()
    broken = corp.assume()
    if before is not None or broken is None:
        run.stop("The set-up did not behave as the notebook showed; please report this exercise.")
    run.call(trust_new_certificate, corp.ad, corp.provider_arn, doing="fixing the provider after the rollover")
    code = corp.assume()
    run.expect(code is None, f"After your function, an assertion signed with the new certificate still gets {code}.",
               "IAM verifies signatures only with the certificates of the provider's metadata. Give IAM the directory's new "
               "metadata (ad.metadata) for the existing provider.",
               passed_text="An assertion signed with the new certificate is accepted again.")
    providers = [p["Arn"] for p in fx.client(run, "iam").list_saml_providers()["SAMLProviderList"]]
    run.expect(corp.provider_arn in providers, "The provider is gone: roles and AD FS claim rules name its ARN.",
               "Update the provider in place rather than deleting it.", passed_text="The same provider (same ARN) is kept.")




# ---------------------------------------------------------------------------------------------- 07.4
def cognito_trust_policy(identity_pool_id: str) -> dict:
    """The trust policy of a role an identity pool gives its signed-in identities (aud and amr)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]}


class SamlIdentityPool:
    """A directory of its own, its IAM SAML provider, an identity pool listing it in SamlProviderARNs and
    two roles (reader, writer) that the group ``App-Users`` grants; users the notebook never made."""

    def __init__(self, run, label: str):
        self.run = run
        iam = fx.client(run, "iam")
        name = run.name(f"ex07{label}")
        self.ad = run.sb.idp("active-directory", directory=name)
        self.provider_arn = iam.create_saml_provider(Name=f"{name.capitalize()}Saml", SAMLMetadataDocument=self.ad.metadata)["SAMLProviderArn"]
        self.pool_id = fx.client(run, "cognito-identity").create_identity_pool(
            IdentityPoolName=name, AllowUnauthenticatedIdentities=False, SamlProviderARNs=[self.provider_arn])["IdentityPoolId"]
        trust = json.dumps(cognito_trust_policy(self.pool_id))
        self.reader, self.writer = (iam.create_role(RoleName=f"{name.capitalize()}{kind}", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
                                    for kind in ("Reader", "Writer"))
        fx.client(run, "cognito-identity").set_identity_pool_roles(IdentityPoolId=self.pool_id, Roles={"authenticated": self.reader})
        self.ad.grant("App-Users", self.reader, self.provider_arn)
        self.ad.grant("App-Users", self.writer, self.provider_arn)
        for user in ("dana", "erik"):
            if user not in self.ad.users:
                self.ad.add_user(user, "Directory-2026", groups=["App-Users"])

    def sign_in(self, user: str) -> str:
        return self.ad.sign_in(user, "Directory-2026")


def _check_saml_credentials(credentials_for_role, run):
    if not callable(credentials_for_role):
        run.stop(f"credentials_for_role is a {type(credentials_for_role).__name__}, not a function.",
                 "Define it with def credentials_for_role(identity_pool_id, provider_arn, saml_response, role_arn): ...")
    corp, other = SamlIdentityPool(run, "ip"), SamlIdentityPool(run, "iq")  # two companies: the function must use its arguments
    seen = {}
    for corp, user, role, what in ((corp, "dana", corp.writer, "the writer role"), (corp, "dana", corp.reader, "the reader role"),
                                   (other, "erik", other.writer, "the writer role of another company's pool")):
        creds = run.call(credentials_for_role, corp.pool_id, corp.provider_arn, corp.sign_in(user), role,
                         doing=f"getting {user}'s credentials for {what}",
                         advice="The identity pool takes the SAMLResponse in Logins, keyed by the SAML provider's ARN.")
        if not isinstance(creds, dict) or not creds.get("AccessKeyId"):
            run.stop(f"For {user} and {what} your function returned {type(creds).__name__}, not the Credentials dict.",
                     "Return the Credentials of GetCredentialsForIdentity's answer.")
        issued = run.sb.issued.get(creds["AccessKeyId"])
        if issued is None:
            run.stop(f"The credentials for {user} are not ones this sandbox issued.", "Return the credentials AWS gave your call.")
        context = getattr(issued, "context", {}) or {}
        from_pool = context.get("cognito-identity.amazonaws.com:aud") == corp.pool_id
        if not run.expect(from_pool, f"{user}'s credentials for {what} do not come from the identity pool the function was given.",
                          "Ask Cognito Identity (GetId, then GetCredentialsForIdentity) of the identity_pool_id argument; "
                          "STS alone cannot give these roles, which trust cognito-identity.amazonaws.com.",
                          passed_text=f"{user}'s credentials come from the identity pool."):
            return
        run.expect(issued.role_arn == role, f"{user} asked for {what} but got the role {fx.role_name(issued.role_arn)}.",
                   "The assertion grants two roles: the identity pool takes the one the app names, in the "
                   "GetCredentialsForIdentity request.", passed_text=f"{user} gets {what}.")
        seen.setdefault(user, set()).add(context.get("cognito-identity.amazonaws.com:sub"))
    run.expect(len(seen.get("dana", ())) == 1, "Dana's two calls did not use one identity.",
               "GetId with the user's own login returns that user's identity, the same every time.",
               passed_text="Dana's two calls use her one identity.")


EXERCISES = [
    Exercise(
        id="07.1", notebook=NOTEBOOK, level="read", kind="value",
        title="Predict STS's answers",
        prompt="For each scenario, predict the error code `AssumeRoleWithSAML` answers (`\"InvalidIdentityToken\"`, "
               "`\"AccessDenied\"`, `\"ExpiredTokenException\"`...). The check builds each scenario in a directory of "
               "its own and compares.",
        starter=('predictions = {\n'
                 '    "unsigned": ...,                  # the signature removed\n'
                 '    "role not granted": ...,          # a role Alice\'s groups do not grant\n'
                 '    "for another application": ...,   # an assertion AD FS issued for the wiki\n'
                 '    "redeemed 6 minutes later": ...,  # a valid assertion, used too late\n'
                 '}\n\n'
                 'check("07.1", predictions)'),
        hints=["Two kinds of refusal: the assertion itself is not trusted (signature, issuer, audience), or it is trusted "
               "but does not allow the request (role, trust policy). Time has its own error.",
               "Step 7 of the notebook shows all four."],
        checker=_check_predictions,
    ),
    Exercise(
        id="07.2", notebook=NOTEBOOK, level="write", kind="function",
        title="One role, two directories",
        prompt="After a merger, employees of two companies (two AD FS, two IAM SAML providers) must reach the same "
               "role. Write `shared_trust_policy(provider_arns)` returning the role's trust policy: users of both "
               "providers may assume it, users of any other SAML provider may not. The check creates three "
               "directories and tries each.",
        starter=("def shared_trust_policy(provider_arns):\n"
                 '    """The trust policy of a role that users of every provider in provider_arns may assume."""\n'
                 "    ...\n\n"
                 'check("07.2", shared_trust_policy)'),
        hints=["Start from saml_trust_policy in Step 3.",
               "Principal.Federated may be a list of provider ARNs.",
               "Keep the condition SAML:aud = https://signin.aws.amazon.com/saml (the Recipient), and the action "
               "sts:AssumeRoleWithSAML."],
        checker=_check_shared_trust,
    ),
    Exercise(
        id="07.3", notebook=NOTEBOOK, level="use", kind="function",
        title="Certificate rollover",
        prompt="AD FS has rolled over its signing certificate (`ad.rotate_certificate()`), and every sign-in now fails "
               "with `InvalidIdentityToken`. Write `trust_new_certificate(ad, provider_arn)` that makes AWS accept the new "
               "assertions again, with plain boto3, keeping the provider (roles and claim rules name its ARN).",
        starter=("def trust_new_certificate(ad, provider_arn):\n"
                 '    """Make IAM trust the directory\'s new signing certificate."""\n'
                 "    ...\n\n"
                 'check("07.3", trust_new_certificate)'),
        hints=["IAM knows the certificate only through the metadata you registered.",
               "iam.update_saml_provider(SAMLProviderArn=..., SAMLMetadataDocument=ad.metadata)."],
        checker=_check_rollover,
    ),
    Exercise(
        id="07.4", notebook=NOTEBOOK, level="use", kind="function",
        title="The role the app asks for",
        prompt="An identity pool lists a directory's IAM SAML provider in `SamlProviderARNs`, and the directory's group "
               "grants two roles. Write `credentials_for_role(identity_pool_id, provider_arn, saml_response, role_arn)` "
               "returning the `Credentials` Cognito Identity gives for `role_arn`. The check makes a directory, an "
               "identity pool and users of its own, and asks for each role.",
        starter=("def credentials_for_role(identity_pool_id, provider_arn, saml_response, role_arn):\n"
                 '    """AWS credentials for role_arn, from the identity pool, for the user of saml_response."""\n'
                 "    ...\n\n"
                 'check("07.4", credentials_for_role)'),
        hints=["Step 10 does it for Alice.",
               "Logins={provider_arn: saml_response} in GetId and in GetCredentialsForIdentity.",
               "With several roles in the assertion, GetCredentialsForIdentity needs to be told which one."],
        checker=_check_saml_credentials,
    ),
]
