import { describe, expect, it } from 'vitest';
import { almaErrors, classifyAnswer, describeAlmaError, knownGateway, remainingCalls, retryAfterMs, userPath, codeTablePath, ALMA_GATEWAYS } from '../../shared/src/alma/api';

const json = (code: string, message: string) => JSON.stringify({ errorsExist: true, errorList: { error: [{ errorCode: code, errorMessage: message, trackingId: 'E01-x' }] }, result: null });
const xml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<web_service_result xmlns="http://com/exlibris/urm/general/xmlbeans"><errorsExist>true</errorsExist><errorList><error><errorCode>${code}</errorCode><errorMessage>${message}</errorMessage></error></errorList></web_service_result>`;
const answer = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, body, headers });

describe('Alma API facts', () => {
  it('knows the six documented gateways by id and by URL', () => {
    expect(ALMA_GATEWAYS.map((g) => g.id)).toEqual(['na', 'eu', 'ap', 'aps', 'ca', 'cn']);
    expect(knownGateway('EU')?.url).toBe('https://api-eu.hosted.exlibrisgroup.com');
    expect(knownGateway('https://api-cn.hosted.exlibrisgroup.com.cn/')?.region).toBe('China');
    expect(knownGateway('https://evil.example')).toBeUndefined();
  });

  it('builds the paths of "Get user details" and "Retrieve code table", escaping the values', () => {
    expect(userPath({ id: 'jdoe' })).toBe('/almaws/v1/users/jdoe?view=full&expand=none');
    expect(userPath({ id: 'a/b c', idType: 'UNIV_ID' })).toBe('/almaws/v1/users/a%2Fb%20c?user_id_type=UNIV_ID&view=full&expand=none');
    expect(codeTablePath('UserGroups')).toBe('/almaws/v1/conf/code-tables/UserGroups');
  });

  it('reads Alma\'s error list in JSON and in XML', () => {
    expect(almaErrors(json('401861', 'User with identifier x was not found.'))).toEqual([{ code: '401861', message: 'User with identifier x was not found.', trackingId: 'E01-x' }]);
    expect(almaErrors(xml('UNAUTHORIZED', 'API-key not defined or not configured to allow this API.'))).toEqual([{ code: 'UNAUTHORIZED', message: 'API-key not defined or not configured to allow this API.' }]);
    expect(almaErrors('<html>503</html>')).toEqual([]);
    expect(almaErrors('not json {')).toEqual([]);
  });

  it('tells each kind of answer apart', () => {
    expect(classifyAnswer(answer(200, '{"primary_id":"x"}'), 0)).toEqual({ kind: 'ok', json: { primary_id: 'x' } });
    expect(classifyAnswer(answer(400, json('401861', 'User with identifier x was not found.')), 0).kind).toBe('not-found');
    expect(classifyAnswer(answer(400, json('401890', 'User with identifier x of type UNIV_ID was not found.')), 0).kind).toBe('not-found');
    expect(classifyAnswer(answer(400, json('UNAUTHORIZED', 'API-key not defined or not configured to allow this API.')), 0).kind).toBe('invalid-key');
    expect(classifyAnswer(answer(400, xml('UNAUTHORIZED', 'API-key not defined or not configured to allow this API.')), 0).kind).toBe('invalid-key');
    expect(classifyAnswer(answer(403, json('INVALID_REQUEST', 'Invalid API Key')), 0).kind).toBe('invalid-key');
    expect(classifyAnswer(answer(401, '<html>HTTP Status 401 – Unauthorized</html>'), 0).kind).toBe('invalid-key');
    expect(classifyAnswer(answer(429, json('PER_SECOND_THRESHOLD', 'HTTP requests are more than allowed per second'), { 'retry-after': '2' }), 0)).toMatchObject({ kind: 'throttled', retryAfterMs: 2000 });
    expect(classifyAnswer(answer(429, json('DAILY_THRESHOLD', 'Daily API Request Threshold has been reached.')), 0).kind).toBe('daily-limit');
    expect(classifyAnswer(answer(503, '<html>Service Unavailable</html>'), 0)).toEqual({ kind: 'server-error', status: 503, error: undefined });
    expect(classifyAnswer(answer(200, '{"cut'), 0).kind).toBe('server-error');
    expect(classifyAnswer(answer(400, json('60101', 'General Error')), 0)).toMatchObject({ kind: 'failed', status: 400 });
  });

  it('reads Retry-After as seconds or as a date, and the calls left today', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(5000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(remainingCalls({ headers: { 'x-exl-api-remaining': '498668' } })).toBe(498668);
    expect(remainingCalls({ headers: {} })).toBeUndefined();
  });

  it('quotes Alma\'s words with the code', () => {
    expect(describeAlmaError({ code: 'UNAUTHORIZED', message: 'API-key not defined or not configured to allow this API.' }, 'x')).toBe('API-key not defined or not configured to allow this API. (UNAUTHORIZED)');
    expect(describeAlmaError(undefined, 'HTTP 500')).toBe('HTTP 500');
  });
});
