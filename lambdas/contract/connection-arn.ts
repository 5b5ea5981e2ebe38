/**
 * EventBridge connection ARNs (`arn:<partition>:events:<region>:<account>:connection/<name>/<id>`),
 * as an HTTP Task's `Authentication.ConnectionArn` names them: the task router reads the
 * connection, the CDK construct grants reading it and its secret.
 */
export const CONNECTION_ARN =
  /^arn:(aws[a-z-]*):events:([a-z0-9-]+):(\d{12}):connection\/([A-Za-z0-9._-]+)\/([A-Za-z0-9-]+)$/;
