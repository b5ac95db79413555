"""The wire: how requests reach the sandbox's services and how answers go back.

Nothing in here knows what Cognito *means*. A request arrives by one of two transports --
``inprocess`` (a botocore hook: boto3 in the kernel, no port) or ``http`` (werkzeug on 127.0.0.1:
browsers, the AWS CLI, other SDKs) -- is normalised into one :class:`~labkit.wire.request.Request`,
and the :class:`~labkit.wire.dispatch.Dispatcher` hands it to the service that owns it (or to moto).
"""
