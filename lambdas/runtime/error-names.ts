/**
 * How Step Functions names an integration's service errors: a module of its own, so that the
 * AWS adapters (the workers' bundles among them) use it without the task router.
 */

/**
 * An error code as Step Functions puts it in an integration's error name: always ending in
 * `Exception` (`NoSuchKey` -> `NoSuchKeyException`), as AWS documents for its integrations.
 */
export function exceptionName(code: string): string {
  return code.endsWith('Exception') ? code : `${code}Exception`;
}
