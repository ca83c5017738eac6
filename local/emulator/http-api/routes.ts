/**
 * Route selection as API Gateway does it for HTTP APIs: the most specific match wins (a literal
 * path over path variables, variables over a greedy `{proxy+}`, a method over ANY), and `$default`
 * catches what nothing else matches ("Working with routes for HTTP APIs", API Gateway developer guide).
 */
import type { HttpRouteSpec } from '../template';

export interface RouteMatch {
  readonly route: HttpRouteSpec;
  readonly pathParameters: Readonly<Record<string, string>>;
}

interface Pattern {
  readonly route: HttpRouteSpec;
  readonly method: string;
  readonly segments: readonly string[];
}

const patternOf = (route: HttpRouteSpec): Pattern | undefined => {
  const space = route.routeKey.indexOf(' ');
  if (space < 0) return undefined;
  const path = route.routeKey.slice(space + 1);
  return { route, method: route.routeKey.slice(0, space).toUpperCase(), segments: path.split('/').slice(1) };
};

const variableName = (segment: string) => /^\{([^}+]+)(\+?)\}$/.exec(segment);

/** Path parameters if the pattern matches, with a score: higher is more specific. */
const matchPattern = (pattern: Pattern, method: string, segments: readonly string[]) => {
  if (pattern.method !== 'ANY' && pattern.method !== method) return undefined;
  const parameters: Record<string, string> = {};
  let literals = 0;
  let greedy = false;
  for (let i = 0; i < pattern.segments.length; i++) {
    const expected = pattern.segments[i] as string;
    const variable = variableName(expected);
    if (variable?.[2] === '+') {
      const rest = segments.slice(i).map(decodeURIComponent).join('/');
      if (i !== pattern.segments.length - 1 || rest === '') return undefined;
      parameters[variable[1] as string] = rest;
      greedy = true;
      break;
    }
    const actual = segments[i];
    if (actual === undefined) return undefined;
    if (variable) {
      if (actual === '') return undefined;
      parameters[variable[1] as string] = decodeURIComponent(actual);
    } else if (expected !== actual) {
      return undefined;
    } else {
      literals++;
    }
  }
  if (!greedy && segments.length !== pattern.segments.length) return undefined;
  const score = [greedy ? 0 : 1, literals, pattern.method === 'ANY' ? 0 : 1];
  return { parameters, score };
};

const compareScores = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};

export const createRouter = (routes: readonly HttpRouteSpec[]) => {
  const patterns = routes.map(patternOf).filter((pattern): pattern is Pattern => pattern !== undefined);
  const fallback = routes.find((route) => route.routeKey === '$default');
  return (method: string, path: string): RouteMatch | undefined => {
    const segments = path.split('/').slice(1);
    let best: { pattern: Pattern; parameters: Record<string, string>; score: number[] } | undefined;
    for (const pattern of patterns) {
      const matched = matchPattern(pattern, method.toUpperCase(), segments);
      if (matched && (best === undefined || compareScores(matched.score, best.score) > 0)) {
        best = { pattern, ...matched };
      }
    }
    if (best) return { route: best.pattern.route, pathParameters: best.parameters };
    return fallback === undefined ? undefined : { route: fallback, pathParameters: {} };
  };
};
