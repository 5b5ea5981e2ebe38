/**
 * The names behind `arn:aws:states:::aws-sdk:<service>:<action>`: Step Functions names the service
 * as the AWS SDK does, lower-cased (`s3`, `sfn`, `cloudwatchlogs`, `redshiftdata`), and the action
 * as the API operation in camel case (`getObject`). From them follow the AWS SDK for JavaScript v3
 * client package and command class the orchestrator calls, and the IAM action the call needs.
 */
import { CLIENT_NAMES, IAM_PREFIXES } from './aws-sdk-services.generated.js';

/** The v3 client package suffix of a service: `redshiftdata` -> `redshift-data`. */
export function awsSdkClientName(service: string): string {
  const name = service.toLowerCase();
  return CLIENT_NAMES[name] ?? name;
}

/** The v3 client package of a service: `@aws-sdk/client-redshift-data`. */
export function awsSdkClientPackage(service: string): string {
  return `@aws-sdk/client-${awsSdkClientName(service)}`;
}

/** The API operation of an action: `getObject` -> `GetObject`. */
export function awsSdkOperation(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
}

/** The v3 command class of an action: `getObject` -> `GetObjectCommand`, ssm `sendCommand` -> `SendCommandCommand`. */
export function awsSdkCommandClass(action: string): string {
  return `${awsSdkOperation(action)}Command`;
}

/** The IAM action a call needs: (`cloudwatchlogs`, `putRetentionPolicy`) -> `logs:PutRetentionPolicy`. */
export function awsSdkIamAction(service: string, action: string): string {
  const client = awsSdkClientName(service);
  return `${IAM_PREFIXES[client] ?? client}:${awsSdkOperation(action)}`;
}
