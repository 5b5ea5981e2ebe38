/**
 * CloudFormation's intrinsic functions, resolved against the local resources a local deployment
 * created: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`,
 * `Fn::ImportValue` (the exports of the stacks deployed before) and the pseudo parameters. Anything else, and any reference to a resource or attribute the local deployment
 * did not create, throws naming it: a template that grows a new dependency fails here instead of
 * running with a wrong value.
 */

/** What a created resource answers to `Ref` and `Fn::GetAtt`. */
export interface ResolvedResource {
  readonly ref: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** What a stack's intrinsics resolve against. */
export interface ResolutionContext {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** Logical id -> the created resource (missing: not created, or not yet). */
  readonly resources: ReadonlyMap<string, ResolvedResource>;
  /** Logical id -> type, to name what could not be resolved. */
  readonly types: ReadonlyMap<string, string>;
  /** Parameter values, if the template has parameters that are referenced. */
  readonly parameters?: ReadonlyMap<string, string>;
  /** Export name -> value, of the stacks deployed before (`Fn::ImportValue`). */
  readonly exports?: ReadonlyMap<string, string>;
}

/** A value that cannot be resolved. */
export class UnresolvedError extends Error {
  override readonly name = 'UnresolvedError';
}

/** Resolves every intrinsic in `value`. `AWS::NoValue` removes the property. */
export function resolve(value: unknown, context: ResolutionContext): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolve(item, context)).filter((item) => item !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    return intrinsic(first[0], first[1], context);
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const result = resolve(item, context);
    if (result !== NO_VALUE) resolved[key] = result;
  }
  return resolved;
}

/** Resolves `value` to a string, or throws. */
export function resolveString(value: unknown, context: ResolutionContext, what: string): string {
  const resolved = resolve(value, context);
  if (typeof resolved !== 'string') {
    throw new UnresolvedError(`${what} resolved to ${JSON.stringify(resolved)}, not a string`);
  }
  return resolved;
}

const NO_VALUE = Symbol('AWS::NoValue');

function intrinsic(name: string, argument: unknown, context: ResolutionContext): unknown {
  switch (name) {
    case 'Ref':
      return ref(String(argument), context);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument)
        ? (argument as [string, string])
        : (String(argument).split('.', 2) as [string, string]);
      return getAtt(logicalId, attribute, context);
    }
    case 'Fn::Join': {
      const [separator, items] = argument as [string, unknown[]];
      return (resolve(items, context) as unknown[]).map((item) => stringOf(item, 'Fn::Join')).join(separator);
    }
    case 'Fn::Select': {
      const [index, items] = argument as [unknown, unknown];
      const list = resolve(items, context);
      const position = Number(resolve(index, context));
      if (!Array.isArray(list) || !(position in list)) {
        throw new UnresolvedError(`Fn::Select ${position} of ${JSON.stringify(list)}`);
      }
      return list[position] as unknown;
    }
    case 'Fn::Split': {
      const [separator, source] = argument as [string, unknown];
      return stringOf(resolve(source, context), 'Fn::Split').split(separator);
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(argument)
        ? (argument as [string, Record<string, unknown>])
        : [String(argument), {}];
      return template
        .replace(/\$\{([^}!][^}]*)\}/g, (_match, expression: string) => {
          if (Object.hasOwn(variables, expression)) {
            return stringOf(resolve(variables[expression], context), `Fn::Sub \${${expression}}`);
          }
          const dot = expression.indexOf('.');
          if (dot > 0 && !expression.startsWith('AWS::')) {
            return stringOf(
              getAtt(expression.slice(0, dot), expression.slice(dot + 1), context),
              `Fn::Sub \${${expression}}`,
            );
          }
          return stringOf(ref(expression, context), `Fn::Sub \${${expression}}`);
        })
        .replaceAll('${!', '${');
    }
    case 'Fn::ImportValue': {
      const exportName = stringOf(resolve(argument, context), 'Fn::ImportValue');
      const value = context.exports?.get(exportName);
      if (value === undefined) {
        throw new UnresolvedError(`Fn::ImportValue ${exportName}: no stack deployed locally exports it`);
      }
      return value;
    }
    default:
      throw new UnresolvedError(`Local deployments do not resolve ${name}`);
  }
}

function ref(name: string, context: ResolutionContext): unknown {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  const parameter = context.parameters?.get(name);
  if (parameter !== undefined) return parameter;
  const resource = context.resources.get(name);
  if (!resource) throw new UnresolvedError(`Ref ${describe(name, context)}: not created locally`);
  return resource.ref;
}

function getAtt(logicalId: string, attribute: string, context: ResolutionContext): string {
  const resource = context.resources.get(logicalId);
  if (!resource) {
    throw new UnresolvedError(`Fn::GetAtt ${describe(logicalId, context)}.${attribute}: not created locally`);
  }
  const value = resource.attributes?.[attribute];
  if (value === undefined) {
    throw new UnresolvedError(
      `Fn::GetAtt ${describe(logicalId, context)}.${attribute}: no such attribute locally`,
    );
  }
  return value;
}

function describe(logicalId: string, context: ResolutionContext): string {
  const type = context.types.get(logicalId);
  return type ? `${logicalId} (${type})` : logicalId;
}

function stringOf(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnresolvedError(`${where}: ${JSON.stringify(value)} is not a string`);
}
