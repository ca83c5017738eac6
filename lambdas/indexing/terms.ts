import { uploadsPrefix } from '../shared/constants';

export const anonymousOwner = 'anonymous';
const maxTokens = 40;
const maxTokenLength = 64;

/** `uploads/<owner>/...`: the first folder under the uploads prefix names the owner. */
export const ownerOf = (key: string): string => {
  const rest = key.startsWith(uploadsPrefix) ? key.slice(uploadsPrefix.length) : key;
  const slash = rest.indexOf('/');
  const owner = slash > 0 ? rest.slice(0, slash) : '';
  return owner === '' ? anonymousOwner : owner;
};

/** Lower-case, accents folded (so "café" is found by "cafe"), width forms unified. */
export const normalizeToken = (token: string): string =>
  token.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** Words of a text: split on anything not a letter or digit, and on camelCase boundaries. */
export const tokenize = (text: string): string[] =>
  text
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .map(normalizeToken)
    // One ASCII letter says little; one CJK character can be a whole word.
    .filter((token) => token.length >= 2 || (token.codePointAt(0) ?? 0) > 0x7f)
    .map((token) => token.slice(0, maxTokenLength));

/** Search tokens from the key below the owner (folders and file name, no extension) and user metadata. */
export const tokensOf = (key: string, userMetadata: Readonly<Record<string, string>> = {}): string[] => {
  const rest = key.startsWith(uploadsPrefix) ? key.slice(uploadsPrefix.length) : key;
  const segments = rest.split('/');
  const fileName = (segments.pop() ?? '').replace(/\.[^.]*$/, '');
  const folders = segments.slice(ownerOf(key) === anonymousOwner ? 0 : 1);
  const texts = [...folders, fileName, ...Object.values(userMetadata)];
  return [...new Set(texts.flatMap(tokenize))].slice(0, maxTokens);
};
