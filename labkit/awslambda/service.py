"""The ``lambda`` service in the sandbox: moto stores functions; labkit runs them.

moto keeps what ``CreateFunction``, ``GetFunction``, ``ListFunctions``, ``AddPermission``... store, and
answers ``Invoke`` by starting a Docker container (which learners on Binder or a class hub do not
have), or with a canned string. Here:

* ``Invoke`` (*API_Invoke*, https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html) runs the
  handler in a warm execution environment (:mod:`.runtime`) for ``RequestResponse`` (200, the payload,
  ``X-Amz-Function-Error: Unhandled`` and the error document when the function fails, ``X-Amz-Log-Result``
  with ``LogType=Tail``), ``Event`` (202 at once; the function runs on its own thread) and ``DryRun``
  (204: the caller may invoke). ``lambda:InvokeFunction`` of the caller is checked by the IAM guard
  before this service sees the request.
* ``CreateFunction`` / ``UpdateFunctionConfiguration`` / ``UpdateFunctionCode`` first make the checks
  Lambda makes and moto does not: the execution role must trust ``lambda.amazonaws.com`` ("The role
  defined for the function cannot be assumed by Lambda."), the deployment package must be a zip file,
  and reserved environment variables cannot be set.

Every run also goes to CloudWatch Logs (moto's), in ``/aws/lambda/<function>`` as Lambda writes it
(``START``/``END``/``REPORT`` lines around what the handler printed).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import threading
import time
import uuid
import zipfile

from .. import actions, moto_adapter
from ..errors import NotSimulated, ServiceError
from ..wire import protocols
from ..wire.dispatch import Service
from ..wire.request import Response
from . import exceptions as exc
from .runtime import RESERVED, Environments, Outcome, Spec, TooManyEnvironments

INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"


def _backend(sandbox, region: str):
    return moto_adapter.backend("lambda", sandbox.account_id, region)


class LambdaService(Service):
    """``lambda`` (rest-json): Invoke runs code; the checks moto skips on create and update."""

    signing_name = "lambda"
    protocol = "rest-json"

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.environments = Environments(sandbox)
        self._routes = {
            "Invoke": self._invoke,
            "CreateFunction": self._create_function,
            "UpdateFunctionConfiguration": self._update_configuration,
            "UpdateFunctionCode": self._update_code,
        }

    # ---------------------------------------------------------------- dispatch
    def handle(self, request):
        operation, uri = actions.rest_operation(request)
        fn = self._routes.get(operation or "")
        if fn is None:
            return None
        request.operation = operation
        try:
            return fn(request, uri)
        except ServiceError as err:
            return protocols.json_error(err, "application/json")

    def _moto(self, request):
        return self.sandbox.dispatcher.moto(request)

    # ---------------------------------------------------------------- create / update checks
    def _json(self, request) -> dict:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def _check_role(self, role_arn):
        from ..sts.sessions import TrustRefused, check_trust, find_role

        if not isinstance(role_arn, str) or not role_arn.startswith("arn:"):
            return  # moto answers the malformed ARN itself
        role = find_role(self.sandbox, role_arn)
        try:
            if role is None:
                raise TrustRefused("no such role")
            check_trust(self.sandbox, role, "sts:AssumeRole", LAMBDA_PRINCIPAL, {})
        except TrustRefused:
            raise exc.InvalidParameterValue("The role defined for the function cannot be assumed by Lambda.") from None

    @staticmethod
    def _check_variables(params):
        variables = ((params.get("Environment") or {}).get("Variables")) or {}
        reserved = sorted(k for k in variables if k in RESERVED)
        if reserved:
            raise exc.InvalidParameterValue(
                "Lambda was unable to configure your environment variables because the environment variables you "
                "have provided contains reserved keys that are currently not supported for modification. "
                f"Reserved keys used in this request: {', '.join(reserved)}")

    @staticmethod
    def _check_zip(encoded):
        if encoded is None:
            return
        try:
            data = base64.b64decode(encoded, validate=True)
            zipfile.ZipFile(io.BytesIO(data)).testzip()
        except (binascii.Error, zipfile.BadZipFile, ValueError, TypeError):
            raise exc.InvalidParameterValue("Could not unzip uploaded file. Please check your file, then try to upload again.") from None

    def _create_function(self, request, uri):
        params = self._json(request)
        self._check_role(params.get("Role"))
        self._check_variables(params)
        code = params.get("Code") or {}
        if not (code.get("ZipFile") or code.get("ImageUri") or (code.get("S3Bucket") and code.get("S3Key"))):
            # moto would store a function without code, and every later ListFunctions/GetFunction of the
            # account would fail; the wording is labkit's best reconstruction of Lambda's refusal.
            raise exc.InvalidParameterValue("Please provide a source for function code: Code needs ZipFile, "
                                            "S3Bucket and S3Key, or ImageUri.")
        self._check_zip(code.get("ZipFile"))
        return self._moto(request)

    def _update_configuration(self, request, uri):
        params = self._json(request)
        if "Role" in params:
            self._check_role(params["Role"])
        self._check_variables(params)
        return self._moto(request)

    def _update_code(self, request, uri):
        self._check_zip(self._json(request).get("ZipFile"))
        return self._moto(request)

    # ---------------------------------------------------------------- Invoke
    def function(self, name: str, qualifier: str | None, region: str):
        """moto's function (a version or alias resolved), or None."""
        try:
            return _backend(self.sandbox, region).get_function(name, qualifier)
        except (moto_adapter.MotoError, KeyError, ValueError):
            return None

    def _invoke(self, request, uri):
        name = uri.get("FunctionName", "")
        qualifier = (request.query.get("Qualifier") or [None])[0]
        kind = request.header("X-Amz-Invocation-Type") or "RequestResponse"
        if kind not in INVOCATION_TYPES:
            raise exc.Validation(f"1 validation error detected: Value '{kind}' at 'invocationType' failed to satisfy "
                                 "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        fn = self.function(name, qualifier, request.region)
        if fn is None:
            return self._moto(request)  # moto's ResourceNotFoundException, as Lambda words it
        if kind == "DryRun":
            return Response(204, {"x-amzn-RequestId": str(uuid.uuid4())}, b"")
        body = request.body or b""
        if len(body) > MAX_SYNC_PAYLOAD:
            raise exc.RequestTooLarge()
        text = _event_text(body)
        client_context = None
        encoded = request.header("X-Amz-Client-Context")
        if encoded:
            try:
                client_context = json.loads(base64.b64decode(encoded))
            except (ValueError, binascii.Error):
                raise exc.InvalidRequestContent("Client context must be a valid Base64-encoded JSON object.") from None
        invoked_arn = _invoked_arn(fn, name, qualifier)
        if kind == "Event":
            request_id = str(uuid.uuid4())
            threading.Thread(target=self._run_event, args=(fn, text, request_id, invoked_arn),
                             name="labkit-lambda-event", daemon=True).start()
            return Response(202, {"x-amzn-RequestId": request_id, "Content-Length": "0"}, b"")
        outcome = self.run(fn, text, invoked_arn=invoked_arn, client_context=client_context)
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": outcome.request_id,
                   "X-Amz-Executed-Version": str(fn.version)}
        if outcome.failed:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if (request.header("X-Amz-Log-Type") or "None") == "Tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(outcome.log.encode("utf-8")[-4096:]).decode()
        return Response(200, headers, outcome.body())

    # ---------------------------------------------------------------- running
    def spec(self, fn) -> Spec:
        runtime = fn.run_time or ""
        if not runtime.startswith("python3"):
            raise NotSimulated(
                f"The sandbox runs Lambda functions written in Python (runtime python3.x) on this machine's Python; "
                f"{fn.function_name!r} has runtime {runtime or fn.package_type!r}.")
        return Spec(
            function_name=fn.function_name, function_arn=fn.function_arn, version=str(fn.version), runtime=runtime,
            handler=fn.handler or "", role=fn.role, code=fn.code_bytes, code_sha256=fn.code_sha_256,
            memory=int(fn.memory_size or 128), timeout=float(fn.timeout or 3), variables=dict(fn.environment_vars or {}),
        )

    def _credentials(self, spec: Spec):
        """Lambda assumes the execution role for the environment: "Lambda ... obtains temporary security
        credentials ... session name is the function name" (*Lambda execution role*)."""
        from ..sts.sessions import find_role

        role = find_role(self.sandbox, spec.role)
        role_id = role.id if role is not None else "AROA" + uuid.uuid4().hex[:17].upper()
        from .runtime import CREDENTIAL_SECONDS

        return self.sandbox.issued.issue(
            role_arn=spec.role, role_id=role_id, session_name=spec.function_name, duration=CREDENTIAL_SECONDS,
            source="Lambda", context={"lambda:SourceFunctionArn": spec.function_arn, "aws:PrincipalType": "AssumedRole"})

    def run(self, fn, event_text: str, *, request_id: str | None = None, invoked_arn: str | None = None,
            identity: dict | None = None, client_context: dict | None = None) -> Outcome:
        """Run one invocation of moto's function ``fn`` with ``event_text`` (JSON) and return its Outcome."""
        spec = self.spec(fn)
        request_id = request_id or str(uuid.uuid4())
        try:
            env = self.environments.acquire(spec, self._credentials)
        except TooManyEnvironments:
            raise exc.TooManyRequests() from None
        try:
            outcome = env.invoke(event_text, request_id, invoked_arn or fn.function_arn, identity, client_context)
        finally:
            self.environments.release(env)
        outcome.log = _log_lines(spec, outcome, env)
        self._to_cloudwatch(fn, env, outcome)
        return outcome

    def _run_event(self, fn, text, request_id, invoked_arn):
        """An asynchronous invocation: its result goes nowhere but the function's log (no destinations
        or retries are simulated)."""
        try:
            self.run(fn, text, request_id=request_id, invoked_arn=invoked_arn)
        except Exception:  # noqa: BLE001 - the caller had its 202 already
            pass

    def _to_cloudwatch(self, fn, env, outcome: Outcome):
        try:
            logs = moto_adapter.backend("logs", self.sandbox.account_id, fn.region)
            group = f"/aws/lambda/{fn.function_name}"
            logs.ensure_log_group(group)
            if env.log_stream not in logs.groups[group].streams:
                logs.create_log_stream(group, env.log_stream)
            now = int(time.time() * 1000)
            events = [{"timestamp": now, "message": line} for line in outcome.log.splitlines() if line]
            if events:
                logs.put_log_events(group, env.log_stream, events)
        except Exception:  # logs are a courtesy; never fail an invoke for them
            pass


def _event_text(body: bytes) -> str:
    """The payload as JSON text; Lambda refuses what is not JSON (*Invoke*, InvalidRequestContentException)."""
    if not body.strip():
        return ""
    try:
        text = body.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise exc.InvalidRequestContent(
            f"Could not parse request body into json: Could not parse payload into json: {error}") from None
    except RecursionError:  # nested deeper than Python's parser goes (was a 500)
        raise exc.InvalidRequestContent(
            "Could not parse request body into json: Could not parse payload into json: nesting too deep") from None
    return text


def _invoked_arn(fn, name: str, qualifier: str | None) -> str:
    """The ARN the caller used (``context.invoked_function_arn``): with the qualifier when one was given."""
    base = fn.function_arn.split(":function:")[0] + ":function:" + fn.function_name
    if name.startswith("arn:") and name.count(":") == 7:
        return name
    return f"{base}:{qualifier}" if qualifier else base


def _log_lines(spec: Spec, outcome: Outcome, env) -> str:
    """What Lambda writes to the function's log stream for one invocation (*Working with Lambda function
    logs*): START, the function's own output, END and REPORT."""
    import sys

    head = []
    if outcome.cold:
        here = f"python{sys.version_info.major}.{sys.version_info.minor}"
        if here != spec.runtime:
            head.append(f"labkit: runtime {spec.runtime} runs on this machine's Python {sys.version.split()[0]}")
    head.append(f"START RequestId: {outcome.request_id} Version: {spec.version}")
    body = outcome.log
    if body and not body.endswith("\n"):
        body += "\n"
    billed = max(1, int(outcome.duration_ms + 0.999))
    report = (f"REPORT RequestId: {outcome.request_id}\tDuration: {outcome.duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
              f"Memory Size: {spec.memory} MB")
    if outcome.cold and outcome.init_ms:
        report += f"\tInit Duration: {outcome.init_ms:.2f} ms"
    return "\n".join(head) + "\n" + body + f"END RequestId: {outcome.request_id}\n" + report + "\n"
