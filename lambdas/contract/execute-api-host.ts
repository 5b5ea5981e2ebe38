/**
 * API Gateway hosts, as `arn:aws:states:::apigateway:invoke` names them in `ApiEndpoint`
 * (`<api-id>.execute-api.<region>.amazonaws.com`): the router signs for the host's region, the
 * construct grants `execute-api:Invoke` on the host's API.
 */

/** An API Gateway host: `<api-id>.execute-api.<region>.amazonaws.com` (and `.com.cn` in China). */
const EXECUTE_API_HOST = /^([0-9a-z]+)\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/** The API and region of an API Gateway host, or undefined for any other host. */
export function executeApiHost(
  host: string,
): { readonly apiId: string; readonly region: string } | undefined {
  const match = EXECUTE_API_HOST.exec(host.toLowerCase());
  return match ? { apiId: match[1] as string, region: match[2] as string } : undefined;
}
