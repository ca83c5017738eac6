import { intrinsicName, isRecord } from './cfn';

/**
 * The logical ids a value refers to through Ref, Fn::GetAtt or Fn::Sub, without resolving
 * anything: used to find who uses a resource.
 */
export const referencedIds = (value: unknown, found: Set<string> = new Set()): Set<string> => {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, found);
    return found;
  }
  if (!isRecord(value)) return found;
  const name = intrinsicName(value);
  const argument = name ? value[name] : undefined;
  if (name === 'Ref' && typeof argument === 'string') {
    found.add(argument);
  } else if (name === 'Fn::GetAtt') {
    const target =
      typeof argument === 'string' ? argument.split('.')[0] : Array.isArray(argument) && argument[0];
    if (typeof target === 'string') found.add(target);
  } else if (name === 'Fn::Sub') {
    const text = typeof argument === 'string' ? argument : Array.isArray(argument) ? argument[0] : undefined;
    const variables = Array.isArray(argument) && isRecord(argument[1]) ? argument[1] : {};
    for (const match of typeof text === 'string' ? text.matchAll(/\$\{([^!}][^}]*)\}/g) : []) {
      const target = (match[1] ?? '').trim().split('.')[0] ?? '';
      if (!Object.hasOwn(variables, target) && !target.startsWith('AWS::')) found.add(target);
    }
    referencedIds(variables, found);
    return found;
  }
  for (const item of Object.values(value)) referencedIds(item, found);
  return found;
};
