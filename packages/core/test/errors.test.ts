import { describe, expect, it } from 'vitest';
import { CdcError, ConfigError, ConnectError, describeError, isCdcError, isUsageError, redactSecrets, registerSecret } from '../src/index.js';

describe('errors', () => {
  it('carry code, connector, retryable, cause and a formatted message', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new ConnectError('cannot reach 127.0.0.1:1', { connector: 'mysql', retryable: true, cause, hint: 'check the host and port' });
    expect(e.message).toBe('[cdc] [mysql] cannot reach 127.0.0.1:1 — check the host and port');
    expect(e.code).toBe('CONNECT');
    expect(e.name).toBe('ConnectError');
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(CdcError);
    expect(isCdcError(e)).toBe(true);
    expect(isCdcError(new Error('x'))).toBe(false);
    expect(isUsageError(new ConfigError('bad'))).toBe(true);
    expect(isUsageError(e)).toBe(false);
  });
  it('redacts secrets from messages', () => {
    expect(redactSecrets('password=abc123 user=x')).toBe('password=****** user=x');
    expect(redactSecrets('"password": "abc123"')).toBe('"password": "******"');
    expect(redactSecrets('mysql://root:pa55w0rd@db:3306/x')).toBe('mysql://root:******@db:3306/x');
    expect(redactSecrets('Authorization: Basic dXNlcjpwYXNz')).toBe('Authorization: Basic ******');
    registerSecret('s3cr3t-value');
    expect(new ConfigError('login with s3cr3t-value failed').message).not.toContain('s3cr3t-value');
    expect(describeError(new Error('token=abcdef'))).toBe('token=******');
    // a short secret is redacted where it stands alone, not inside other words
    registerSecret('abc');
    expect(redactSecrets('login abc failed for abc-tool (abc)')).toBe('login ****** failed for abc-tool (******)');
    registerSecret('cdc');
    expect(redactSecrets('[cdc] [mysql] login cdc failed')).toBe('[cdc] [mysql] login ****** failed');
  });
});
