import type { LocalPipeline } from '../emulator';

/** The user `npm start` issues a development token for. */
export const developmentUser = 'local-developer';

/** The lines `npm start` prints for the stack's HTTP APIs: where they answer, and a token they accept. */
export const apiLines = async (pipeline: LocalPipeline): Promise<string> => {
  const [first, ...others] = pipeline.httpApis;
  if (first === undefined) return '';
  const token = await pipeline.issueToken({ sub: developmentUser }).catch(() => undefined);
  return [
    `  api          ${first.url}${others.map((api) => `  ${api.url}`).join('')}`,
    ...(token === undefined
      ? []
      : [
          `  token        ${token}`,
          `               (sub ${developmentUser}, 12 h; export TOKEN=... and send "Authorization: Bearer $TOKEN")`,
        ]),
    '',
  ].join('\n');
};
