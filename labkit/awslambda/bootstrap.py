"""The execution environment's side of a labkit Lambda function: run in its own Python process.

This file is started as a script (``python -I bootstrap.py``), never imported by labkit, and imports
nothing of labkit: the handler's process knows only its code (``LAMBDA_TASK_ROOT``), its environment
variables and the role credentials Lambda gave it, as on AWS. It plays the part of the Lambda runtime
interface client of the Python runtimes ("Lambda runtime API", *Using the Lambda runtime API for custom
runtimes*, https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html, and AWS's open-source
``awslambdaric``):

* init (when the environment starts; a failed init is tried again by the next invoke, in a new
  environment): import the handler's module; the errors are the runtime's own, ``Runtime.MalformedHandlerName``,
  ``Runtime.ImportModuleError``, ``Runtime.UserCodeSyntaxError``, ``Runtime.HandlerNotFound``;
* each invoke: build the context object (*Using the Lambda context object to retrieve Python function
  information*, https://docs.aws.amazon.com/lambda/latest/dg/python-context.html), call
  ``handler(event, context)``, and answer the JSON of the result, or the error document
  ``{"errorMessage", "errorType", "requestId", "stackTrace"}`` (*AWS Lambda function errors in
  Python*, https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html).

The protocol with the sandbox: one JSON line per invoke on stdin; one JSON line per answer on the file
descriptor named by ``LABKIT_LAMBDA_RESULT_FD``. What the handler prints is the invocation's log.
"""

import importlib
import io
import json
import os
import sys
import time
import traceback

_RESULT = os.fdopen(int(os.environ.pop("LABKIT_LAMBDA_RESULT_FD")), "w", buffering=1, encoding="utf-8")
_COMMANDS = sys.stdin
_HANDLER = None


class _Fault(Exception):
    def __init__(self, kind, message, trace=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.trace = trace or []


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


class LambdaContext:
    """The Python runtime's context object (the same attributes and method)."""

    def __init__(self, request_id, deadline_ms, invoked_function_arn, identity=None, client_context=None):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a str, as on AWS
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.identity = CognitoIdentity()
        self.identity.cognito_identity_id = (identity or {}).get("cognitoIdentityId")
        self.identity.cognito_identity_pool_id = (identity or {}).get("cognitoIdentityPoolId")
        self.client_context = None
        if client_context is not None:
            self.client_context = ClientContext()
            for name in ClientContext.__slots__:
                setattr(self.client_context, name, client_context.get(name))
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        left = self._deadline_ms - int(time.time() * 1000)
        return left if left > 0 else 0

    def __repr__(self):
        return (f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},invoked_function_arn={self.invoked_function_arn}])")


def _load_handler(spec):
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as exc:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {exc}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _Fault("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise _Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise _Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'") from None


def _user_frames(tb):
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if not frame.filename.endswith("bootstrap.py"):
            return traceback.format_list(frames[i:])
    return []


def _error(message, kind, trace, request_id):
    return {"errorMessage": message or "", "errorType": kind or "", "requestId": request_id or "", "stackTrace": trace or []}


def _error_log(error):
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}" if error["errorType"] else f"[ERROR] {error['errorMessage']}"]
    lines.append("Traceback (most recent call last):")
    for element in error["stackTrace"]:
        lines += element.splitlines()
    return "\r".join(lines) + "\n"


def _init():
    """The init phase: import the handler's module (its module-level code runs here, once)."""
    global _HANDLER
    try:
        _HANDLER = _load_handler(os.environ["_HANDLER"])
    except _Fault as fault:  # an init error is the environment's, not a request's: no requestId
        return _error(fault.message, fault.kind, fault.trace, "")
    except Exception:
        kind, value, tb = sys.exc_info()
        return _error(str(value), kind.__name__, _user_frames(tb), "")
    return None


def _invoke(command):
    request_id = command["request_id"]
    try:
        event = json.loads(command["event"]) if command["event"] else {}
        context = LambdaContext(request_id, command["deadline_ms"], command["invoked_function_arn"],
                                command.get("identity"), command.get("client_context"))
        result = _HANDLER(event, context)
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
        return {"payload": payload}
    except _Fault as fault:
        error = _error(fault.message, fault.kind, fault.trace, request_id)
    except Exception:
        kind, value, tb = sys.exc_info()
        error = _error(str(value), kind.__name__, _user_frames(tb), request_id)
    sys.stdout.write(_error_log(error))
    return {"error": error}


class _Log(io.TextIOBase):
    """stdout and stderr of the handler: the invocation's log, as CloudWatch Logs would receive it."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)
        return len(text)

    def writable(self):
        return True


def main():
    os.chdir(os.environ["LAMBDA_TASK_ROOT"])
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    log = _Log()
    sys.stdout = sys.stderr = log
    started = time.time()
    error = _init()
    if error is not None:
        sys.stdout.write(_error_log(error))
    init = {"init": "error" if error else "ok", "error": error, "log": "".join(log.parts),
            "init_ms": (time.time() - started) * 1000}
    _RESULT.write(json.dumps(init) + "\n")
    if error is not None:
        return
    for line in _COMMANDS:
        if not line.strip():
            continue
        command = json.loads(line)
        log.parts = []
        answer = _invoke(command)
        answer["log"] = "".join(log.parts)
        _RESULT.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
